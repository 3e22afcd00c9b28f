import { Construct } from 'constructs';
import { HelmAddon, IAddonCluster, systemPodValues } from '../compute/helm-addon';

/** Props of {@link Keda}. */
export interface KedaProps {
  readonly cluster: IAddonCluster;
}

/**
 * KEDA (official chart, pinned in ADDON_CHARTS), installed by the platform stack so the
 * `ScaledObject` CRD exists before the workloads stack plans. It scales non-critical models to zero
 * from Prometheus request rates; it calls no AWS API, so it has no AWS identity.
 */
export class Keda extends HelmAddon {
  constructor(scope: Construct, id: string, props: KedaProps) {
    super(scope, id, { cluster: props.cluster, chart: 'keda', namespace: 'keda' });
  }

  protected values(): Record<string, unknown> {
    return { nodeSelector: systemPodValues().nodeSelector, operator: { replicaCount: 2 }, podDisruptionBudget: { operator: { minAvailable: 1 } } };
  }
}
