import { Construct } from 'constructs';
import { MlopsStack } from '../core/mlops-stack';
import { HelmAddon, IAddonCluster, SYSTEM_POD } from './helm-addon';
import { NodePool } from './node-pool';

/** Autoscaler priorities: higher wins. Spot first, on-demand fallback next, anything else last. */
export const AUTOSCALER_PRIORITY = { spot: 100, onDemand: 50, other: 10 } as const;

/** Props of {@link ClusterAutoscaler}. */
export interface ClusterAutoscalerProps {
  readonly cluster: IAddonCluster;
  /** The node groups it manages, read at synth (pools added later are included). */
  readonly nodePools: () => NodePool[];
  /**
   * How long a node must be unneeded before it is removed.
   * @default "10m"
   */
  readonly scaleDownUnneededTime?: string;
}

/**
 * The Kubernetes cluster-autoscaler (official chart) with the priority expander: it grows the spot
 * node group of a pool first and the on-demand fallback only when spot capacity cannot be had;
 * idle groups scale to zero. Its identity may change only the Auto Scaling groups tagged as owned
 * by this cluster.
 */
export class ClusterAutoscaler extends HelmAddon {
  private readonly props: ClusterAutoscalerProps;

  constructor(scope: Construct, id: string, props: ClusterAutoscalerProps) {
    super(scope, id, { cluster: props.cluster, chart: 'cluster-autoscaler', namespace: 'kube-system', serviceAccountName: 'cluster-autoscaler', description: 'Cluster autoscaler' });
    this.props = props;
    const stack = MlopsStack.of(this);
    const name = props.cluster.clusterName;
    this.identity!.addToPolicy(
      {
        sid: 'Discover',
        actions: ['autoscaling:DescribeAutoScalingGroups', 'autoscaling:DescribeAutoScalingInstances', 'autoscaling:DescribeLaunchConfigurations',
          'autoscaling:DescribeScalingActivities', 'autoscaling:DescribeTags', 'ec2:DescribeImages', 'ec2:DescribeInstanceTypes',
          'ec2:DescribeLaunchTemplateVersions', 'ec2:GetInstanceTypesFromInstanceRequirements'],
        resources: ['*'],
        wildcardReason: 'Auto Scaling and EC2 Describe calls support no resource-level permissions.',
      },
      {
        sid: 'ScaleOwnGroups',
        actions: ['autoscaling:SetDesiredCapacity', 'autoscaling:TerminateInstanceInAutoScalingGroup'],
        resources: [stack.arn('autoscaling', 'autoScalingGroup:*:autoScalingGroupName/*')],
        conditions: { StringEquals: { [`aws:ResourceTag/k8s.io/cluster-autoscaler/${name}`]: 'owned' } },
      },
      {
        sid: 'ReadNodeGroups',
        actions: ['eks:DescribeNodegroup'],
        resources: [stack.arn('eks', `nodegroup/${name}/*/*`)],
      },
    );
  }

  protected values(): Record<string, unknown> {
    const stack = MlopsStack.of(this);
    const priorities: Record<number, string[]> = { [AUTOSCALER_PRIORITY.other]: ['.*'] };
    for (const pool of this.props.nodePools()) {
      const p = pool.capacityType === 'SPOT' ? AUTOSCALER_PRIORITY.spot : AUTOSCALER_PRIORITY.onDemand;
      (priorities[p] ??= []).push(asgPattern(pool.nodeGroupName));
    }
    return {
      // This chart's pod-level key is `securityContext`, the container's `containerSecurityContext`.
      nodeSelector: SYSTEM_POD.nodeSelector,
      securityContext: SYSTEM_POD.pod,
      containerSecurityContext: SYSTEM_POD.container,
      cloudProvider: 'aws',
      awsRegion: stack.region,
      autoDiscovery: { clusterName: this.props.cluster.clusterName },
      rbac: { serviceAccount: { create: true, name: 'cluster-autoscaler' } },
      expanderPriorities: priorities,
      extraArgs: {
        expander: 'priority',
        'balance-similar-node-groups': true,
        'skip-nodes-with-system-pods': false,
        'scale-down-unneeded-time': this.props.scaleDownUnneededTime ?? '10m',
      },
    };
  }
}

/** The Auto Scaling group EKS creates for a managed node group: `eks-<node group name>-<uuid>`. */
export function asgPattern(nodeGroupName: string): string {
  return `^eks-${nodeGroupName.replace(/[.]/g, '\\.')}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`;
}
