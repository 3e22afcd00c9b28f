import { Construct } from 'constructs';
import { HelmAddon, IAddonCluster, systemPodValues } from '../compute/helm-addon';

/** Props of {@link Keda}. */
export interface KedaProps {
  readonly cluster: IAddonCluster;
}

/**
 * KEDA (official chart, pinned in ADDON_CHARTS), installed by the add-ons stack so the
 * `ScaledObject` CRD exists before the workloads stack plans. It scales non-critical models to zero
 * from Prometheus request rates and starts queue-driven retraining jobs; its operator identity may
 * only read the length of the queues it is granted.
 */
export class Keda extends HelmAddon {
  constructor(scope: Construct, id: string, props: KedaProps) {
    // The operator's identity reads SQS queue lengths for queue-driven jobs (grants only).
    super(scope, id, { cluster: props.cluster, chart: 'keda', namespace: 'keda', serviceAccountName: 'keda-operator', description: 'KEDA operator: reads the length of the queues it scales on' });
  }

  protected values(): Record<string, unknown> {
    return { nodeSelector: systemPodValues().nodeSelector, operator: { replicaCount: 2 }, podDisruptionBudget: { operator: { minAvailable: 1 } } };
  }
}
