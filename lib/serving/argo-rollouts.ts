import { Construct } from 'constructs';
import { HelmAddon, IAddonCluster, systemPodValues } from '../compute/helm-addon';

/** Props of {@link ArgoRollouts}. */
export interface ArgoRolloutsProps {
  readonly cluster: IAddonCluster;
}

/**
 * The Argo Rollouts controller (official chart, pinned in ADDON_CHARTS), installed by the platform
 * stack so the `Rollout` and `AnalysisTemplate` CRDs exist before the workloads stack plans. Two
 * controller replicas on the system nodes; the dashboard (an unauthenticated UI) is not installed.
 */
export class ArgoRollouts extends HelmAddon {
  constructor(scope: Construct, id: string, props: ArgoRolloutsProps) {
    super(scope, id, { cluster: props.cluster, chart: 'argo-rollouts', namespace: 'argo-rollouts' });
  }

  protected values(): Record<string, unknown> {
    return {
      controller: { replicas: 2, nodeSelector: systemPodValues().nodeSelector, pdb: { enabled: true, minAvailable: 1 } },
      dashboard: { enabled: false },
    };
  }
}
