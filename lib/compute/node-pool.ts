import { Construct } from 'constructs';
import { Annotations, Fn, Token } from 'cdktf';
import { EksNodeGroup } from '@cdktf/provider-aws/lib/eks-node-group';
import { LaunchTemplate } from '@cdktf/provider-aws/lib/launch-template';
import { MlopsStack } from '../core/mlops-stack';
import { checkName } from '../core/naming';
import { invalid, show } from '../core/errors';
import { NODE_LABELS, NodeTaint } from './gpu';
import type { MlCluster } from './ml-cluster';
import { checkNodeCounts } from './node-counts';
import { instanceTypeInfo } from './instance-types';

/** EC2 capacity of a pool. */
export type CapacityType = 'ON_DEMAND' | 'SPOT';

/** Props of {@link NodePool}. */
export interface NodePoolProps {
  readonly cluster: MlCluster;
  /** Pool name: a DNS-1123 label, the value of the `mlops.cdktf.io/pool` node label. */
  readonly poolName: string;
  /**
   * Instance types; a spot pool should list several (families and sizes) to survive reclaims. Each
   * must be in INSTANCE_TYPES (the placement check computes its allocatable).
   */
  readonly instanceTypes: string[];
  /** Most nodes: the pool's cost ceiling. */
  readonly maxSize: number;
  /**
   * Fewest nodes; 0 lets the autoscaler scale the pool to zero when idle.
   * @default 0
   */
  readonly minSize?: number;
  /**
   * On-demand or spot capacity.
   * @default "ON_DEMAND"
   */
  readonly capacityType?: CapacityType;
  /**
   * EKS AMI type.
   * @default "AL2023_x86_64_STANDARD"
   */
  readonly amiType?: string;
  /**
   * Extra node labels (the pool and capacity labels are always set).
   * @default none
   */
  readonly labels?: Record<string, string>;
  /**
   * Node taints.
   * @default none
   */
  readonly taints?: NodeTaint[];
  /**
   * Root volume size in GiB (encrypted gp3 with the compute key).
   * @default 100
   */
  readonly volumeSizeGiB?: number;
  /**
   * Words after the platform prefix in the node group name.
   * @default [poolName]
   */
  readonly nameParts?: string[];
}

const EKS_EFFECT: Record<NodeTaint['effect'], string> = { NoSchedule: 'NO_SCHEDULE', PreferNoSchedule: 'PREFER_NO_SCHEDULE', NoExecute: 'NO_EXECUTE' };

/**
 * An EKS managed node group across the cluster's private subnets (at least two AZs), with the
 * cluster's launch template (IMDSv2 with its hop limit, encrypted root volume), labels the
 * workloads select on, taints, and a max size as cost ceiling. The cluster autoscaler manages
 * its size (desired size is ignored by Terraform after creation).
 */
export class NodePool extends Construct {
  public readonly nodeGroup: EksNodeGroup;
  public readonly launchTemplate: LaunchTemplate;
  public readonly poolName: string;
  public readonly nodeGroupName: string;
  public readonly capacityType: CapacityType;
  public readonly instanceTypes: string[];
  public readonly minSize: number;
  public readonly maxSize: number;
  /** Labels every node carries. */
  public readonly labels: Record<string, string>;
  public readonly taints: NodeTaint[];

  constructor(scope: Construct, id: string, props: NodePoolProps) {
    super(scope, id);
    const stack = MlopsStack.of(this);
    const cluster = props.cluster;
    this.poolName = checkName(this, 'k8s-name', props.poolName);
    this.capacityType = props.capacityType ?? 'ON_DEMAND';
    this.instanceTypes = props.instanceTypes;
    this.minSize = props.minSize ?? 0;
    this.maxSize = props.maxSize;
    if (this.instanceTypes.length === 0) invalid(this, 'instanceTypes is empty.', 'list at least one instance type, e.g. ["m6i.xlarge", "m7i.xlarge"].');
    for (const t of this.instanceTypes) {
      if (!/^[a-z][a-z0-9-]*\.[a-z0-9]+$/.test(t)) invalid(this, `instance type ${show(t)} is not an EC2 instance type name.`, 'use names such as "m6i.xlarge".');
      instanceTypeInfo(this, t);
    }
    checkNodeCounts(this, { min: this.minSize, max: this.maxSize }, { min: 'minSize', max: 'maxSize' });
    if (this.capacityType === 'SPOT' && this.instanceTypes.length < 2) {
      Annotations.of(this).addWarning(`spot pool ${this.poolName} has a single instance type (${this.instanceTypes[0]}); one spot reclaim can empty it. List several families and sizes.`);
    }
    const azs = cluster.network.availabilityZones;
    if (!Token.isUnresolved(azs) && azs.length < 2) {
      invalid(this, `the cluster's network spans ${azs.length} availability zone(s).`, 'node pools need private subnets in at least two AZs: give the Network availabilityZones >= 2.');
    }
    this.labels = {
      ...props.labels,
      [NODE_LABELS.pool]: this.poolName,
      [NODE_LABELS.capacity]: this.capacityType === 'SPOT' ? 'spot' : 'on-demand',
    };
    this.taints = props.taints ?? [];
    const parts = props.nameParts ?? [this.poolName];
    this.nodeGroupName = stack.naming.name(this, 'eks-node-group', ...parts);
    this.launchTemplate = this.createLaunchTemplate(cluster, parts.join('-'), props.volumeSizeGiB ?? 100);
    this.nodeGroup = new EksNodeGroup(this, 'node_group', {
      clusterName: cluster.cluster.name,
      nodeGroupName: this.nodeGroupName,
      nodeRoleArn: cluster.nodeRole.roleArn,
      subnetIds: cluster.network.privateSubnetIds,
      amiType: props.amiType ?? 'AL2023_x86_64_STANDARD',
      capacityType: this.capacityType,
      instanceTypes: this.instanceTypes,
      scalingConfig: { minSize: this.minSize, desiredSize: this.minSize, maxSize: this.maxSize },
      updateConfig: { maxUnavailable: 1 },
      launchTemplate: { id: this.launchTemplate.id, version: Fn.tostring(this.launchTemplate.latestVersion) },
      labels: this.labels,
      taint: this.taints.map((t) => ({ key: t.key, value: t.value, effect: EKS_EFFECT[t.effect] })),
      nodeRepairConfig: { enabled: true },
      lifecycle: { ignoreChanges: ['scaling_config[0].desired_size'] },
      dependsOn: cluster.nodeDependencies,
    });
    cluster.registerNodePool(this);
  }

  /** The launch template of the pool (the cluster's node defaults). Override to change them for this pool. */
  protected createLaunchTemplate(cluster: MlCluster, name: string, volumeSizeGiB: number): LaunchTemplate {
    return cluster.nodeLaunchTemplate(name, volumeSizeGiB);
  }
}
