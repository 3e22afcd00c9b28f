import { Construct } from 'constructs';
import { ITerraformDependable, Lazy } from 'cdktf';
import { Release } from '@cdktf/provider-helm/lib/release';
import { HelmProvider } from '@cdktf/provider-helm/lib/provider';
import { IIdentityCluster, WorkloadIdentity } from '../security/workload-identity';
import { ADDON_CHARTS, AddonChartName } from './addon-versions';
import { renderTemplateText } from '../core/terraform-literals';

/** What a chart add-on needs of its cluster. */
export interface IAddonCluster extends IIdentityCluster {
  /** The helm provider of the platform stack, configured for this cluster. */
  readonly helmProvider: HelmProvider;
  /** What a release waits for (the node groups that run it). */
  readonly addonDependencies: ITerraformDependable[];
}

/** Props of {@link HelmAddon}. */
export interface HelmAddonProps {
  readonly cluster: IAddonCluster;
  /** Which pinned chart (ADDON_CHARTS). */
  readonly chart: AddonChartName;
  /** Namespace of the release. */
  readonly namespace: string;
  /**
   * Service account of the controller that gets a WorkloadIdentity.
   * @default none: the add-on calls no AWS API
   */
  readonly serviceAccountName?: string;
  /** What the add-on is (IAM description). @default the chart name */
  readonly description?: string;
  /** What the release waits for besides the system nodes (e.g. a release whose CRDs it uses). @default nothing else */
  readonly dependsOn?: ITerraformDependable[];
  /** Seconds Helm waits for the release. @default 600 */
  readonly timeoutSeconds?: number;
}

/**
 * One cluster add-on installed from its official chart at the version pinned in ADDON_CHARTS,
 * by the platform stack (so the CRDs exist before the workloads stack plans), with its own
 * least-privilege WorkloadIdentity when it calls AWS. Subclasses supply `values()`.
 */
export abstract class HelmAddon extends Construct {
  public readonly release: Release;
  /** The controller's identity (grants only), when it calls AWS. */
  public readonly identity?: WorkloadIdentity;
  public readonly namespace: string;

  constructor(scope: Construct, id: string, props: HelmAddonProps) {
    super(scope, id);
    const ref = ADDON_CHARTS[props.chart];
    this.namespace = props.namespace;
    if (props.serviceAccountName) {
      this.identity = new WorkloadIdentity(this, 'identity', {
        cluster: props.cluster,
        namespace: props.namespace,
        serviceAccountName: props.serviceAccountName,
        description: props.description ?? ref.chart,
      });
    }
    this.release = new Release(this, 'release', {
      provider: props.cluster.helmProvider,
      name: props.chart,
      repository: ref.repository,
      chart: ref.chart,
      version: ref.version,
      namespace: props.namespace,
      createNamespace: props.namespace !== 'kube-system',
      atomic: true,
      cleanupOnFail: true,
      timeout: props.timeoutSeconds ?? 600,
      values: [this.renderValues()],
      dependsOn: [...props.cluster.addonDependencies, ...(props.dependsOn ?? []), ...(this.identity?.association ? [this.identity.association] : [])],
    });
  }

  /** The chart values (JSON is valid YAML); rendered lazily so later grants/pools are included. */
  protected abstract values(): Record<string, unknown>;

  private renderValues(): string {
    // Lazy so subclass fields set after super() (and pools added later) are visible.
    // The values are text for Helm: Terraform must not read their literal ${ or %{ (e.g. `${1}` in a
    // regex replacement), while their tokens (role ARNs, names) become the expressions they stand for.
    return Lazy.stringValue({
      produce: (context) => renderTemplateText(JSON.stringify(this.values()), (marker) => context.resolve(marker), true),
    });
  }
}

/** Pod settings every add-on chart gets: system nodes only, restricted pod and container security contexts. */
export const SYSTEM_POD = {
  nodeSelector: { 'mlops.cdktf.io/pool': 'system' },
  pod: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
  container: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } },
} as const;

/**
 * {@link SYSTEM_POD} under the keys most charts use (`podSecurityContext` for the pod,
 * `securityContext` for the container); a chart that names them otherwise maps SYSTEM_POD itself.
 */
export function systemPodValues(): Record<string, unknown> {
  return { nodeSelector: SYSTEM_POD.nodeSelector, podSecurityContext: SYSTEM_POD.pod, securityContext: SYSTEM_POD.container };
}
