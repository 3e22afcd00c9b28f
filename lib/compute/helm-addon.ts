import { Construct, IConstruct } from 'constructs';
import { ITerraformDependable, Lazy, TerraformStack } from 'cdktf';
import { Release } from '@cdktf/provider-helm/lib/release';
import { AddonsStack } from '../core/addons-stack';
import { IIdentityCluster, WorkloadIdentity } from '../security/workload-identity';
import { ADDON_CHARTS, AddonChartName } from './addon-versions';
import { renderTemplateText } from '../core/terraform-literals';

/** What a chart add-on needs of its cluster. */
export interface IAddonCluster extends IIdentityCluster {
  /** The stack that installs this cluster's charts (its helm provider is configured for the cluster). */
  readonly addonsStack: AddonsStack;
  /**
   * What a release waits for (the node groups that run it). Those of another stack (the platform
   * stack) are ordered by the stack dependency: that stack is applied first.
   */
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
  /**
   * What the release waits for besides the system nodes (e.g. a release whose CRDs it uses); what lives in
   * another stack than the release is ordered by the stack dependency instead. @default nothing else
   */
  readonly dependsOn?: ITerraformDependable[];
  /** Seconds Helm waits for the release. @default 600 */
  readonly timeoutSeconds?: number;
}

/**
 * One cluster add-on installed from its official chart at the version pinned in ADDON_CHARTS, with its
 * own least-privilege WorkloadIdentity when it calls AWS. The construct and its identity (IAM role,
 * pod identity association) live in the platform stack; its `helm_release.<id>` lives in the cluster's
 * add-ons stack (AddonsStack), applied after the platform stack and before the workloads stack, so
 * the CRDs exist before the workloads stack plans. Subclasses supply `values()`.
 */
export abstract class HelmAddon extends Construct {
  /** The release, in the cluster's add-ons stack (`helm_release.<this construct's id>`). */
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
    const addons = props.cluster.addonsStack;
    const sameStack = (d: ITerraformDependable) => TerraformStack.of(d as unknown as IConstruct) === addons;
    const dependsOn = [...props.cluster.addonDependencies, ...(props.dependsOn ?? []), ...(this.identity?.association ? [this.identity.association] : [])].filter(sameStack);
    this.release = addons.addRelease(this, {
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
      dependsOn: dependsOn.length > 0 ? dependsOn : undefined,
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
