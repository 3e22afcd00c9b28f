import { Construct, IConstruct } from 'constructs';
import { Fn } from 'cdktf';
import { HelmProvider } from '@cdktf/provider-helm/lib/provider';
import { Release, ReleaseConfig } from '@cdktf/provider-helm/lib/release';
import { SynthOnceStack } from './synth-once-stack';
import { AppliedFrom, appliedFromFor, ClusterConnection, eksTokenExec } from './workloads-stack';
import { configureStateBackend, StateBackendProps } from './state-backend';
import { invalid } from './errors';
import { snake } from './mlops-stack';

/** Props of {@link AddonsStack}. */
export interface AddonsStackProps {
  /**
   * The cluster the charts are installed on.
   * @default none yet: call connectTo() (MlCluster does this for the stack it is given)
   */
  readonly cluster?: ClusterConnection;
  /**
   * Remote state in S3 with lockfile locking (its own key, `<keyPrefix>/<stack id>.tfstate`).
   * @default local state
   */
  readonly backend?: StateBackendProps;
}

/**
 * The add-ons stack: every cluster add-on chart (HelmAddon) as a `helm_release`, applied by the helm
 * provider against the platform stack's cluster (endpoint and CA through remote state, exec auth with
 * `aws eks get-token`). It is applied after the platform stack (the cluster, its nodes and the add-ons'
 * IAM roles and pod identity associations exist) and before the workloads stack (whose objects need
 * the charts' CRDs), from a place that reaches the cluster's API endpoint ({@link appliedFrom}).
 *
 * Addresses are `helm_release.<add-on id>` (e.g. `helm_release.external_secrets`): the id of the
 * HelmAddon construct, so adding an add-on renames nothing.
 */
export class AddonsStack extends SynthOnceStack {
  private helmProvider?: HelmProvider;
  private cluster?: ClusterConnection;
  private readonly owners = new Map<string, string>();

  constructor(scope: Construct, id: string, props: AddonsStackProps = {}) {
    super(scope, id);
    if (props.cluster) this.connectTo(props.cluster);
    if (props.backend) configureStateBackend(this, props.backend);
  }

  /** The construct path of each release's owner (usually a HelmAddon of the platform stack), by release id. */
  public get releaseOwners(): ReadonlyMap<string, string> {
    return this.owners;
  }

  /** The helm provider (exists once the stack is connected to a cluster). */
  public get provider(): HelmProvider | undefined {
    return this.helmProvider;
  }

  /**
   * Where this stack is applied from: `cluster-network` (a runner that reaches the private API
   * endpoint) unless its cluster has a public endpoint (`anywhere`, from an IP in publicEndpointCidrs).
   */
  public get appliedFrom(): AppliedFrom {
    return appliedFromFor(this.cluster);
  }

  /** Configures the helm provider for `cluster`: its endpoint and CA, and exec auth with `aws eks get-token`. */
  public connectTo(cluster: ClusterConnection): void {
    if (this.helmProvider) {
      invalid(this, `it is already connected to a cluster; an add-ons stack installs charts on exactly one cluster (asked to connect to ${cluster.clusterName} as well).`,
        'give each cluster its own AddonsStack.');
    }
    this.cluster = cluster;
    this.helmProvider = new HelmProvider(this, 'helm', {
      kubernetes: {
        host: cluster.endpoint,
        clusterCaCertificate: Fn.base64decode(cluster.certificateAuthorityData),
        exec: eksTokenExec(cluster),
      },
    });
  }

  /**
   * The helm release of `owner` (a construct of any stack, usually a HelmAddon of the platform stack),
   * at `helm_release.<snake_case owner id>`. Two owners with the same id are an error.
   */
  public addRelease(owner: IConstruct, config: Omit<ReleaseConfig, 'provider'>): Release {
    if (!this.helmProvider) {
      invalid(this, `it is not connected to a cluster, so ${owner.node.path} cannot install its chart.`, 'pass it as `addonsStack` to an MlCluster, or call connectTo().');
    }
    const id = snake(owner.node.id);
    const previous = this.owners.get(id);
    if (previous !== undefined) {
      invalid(owner, `its helm release address "helm_release.${id}" in stack ${this.node.id} is already used by ${previous}.`,
        'give one of the two add-ons a different construct id.');
    }
    this.owners.set(id, owner.node.path);
    const release = new Release(this, id, { ...config, provider: this.helmProvider });
    release.overrideLogicalId(id);
    return release;
  }

  public prepareStack(): void {
    if (!this.helmProvider) {
      invalid(this, 'it is not connected to a cluster, so its charts cannot be installed.', 'pass it as `addonsStack` to an MlCluster, or call connectTo().');
    }
    super.prepareStack();
  }
}
