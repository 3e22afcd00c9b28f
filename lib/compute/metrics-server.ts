import { Construct } from 'constructs';
import { HelmAddon, IAddonCluster, systemPodValues } from './helm-addon';

/** Props of {@link MetricsServer}. */
export interface MetricsServerProps {
  readonly cluster: IAddonCluster;
}

/** metrics-server (official chart) for `kubectl top` and the Horizontal Pod Autoscaler; no AWS identity. */
export class MetricsServer extends HelmAddon {
  constructor(scope: Construct, id: string, props: MetricsServerProps) {
    super(scope, id, { cluster: props.cluster, chart: 'metrics-server', namespace: 'kube-system' });
  }

  protected values(): Record<string, unknown> {
    const v = systemPodValues();
    return { nodeSelector: v.nodeSelector, replicas: 2, podDisruptionBudget: { enabled: true, minAvailable: 1 } };
  }
}
