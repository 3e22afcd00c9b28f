import { Construct } from 'constructs';
import { MlopsStack } from '../core/mlops-stack';
import { HelmAddon, IAddonCluster, systemPodValues } from './helm-addon';

/** Props of {@link LoadBalancerController}. */
export interface LoadBalancerControllerProps {
  readonly cluster: IAddonCluster;
  /** VPC of the cluster. */
  readonly vpcId: string;
}

const CLUSTER_TAG = 'aws:ResourceTag/elbv2.k8s.aws/cluster';

/**
 * The AWS Load Balancer Controller (official chart). Its identity follows the upstream policy,
 * narrowed: it may create load balancers, target groups and security groups only with the
 * `elbv2.k8s.aws/cluster` tag (tagging them on create), change or delete only the ones carrying
 * it, and add or remove backend ingress rules only on security groups of the cluster's VPC (the
 * node security groups, which do not carry the tag). It may create Elastic Load Balancing's
 * service-linked role, which an account lacks until its first load balancer.
 */
export class LoadBalancerController extends HelmAddon {
  private readonly vpcId: string;
  private readonly clusterName: string;

  constructor(scope: Construct, id: string, props: LoadBalancerControllerProps) {
    super(scope, id, { cluster: props.cluster, chart: 'aws-load-balancer-controller', namespace: 'kube-system', serviceAccountName: 'aws-lb-controller', description: 'AWS Load Balancer Controller' });
    this.vpcId = props.vpcId;
    this.clusterName = props.cluster.clusterName;
    const stack = MlopsStack.of(this);
    const elb = (r: string) => stack.arn('elasticloadbalancing', r);
    this.identity!.addToPolicy(
      {
        // The first load balancer of an account needs Elastic Load Balancing's service-linked role (upstream policy).
        sid: 'ElbServiceLinkedRole',
        actions: ['iam:CreateServiceLinkedRole'],
        resources: [stack.arn('iam', 'role/aws-service-role/elasticloadbalancing.amazonaws.com/AWSServiceRoleForElasticLoadBalancing', { region: false })],
        conditions: { StringEquals: { 'iam:AWSServiceName': 'elasticloadbalancing.amazonaws.com' } },
      },
      {
        sid: 'Discover',
        actions: ['ec2:DescribeAccountAttributes', 'ec2:DescribeAddresses', 'ec2:DescribeAvailabilityZones', 'ec2:DescribeInternetGateways',
          'ec2:DescribeVpcs', 'ec2:DescribeVpcPeeringConnections', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups', 'ec2:DescribeInstances',
          'ec2:DescribeNetworkInterfaces', 'ec2:DescribeTags', 'ec2:GetCoipPoolUsage', 'ec2:DescribeCoipPools', 'ec2:GetSecurityGroupsForVpc',
          'ec2:DescribeIpamPools', 'ec2:DescribeRouteTables',
          'elasticloadbalancing:DescribeLoadBalancers', 'elasticloadbalancing:DescribeLoadBalancerAttributes', 'elasticloadbalancing:DescribeListeners',
          'elasticloadbalancing:DescribeListenerCertificates', 'elasticloadbalancing:DescribeSSLPolicies', 'elasticloadbalancing:DescribeRules',
          'elasticloadbalancing:DescribeTargetGroups', 'elasticloadbalancing:DescribeTargetGroupAttributes', 'elasticloadbalancing:DescribeTargetHealth',
          'elasticloadbalancing:DescribeTags', 'elasticloadbalancing:DescribeTrustStores', 'elasticloadbalancing:DescribeListenerAttributes',
          'elasticloadbalancing:DescribeCapacityReservation',
          'acm:ListCertificates', 'acm:DescribeCertificate', 'wafv2:GetWebACLForResource', 'shield:GetSubscriptionState'],
        resources: ['*'],
        wildcardReason: 'EC2, ELB, ACM, WAF and Shield Describe/List calls support no resource-level permissions.',
      },
      {
        sid: 'CreateTagged',
        actions: ['ec2:CreateSecurityGroup', 'elasticloadbalancing:CreateLoadBalancer', 'elasticloadbalancing:CreateTargetGroup'],
        resources: ['*'],
        conditions: { Null: { 'aws:RequestTag/elbv2.k8s.aws/cluster': 'false' } },
        wildcardReason: 'Create calls have no ARN before the resource exists; the request must carry the cluster tag.',
      },
      {
        sid: 'TagOnCreate',
        actions: ['ec2:CreateTags'],
        resources: [stack.arn('ec2', 'security-group/*')],
        conditions: { StringEquals: { 'ec2:CreateAction': 'CreateSecurityGroup' }, Null: { 'aws:RequestTag/elbv2.k8s.aws/cluster': 'false' } },
      },
      {
        sid: 'ManageOwnSecurityGroups',
        actions: ['ec2:AuthorizeSecurityGroupIngress', 'ec2:RevokeSecurityGroupIngress', 'ec2:DeleteSecurityGroup', 'ec2:CreateTags', 'ec2:DeleteTags'],
        resources: [stack.arn('ec2', 'security-group/*')],
        conditions: { Null: { [CLUSTER_TAG]: 'false' } },
      },
      {
        sid: 'TagLoadBalancersOnCreate',
        actions: ['elasticloadbalancing:AddTags'],
        resources: [elb('loadbalancer/app/*/*'), elb('loadbalancer/net/*/*'), elb('targetgroup/*/*')],
        conditions: {
          StringEquals: { 'elasticloadbalancing:CreateAction': ['CreateLoadBalancer', 'CreateTargetGroup'] },
          Null: { 'aws:RequestTag/elbv2.k8s.aws/cluster': 'false' },
        },
      },
      {
        sid: 'BackendRulesInVpc',
        actions: ['ec2:AuthorizeSecurityGroupIngress', 'ec2:RevokeSecurityGroupIngress'],
        resources: [stack.arn('ec2', 'security-group/*')],
        conditions: { ArnEquals: { 'ec2:Vpc': stack.arn('ec2', `vpc/${props.vpcId}`) } },
      },
      {
        sid: 'ManageOwnLoadBalancers',
        actions: ['elasticloadbalancing:ModifyLoadBalancerAttributes', 'elasticloadbalancing:SetIpAddressType', 'elasticloadbalancing:SetSecurityGroups',
          'elasticloadbalancing:SetSubnets', 'elasticloadbalancing:DeleteLoadBalancer', 'elasticloadbalancing:ModifyTargetGroup',
          'elasticloadbalancing:ModifyTargetGroupAttributes', 'elasticloadbalancing:DeleteTargetGroup',
          'elasticloadbalancing:ModifyCapacityReservation', 'elasticloadbalancing:AddTags', 'elasticloadbalancing:RemoveTags'],
        resources: [elb('loadbalancer/app/*/*'), elb('loadbalancer/net/*/*'), elb('targetgroup/*/*')],
        conditions: { Null: { [CLUSTER_TAG]: 'false' } },
      },
      {
        sid: 'ListenersAndRules',
        actions: ['elasticloadbalancing:CreateListener', 'elasticloadbalancing:DeleteListener', 'elasticloadbalancing:CreateRule', 'elasticloadbalancing:DeleteRule',
          'elasticloadbalancing:ModifyListener', 'elasticloadbalancing:AddListenerCertificates', 'elasticloadbalancing:RemoveListenerCertificates',
          'elasticloadbalancing:ModifyRule', 'elasticloadbalancing:ModifyListenerAttributes'],
        resources: [elb('loadbalancer/app/*/*'), elb('loadbalancer/net/*/*'), elb('listener/app/*/*/*'), elb('listener/net/*/*/*'), elb('listener-rule/app/*/*/*/*'), elb('listener-rule/net/*/*/*/*')],
      },
      {
        sid: 'AssociateWebAcls',
        actions: ['wafv2:GetWebACL', 'wafv2:AssociateWebACL', 'wafv2:DisassociateWebACL'],
        resources: [stack.arn('wafv2', 'regional/webacl/*/*'), elb('loadbalancer/app/*/*')],
      },
      {
        sid: 'SetWebAcl',
        actions: ['elasticloadbalancing:SetWebAcl'],
        resources: ['*'],
        wildcardReason: 'elasticloadbalancing:SetWebAcl supports no resource-level permissions (ModelIngress wafAclArn).',
      },
      {
        sid: 'Targets',
        actions: ['elasticloadbalancing:RegisterTargets', 'elasticloadbalancing:DeregisterTargets'],
        resources: [elb('targetgroup/*/*')],
      },
    );
  }

  protected values(): Record<string, unknown> {
    const stack = MlopsStack.of(this);
    return {
      ...systemPodValues(),
      clusterName: this.clusterName,
      region: stack.region,
      vpcId: this.vpcId,
      replicaCount: 2,
      serviceAccount: { create: true, name: 'aws-lb-controller' },
      enableServiceMutatorWebhook: false,
    };
  }

}
