import { Construct } from 'constructs';
import { MlopsStack, StateBackendProps } from './core/mlops-stack';
import { WorkloadsStack } from './core/workloads-stack';
import { EnvironmentName, EnvironmentProfile, profileFor } from './core/profiles';
import { invalid, show } from './core/errors';
import { ExistingNetworkAttributes, INetwork, Network, NetworkProps } from './network/network';
import { KeyRing } from './security/key-ring';
import { MlCluster, MlClusterProps } from './compute/ml-cluster';
import { RestrictedNamespace } from './compute/restricted-namespace';
import { DataPlatform, DataPlatformProps } from './data/data-platform';

/** Props of {@link MlopsPlatform}. */
export interface MlopsPlatformProps {
  /** Platform name, the first words of every resource name, e.g. `acme-mlops`. */
  readonly name: string;
  /** Environment whose profile supplies the defaults. */
  readonly environment: EnvironmentName;
  /** Profile values to override for this platform. @default none */
  readonly profileOverrides?: Partial<Omit<EnvironmentProfile, 'name'>>;
  /** AWS region. */
  readonly region: string;
  /** Tags for every AWS resource; owner, cost-center and data-classification are required (environment is set from the profile). */
  readonly tags: Record<string, string>;
  /** Remote state for both stacks. @default local state */
  readonly backend?: StateBackendProps;
  /** Network to create, or an existing VPC to use. @default a new Network with profile defaults */
  readonly network?: NetworkProps | { readonly existing: ExistingNetworkAttributes };
  /** Cluster settings. @default an MlCluster with profile defaults */
  readonly cluster?: Omit<MlClusterProps, 'network' | 'workloads'>;
  /**
   * The data domain: lake, stream and batch ingestion, schemas, data quality.
   * @default a DataLake with raw, curated and features zones
   */
  readonly data?: Omit<DataPlatformProps, 'network'>;
  /**
   * Namespace for the platform's own services (tracking, feature server).
   * @default "mlops-system"
   */
  readonly systemNamespace?: string;
}

/**
 * The whole MLOps platform with sane defaults, as two stacks:
 * - `<id>-platform`: AWS infrastructure (network, keys, cluster, data and ML services);
 * - `<id>-workloads`: the Kubernetes objects, applied to the platform's cluster.
 *
 * Deploy the platform stack first; the workloads stack reads the cluster endpoint from its outputs.
 */
export class MlopsPlatform extends Construct {
  public readonly platformStack: MlopsStack;
  public readonly workloadsStack: WorkloadsStack;
  public readonly network: INetwork;
  public readonly keys: KeyRing;
  public readonly cluster: MlCluster;
  public readonly systemNamespace: RestrictedNamespace;
  public readonly data: DataPlatform;

  constructor(scope: Construct, id: string, props: MlopsPlatformProps) {
    super(scope, id);
    if (!/^[a-z][a-z0-9-]*$/.test(props.name)) {
      invalid(this, `name ${show(props.name)} must be lower-case letters, digits and hyphens, starting with a letter.`, 'use a short name such as "acme-mlops".');
    }
    this.platformStack = new MlopsStack(this, `${id}-platform`, {
      profile: profileFor(props.environment, props.profileOverrides),
      region: props.region,
      namePrefix: `${props.name}-${props.environment}`,
      tags: props.tags,
      backend: props.backend,
    });
    this.workloadsStack = new WorkloadsStack(this, `${id}-workloads`, { backend: props.backend });
    this.workloadsStack.addDependency(this.platformStack);
    this.keys = KeyRing.of(this.platformStack);
    this.network = this.createNetwork(props);
    this.cluster = new MlCluster(this.platformStack, 'cluster', {
      ...props.cluster,
      network: this.network,
      workloads: this.workloadsStack,
    });
    this.systemNamespace = new RestrictedNamespace(this.platformStack, 'system_namespace', {
      workloads: this.workloadsStack,
      name: props.systemNamespace ?? 'mlops-system',
      labels: { 'mlops.cdktf.io/tier': 'platform' },
    });
    this.data = new DataPlatform(this.platformStack, 'data', { ...props.data, network: this.network });
  }

  /** Creates the network; a subclass may override it to bring its own. */
  protected createNetwork(props: MlopsPlatformProps): INetwork {
    if (props.network && 'existing' in props.network) {
      return Network.fromExisting(this.platformStack, 'network', props.network.existing);
    }
    const clusterName = this.platformStack.naming.name(this, 'eks-cluster');
    return new Network(this.platformStack, 'network', { clusterNames: [clusterName], ...(props.network as NetworkProps | undefined) });
  }
}
