import { Construct } from 'constructs';
import { Annotations, App, Fn, ITerraformDependable, TerraformOutput, Token } from 'cdktf';
import { EksCluster } from '@cdktf/provider-aws/lib/eks-cluster';
import { EksNodeGroup } from '@cdktf/provider-aws/lib/eks-node-group';
import { EksAddon } from '@cdktf/provider-aws/lib/eks-addon';
import { EksAccessEntry } from '@cdktf/provider-aws/lib/eks-access-entry';
import { EksAccessPolicyAssociation } from '@cdktf/provider-aws/lib/eks-access-policy-association';
import { LaunchTemplate } from '@cdktf/provider-aws/lib/launch-template';
import { IamOpenidConnectProvider } from '@cdktf/provider-aws/lib/iam-openid-connect-provider';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { HelmProvider } from '@cdktf/provider-helm/lib/provider';
import { MlopsStack, snake } from '../core/mlops-stack';
import { WorkloadsStack, ClusterConnection } from '../core/workloads-stack';
import { AddonsStack } from '../core/addons-stack';
import { invalid, show, validateAtSynth } from '../core/errors';
import { cidrContains, parseCidr } from '../core/cidr';
import { INetwork } from '../network/network';
import { KeyRing } from '../security/key-ring';
import { DomainKey } from '../security/domain-key';
import { EncryptedLogGroup } from '../security/encrypted-log-group';
import { PlatformRole } from '../security/platform-role';
import { IIdentityCluster, WorkloadIdentity } from '../security/workload-identity';
import { ISecretStore } from '../security/secret-store';
import { checkNodeCounts } from './node-counts';
import { profileValueSource } from '../core/profiles';
import { ApiObject } from 'cdk8s';
import { IGpuPool, isPlacementChecked, NODE_LABELS, NodeTaint, PodSpecView, podSpecs, poolsFor, tolerates } from './gpu';
import { INSTANCE_TYPES } from './instance-types';
import { allocatableForPods, fits, NodeResources, podRequests, showResources } from './allocatable';
import { IAddonCluster } from './helm-addon';
import { ClusterAutoscaler } from './cluster-autoscaler';
import { MetricsServer } from './metrics-server';
import { LoadBalancerController } from './load-balancer-controller';
import { ExternalSecretsOperator } from './external-secrets-operator';
import { NvidiaDevicePlugin } from './nvidia-device-plugin';
import { ClusterViewer } from './cluster-viewer';
import type { GpuNodePool } from './gpu-node-pool';
import type { NodePool } from './node-pool';
import { checkArn } from '../core/validators';

export { checkNodeCounts } from './node-counts';

/** Kubernetes versions EKS supports in standard support (checked at synth). */
export const SUPPORTED_KUBERNETES_VERSIONS = ['1.31', '1.32', '1.33', '1.34'];
/** The version new clusters get. */
export const DEFAULT_KUBERNETES_VERSION = '1.33';
/** Control-plane log types; all are enabled. */
export const CONTROL_PLANE_LOG_TYPES = ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'];

/** Props of {@link MlCluster}. */
export interface MlClusterProps {
  readonly network: INetwork;
  /**
   * Kubernetes version, one of SUPPORTED_KUBERNETES_VERSIONS.
   * @default DEFAULT_KUBERNETES_VERSION
   */
  readonly version?: string;
  /**
   * CIDRs allowed to reach a public API endpoint. Setting this opts in to a public endpoint;
   * `0.0.0.0/0` is refused.
   * @default private endpoint only
   */
  readonly publicEndpointCidrs?: string[];
  /**
   * CIDRs inside the VPC admitted to the private API endpoint (tcp/443 on the cluster security group):
   * the subnets of the runners that apply the add-ons and workloads stacks.
   * @default none: only the cluster's own nodes and control plane reach the API
   */
  readonly privateEndpointSourceCidrs?: string[];
  /**
   * Security groups (`sg-...`) in the VPC admitted to the private API endpoint (tcp/443 on the cluster
   * security group): the security group of the runners that apply the add-ons and workloads stacks.
   * @default none
   */
  readonly privateEndpointSourceSecurityGroupIds?: string[];
  /**
   * IAM role ARNs given cluster-admin through access entries.
   * @default none (add access entries later with addAdminRole)
   */
  readonly adminRoleArns?: string[];
  /**
   * Create an IAM OIDC provider so workload identities may use IRSA.
   * @default false (workload identities use EKS Pod Identity)
   */
  readonly irsa?: boolean;
  /**
   * Instance types of the system node group (AL2023, on-demand).
   * @default the profile's systemNodeInstanceTypes
   */
  readonly systemNodeInstanceTypes?: string[];
  /**
   * Size of the system node group.
   * @default the profile's systemNodeCount
   */
  readonly systemNodeCount?: { min: number; desired: number; max: number };
  /**
   * Instance metadata hop limit on every node: 1 keeps pods away from the node's credentials.
   * @default 1
   */
  readonly metadataHopLimit?: number;
  /**
   * The stack that applies this cluster's Kubernetes objects.
   * @default a new WorkloadsStack `<platform stack id>-workloads`
   */
  readonly workloads?: WorkloadsStack;
  /**
   * The stack that installs this cluster's add-on charts (every HelmAddon's helm_release).
   * @default a new AddonsStack `<platform stack id>-addons`
   */
  readonly addonsStack?: AddonsStack;
  /**
   * Deletion protection of the cluster.
   * @default the profile's deletionProtection
   */
  readonly deletionProtection?: boolean;
  /**
   * Optional add-ons installed from their pinned charts (ADDON_CHARTS). External Secrets Operator is
   * always installed (the platform's secret store).
   * @default all true
   */
  readonly addons?: MlClusterAddons;
}

/** Which optional chart add-ons {@link MlCluster} installs. */
export interface MlClusterAddons {
  /** cluster-autoscaler with the priority expander (spot first). @default true */
  readonly clusterAutoscaler?: boolean;
  /** metrics-server. @default true */
  readonly metricsServer?: boolean;
  /** AWS Load Balancer Controller. @default true */
  readonly loadBalancerController?: boolean;
  /** NVIDIA device plugin on GPU nodes. @default true */
  readonly nvidiaDevicePlugin?: boolean;
}

/**
 * An EKS cluster for ML workloads, deployed as three ordered stacks: the platform stack (AWS resources,
 * applied from anywhere with AWS credentials), its add-ons stack (the add-on charts) and its workloads
 * stack (Kubernetes objects), both applied from a runner that reaches the API endpoint (admitted with
 * privateEndpointSourceCidrs / privateEndpointSourceSecurityGroupIds, or publicEndpointCidrs).
 *
 * Private API endpoint, secrets envelope-encrypted with a KMS key,
 * all control-plane logs to an encrypted log group, access entries (no aws-auth), managed add-ons
 * (vpc-cni with network policy, coredns, kube-proxy, Pod Identity agent, EBS CSI), and a system
 * node group on AL2023 with IMDSv2 and encrypted volumes.
 */
export class MlCluster extends Construct implements IIdentityCluster, IAddonCluster {
  public readonly cluster: EksCluster;
  public readonly clusterName: string;
  /** The cluster name as a reference to {@link cluster} (`${aws_eks_cluster.<id>.name}`): orders what uses it after the cluster. */
  public readonly clusterNameRef: string;
  public readonly version: string;
  public readonly clusterRole: PlatformRole;
  public readonly nodeRole: PlatformRole;
  public readonly secretsKey: DomainKey;
  public readonly volumeKey: DomainKey;
  public readonly logGroup: EncryptedLogGroup;
  public readonly systemNodeGroup: EksNodeGroup;
  public readonly addons: Record<string, EksAddon> = {};
  public readonly workloads: WorkloadsStack;
  /** The stack holding the add-on charts' helm releases (applied after this stack, before the workloads stack). */
  public readonly addonsStack: AddonsStack;
  /** Rules admitting the declared in-VPC sources to the private API endpoint (tcp/443), by source. */
  public readonly apiIngressRules: Record<string, VpcSecurityGroupIngressRule> = {};
  public readonly connection: ClusterConnection;
  public readonly network: INetwork;
  public readonly oidcProvider?: IamOpenidConnectProvider;
  public readonly metadataHopLimit: number;
  /** The helm provider (add-ons stack) that installs add-on charts on this cluster. */
  public readonly helmProvider: HelmProvider;
  /** Secrets Manager behind External Secrets Operator: `grantRead(secretArn)` lets the operator read one secret. */
  public readonly secretStore: ISecretStore;
  public readonly externalSecrets: ExternalSecretsOperator;
  public readonly clusterAutoscaler?: ClusterAutoscaler;
  public readonly metricsServer?: MetricsServer;
  public readonly loadBalancerController?: LoadBalancerController;
  public readonly nvidiaDevicePlugin?: NvidiaDevicePlugin;
  /** Add-ons every node group waits for (CNI, kube-proxy, Pod Identity agent). */
  public readonly nodeDependencies: ITerraformDependable[] = [];
  private readonly gpuPoolList: GpuNodePool[] = [];
  private readonly nodePoolList: NodePool[] = [];
  private readonly stack: MlopsStack;

  constructor(scope: Construct, id: string, props: MlClusterProps) {
    super(scope, id);
    const stack = (this.stack = MlopsStack.of(this));
    const profile = stack.profile;
    this.network = props.network;
    this.version = props.version ?? DEFAULT_KUBERNETES_VERSION;
    if (!SUPPORTED_KUBERNETES_VERSIONS.includes(this.version)) {
      invalid(this, `Kubernetes version ${show(this.version)} is not in EKS standard support.`, `use one of ${SUPPORTED_KUBERNETES_VERSIONS.join(', ')}.`);
    }
    for (const cidr of props.publicEndpointCidrs ?? []) {
      const parsed = parseCidr(cidr);
      if (!parsed) invalid(this, `publicEndpointCidrs entry ${show(cidr)} is not a valid IPv4 CIDR block.`, 'use blocks such as "203.0.113.0/24".');
      if (parsed.prefix === 0) invalid(this, 'publicEndpointCidrs contains 0.0.0.0/0, which opens the API endpoint to the internet.', 'list the office or VPN CIDRs that need the API, or keep the endpoint private.');
    }
    this.metadataHopLimit = props.metadataHopLimit ?? 1;
    if (!Number.isInteger(this.metadataHopLimit) || this.metadataHopLimit < 1 || this.metadataHopLimit > 2) {
      invalid(this, `metadataHopLimit ${show(this.metadataHopLimit)} is outside 1-2.`, 'use 1 (pods cannot reach node credentials) or 2 (only if a node agent needs IMDS from a pod).');
    }
    this.clusterName = stack.naming.name(this, 'eks-cluster');
    this.checkPrivateEndpointSources(props);
    const keys = KeyRing.of(this);
    this.secretsKey = keys.key('cluster');
    this.volumeKey = keys.key('compute');
    // Node groups launch through Auto Scaling, whose service-linked role the account may not have yet.
    this.volumeKey.allowServiceLinkedRole('autoscaling.amazonaws.com', 'AWSServiceRoleForAutoScaling', ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey']);
    this.volumeKey.allowServiceLinkedRole('autoscaling.amazonaws.com', 'AWSServiceRoleForAutoScaling', ['kms:CreateGrant'], { Bool: { 'kms:GrantIsForAWSResource': 'true' } });

    this.logGroup = new EncryptedLogGroup(this, 'control_plane_logs', { name: `/aws/eks/${this.clusterName}/cluster` });
    this.clusterRole = new PlatformRole(this, 'cluster_role', {
      nameParts: ['eks', 'cluster'],
      description: `EKS control plane of ${this.clusterName}`,
      trust: [{ principals: { Service: 'eks.amazonaws.com' }, actions: ['sts:AssumeRole', 'sts:TagSession'] }],
      managedPolicies: ['AmazonEKSClusterPolicy'],
    });
    this.clusterRole.addToPolicy({
      sid: 'EnvelopeEncryption',
      actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:ListGrants', 'kms:DescribeKey'],
      resources: [this.secretsKey.keyArn],
    });

    this.cluster = new EksCluster(this, 'cluster', {
      name: this.clusterName,
      version: this.version,
      roleArn: this.clusterRole.roleArn,
      vpcConfig: {
        subnetIds: props.network.privateSubnetIds,
        endpointPrivateAccess: true,
        endpointPublicAccess: (props.publicEndpointCidrs ?? []).length > 0,
        publicAccessCidrs: props.publicEndpointCidrs,
      },
      encryptionConfig: { resources: ['secrets'], provider: { keyArn: this.secretsKey.keyArn } },
      enabledClusterLogTypes: CONTROL_PLANE_LOG_TYPES,
      accessConfig: { authenticationMode: 'API', bootstrapClusterCreatorAdminPermissions: false },
      bootstrapSelfManagedAddons: false,
      deletionProtection: props.deletionProtection ?? profile.deletionProtection,
      upgradePolicy: { supportType: 'STANDARD' },
      dependsOn: [this.logGroup.logGroup],
    });
    this.clusterNameRef = this.cluster.name;
    this.admitPrivateEndpointSources(props);

    if (props.irsa) {
      this.oidcProvider = new IamOpenidConnectProvider(this, 'oidc_provider', {
        url: this.cluster.identity.get(0).oidc.get(0).issuer,
        clientIdList: ['sts.amazonaws.com'],
      });
    }

    for (const [i, arn] of (props.adminRoleArns ?? []).entries()) this.addAdminRole(adminId(arn, i), checkArn(this, `adminRoleArns[${i}]`, arn, 'iam-role'));
    if ((props.adminRoleArns ?? []).length === 0) {
      Annotations.of(this).addWarning(`cluster ${this.clusterName} has no admin access entry (the creator gets no admin either): the helm add-ons and the workloads stack authenticate as the deploying role, which cannot reach the cluster until addAdminRole() is called for it. Pass adminRoleArns including the deploy role.`);
    }

    this.nodeRole = new PlatformRole(this, 'node_role', {
      nameParts: ['eks', 'node'],
      description: `EKS nodes of ${this.clusterName}`,
      trust: [{ principals: { Service: 'ec2.amazonaws.com' }, actions: ['sts:AssumeRole'] }],
      managedPolicies: ['AmazonEKSWorkerNodePolicy', 'AmazonEC2ContainerRegistryPullOnly', 'AmazonSSMManagedInstanceCore'],
    });
    new EksAccessEntry(this, 'node_access_entry', {
      clusterName: this.cluster.name,
      principalArn: this.nodeRole.roleArn,
      type: 'EC2_LINUX',
    });

    // Add-ons that run on the nodes wait for them; the CNI and Pod Identity agent come first.
    const cni = new WorkloadIdentity(this, 'vpc_cni_identity', {
      cluster: this, namespace: 'kube-system', serviceAccountName: 'aws-node', description: 'VPC CNI plugin',
      managedPolicies: ['AmazonEKS_CNI_Policy'], createAssociation: false,
    });
    this.addAddon('eks-pod-identity-agent', {});
    this.addAddon('vpc-cni', { configurationValues: JSON.stringify({ enableNetworkPolicy: 'true', env: { ENABLE_PREFIX_DELEGATION: 'true' } }), identity: cni });
    this.addAddon('kube-proxy', {});
    this.nodeDependencies.push(this.addons['eks-pod-identity-agent'], this.addons['vpc-cni'], this.addons['kube-proxy']);
    const counts = props.systemNodeCount ?? profile.systemNodeCount;
    const countsProp = props.systemNodeCount ? 'systemNodeCount' : profileValueSource(profile, 'systemNodeCount');
    checkNodeCounts(this, counts, { min: `${countsProp}.min`, desired: `${countsProp}.desired`, max: `${countsProp}.max` });
    const template = this.nodeLaunchTemplate('system', 50);
    this.systemNodeGroup = new EksNodeGroup(this, 'system_node_group', {
      clusterName: this.cluster.name,
      nodeGroupName: stack.naming.name(this, 'eks-node-group', 'system'),
      nodeRoleArn: this.nodeRole.roleArn,
      subnetIds: props.network.privateSubnetIds,
      amiType: 'AL2023_x86_64_STANDARD',
      capacityType: 'ON_DEMAND',
      instanceTypes: props.systemNodeInstanceTypes ?? profile.systemNodeInstanceTypes,
      scalingConfig: { minSize: counts.min, desiredSize: counts.desired, maxSize: counts.max },
      updateConfig: { maxUnavailablePercentage: 33 },
      launchTemplate: { id: template.id, version: Fn.tostring(template.latestVersion) },
      labels: { 'mlops.cdktf.io/pool': 'system', 'mlops.cdktf.io/capacity': 'on-demand' },
      nodeRepairConfig: { enabled: true },
      lifecycle: { ignoreChanges: ['scaling_config[0].desired_size'] },
      dependsOn: this.nodeDependencies,
    });

    this.addAddon('coredns', { afterNodes: true });
    const ebs = new WorkloadIdentity(this, 'ebs_csi_identity', {
      cluster: this, namespace: 'kube-system', serviceAccountName: 'ebs-csi-controller-sa', description: 'EBS CSI driver',
      managedPolicies: ['service-role/AmazonEBSCSIDriverPolicy'], createAssociation: false,
    });
    this.volumeKey.grantEncryptDecrypt(ebs, 'ec2');
    ebs.addToPolicy({ sid: 'VolumeKeyGrants', actions: ['kms:CreateGrant'], resources: [this.volumeKey.keyArn], conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' } } });
    this.addAddon('aws-ebs-csi-driver', { identity: ebs, afterNodes: true });

    new TerraformOutput(this, 'cluster_name', { value: this.cluster.name, description: 'EKS cluster name' });
    this.connection = {
      clusterName: this.clusterName,
      endpoint: this.cluster.endpoint,
      certificateAuthorityData: this.cluster.certificateAuthority.get(0).data,
      region: stack.region,
      publicEndpointCidrs: props.publicEndpointCidrs,
    };
    if (props.workloads) {
      this.workloads = props.workloads;
      this.workloads.connectTo(this.connection);
    } else {
      this.workloads = new WorkloadsStack(App.of(this), `${stack.node.id}-workloads`, { cluster: this.connection, backend: stack.backendProps });
    }
    if (props.addonsStack) {
      this.addonsStack = props.addonsStack;
      this.addonsStack.connectTo(this.connection);
    } else {
      const siblings = stack.node.scope ?? App.of(this);
      const addonsId = `${stack.node.id}-addons`;
      if (siblings.node.tryFindChild(addonsId)) {
        invalid(this, `the default add-ons stack ${show(addonsId)} already exists (another cluster of stack ${stack.node.id} uses it).`, 'pass each MlCluster of the stack its own addonsStack (and workloads).');
      }
      this.addonsStack = new AddonsStack(siblings, addonsId, { cluster: this.connection, backend: stack.backendProps });
    }
    // platform -> addons -> workloads: the charts' CRDs exist before the workloads stack plans.
    this.addonsStack.addDependency(stack);
    this.workloads.addDependency(this.addonsStack);
    this.helmProvider = this.addonsStack.provider!;
    const addons = props.addons ?? {};
    this.externalSecrets = new ExternalSecretsOperator(this, 'external_secrets', { cluster: this, workloads: this.workloads });
    this.secretStore = this.externalSecrets;
    if (addons.clusterAutoscaler ?? true) this.clusterAutoscaler = new ClusterAutoscaler(this, 'cluster_autoscaler', { cluster: this, nodePools: () => this.nodePoolList });
    if (addons.metricsServer ?? true) this.metricsServer = new MetricsServer(this, 'metrics_server', { cluster: this });
    if (addons.loadBalancerController ?? true) this.loadBalancerController = new LoadBalancerController(this, 'load_balancer_controller', { cluster: this, vpcId: props.network.vpcId });
    if (addons.nvidiaDevicePlugin ?? true) this.nvidiaDevicePlugin = new NvidiaDevicePlugin(this, 'nvidia_device_plugin', { cluster: this });
    validateAtSynth(this, () => this.checkGpuPlacement());
  }

  /**
   * The cluster-wide placement check (synth), over every Kubernetes object of the workloads stack:
   * - pods that request `nvidia.com/gpu` must select and tolerate some GPU pool of this cluster
   *   (node selector labels and taints; node affinity is not evaluated);
   * - pods that target a pool (a GPU request, or a `mlops.cdktf.io/pool` node selector) must fit,
   *   with their cpu/memory/GPU requests, on every instance type of every pool they can land on:
   *   its allocatable after kube-reserved, eviction threshold and the DaemonSets of that pool
   *   (allocatableForPods). Otherwise cluster-autoscaler may add a node the pod does not fit on
   *   and the pod stays Pending.
   * Override to relax or extend it.
   */
  protected checkGpuPlacement(): Array<{ problem: string; fix: string }> {
    const errors: Array<{ problem: string; fix: string }> = [];
    const identity = (kind: string, namespace: string | undefined, name: string) => `${kind} ${namespace ?? ''}/${name}`;
    const checkedByOwner = new Set(this.workloads.chart.node.findAll()
      .filter((c): c is ApiObject => c instanceof ApiObject && isPlacementChecked(c))
      .map((c) => identity(c.kind, c.metadata.namespace, c.name)));
    const groups = this.placementGroups();
    for (const g of groups) {
      for (const t of g.instanceTypes.filter((type) => !INSTANCE_TYPES[type])) {
        errors.push({
          problem: `node pool "${g.poolName}" has instance type ${JSON.stringify(t)}, which the library does not know: its allocatable cannot be computed.`,
          fix: `use one of ${Object.keys(INSTANCE_TYPES).join(', ')}, or extend INSTANCE_TYPES (lib/compute/instance-types.ts).`,
        });
      }
    }
    for (const obj of this.workloads.synthesizeObjects()) {
      if (obj.kind === 'DaemonSet') continue;
      const id = identity(obj.kind, obj.metadata.namespace, obj.metadata.name);
      for (const pod of podSpecs(obj)) {
        if (pod.requestsGpu && !checkedByOwner.has(id) && poolsFor(this.gpuPools, pod.nodeSelector, pod.tolerations).length === 0) {
          const pools = this.gpuPools.map((p) => `${p.poolName} (labels ${show(p.labels)}, taints ${p.taints.map((t) => `${t.key}=${t.value ?? ''}:${t.effect}`).join(', ')})`);
          errors.push({
            problem: `${id} requests nvidia.com/gpu but its pods (nodeSelector ${show(pod.nodeSelector)}, tolerations ${show(pod.tolerations)}) fit no GPU pool of the cluster; pools: ${pools.join('; ') || 'none'}.`,
            fix: 'give the pods a GPU pool\'s tolerations and nodeSelector (cluster.gpuPools[i].tolerations / .nodeSelector), or add a GpuNodePool with matching labels and taints.',
          });
          continue;
        }
        errors.push(...this.checkPodFits(id, pod, groups));
      }
    }
    return errors;
  }

  /** Errors for a pod that targets a pool whose instance types it does not fit on (see checkGpuPlacement). */
  private checkPodFits(id: string, pod: PodSpecView, groups: PlacementGroup[]): Array<{ problem: string; fix: string }> {
    if (!pod.requestsGpu && pod.nodeSelector[NODE_LABELS.pool] === undefined) return [];
    const req = podRequests(pod);
    const byPool = new Map<string, { gpuNode: boolean; types: Set<string> }>();
    for (const g of groups) {
      const selected = Object.entries(pod.nodeSelector).every(([k, v]) => g.labels[k] === v);
      if (!selected || !g.taints.every((t) => t.effect === 'PreferNoSchedule' || tolerates(pod.tolerations, t))) continue;
      const entry = byPool.get(g.poolName) ?? { gpuNode: g.gpuNode, types: new Set<string>() };
      g.instanceTypes.filter((t) => INSTANCE_TYPES[t]).forEach((t) => entry.types.add(t));
      byPool.set(g.poolName, entry);
    }
    const errors: Array<{ problem: string; fix: string }> = [];
    for (const [pool, { gpuNode, types }] of [...byPool].sort(([a], [b]) => a.localeCompare(b))) {
      const free = new Map([...types].map((t) => [t, allocatableForPods(INSTANCE_TYPES[t], { gpuNode })] as const));
      const misfits = [...types].filter((t) => !fits(req, free.get(t)!));
      if (misfits.length === 0) continue;
      const all = [...free.values()];
      const largest: NodeResources = {
        cpuMillis: Math.min(...all.map((a) => a.cpuMillis)),
        memoryMiB: Math.min(...all.map((a) => a.memoryMiB)),
        gpus: req.gpus > 0 ? Math.min(...all.map((a) => a.gpus)) : 0,
      };
      errors.push({
        problem: `${id} requests ${showResources(req)} per pod, which does not fit ${misfits.map((t) => `${t} (allocatable after daemonsets: ${showResources(free.get(t)!)})`).join(', ')} of pool "${pool}": on such a node the pod stays Pending.`,
        fix: `request at most ${showResources(largest)} (what every instance type of pool "${pool}" has free), or remove ${misfits.join(', ')} from pool "${pool}".`,
      });
    }
    return errors;
  }

  /** Every node group of the cluster as the placement check sees it (system group, pools, GPU pools). */
  private placementGroups(): PlacementGroup[] {
    const system: PlacementGroup = {
      poolName: 'system',
      labels: { [NODE_LABELS.pool]: 'system', [NODE_LABELS.capacity]: 'on-demand' },
      taints: [],
      instanceTypes: this.systemNodeGroup.instanceTypesInput ?? [],
      gpuNode: false,
    };
    return [system, ...this.nodePoolList.map((p) => ({
      poolName: p.poolName, labels: p.labels, taints: p.taints, instanceTypes: p.instanceTypes, gpuNode: p.labels[NODE_LABELS.accelerator] === 'nvidia',
    }))];
  }

  /** The GPU pools of this cluster (taints, labels, tolerations, node selectors). */
  public get gpuPools(): readonly IGpuPool[] {
    return this.gpuPoolList;
  }

  /** What add-on releases wait for: the system nodes that run them. */
  public get addonDependencies(): ITerraformDependable[] {
    return [this.systemNodeGroup];
  }

  /** Called by GpuNodePool: records the pool and hands its node groups to the autoscaler. */
  public registerGpuPool(pool: GpuNodePool): void {
    this.gpuPoolList.push(pool);
    for (const p of pool.nodePools) this.registerNodePool(p);
  }

  /** Records a node group the autoscaler manages (GpuNodePool does this; call it for plain NodePools). */
  public registerNodePool(pool: NodePool): void {
    if (!this.nodePoolList.includes(pool)) this.nodePoolList.push(pool);
  }

  public get clusterArn(): string {
    return this.cluster.arn;
  }

  public get oidcProviderArn(): string | undefined {
    return this.oidcProvider?.arn;
  }

  public get oidcIssuer(): string | undefined {
    return this.oidcProvider ? Fn.replace(this.cluster.identity.get(0).oidc.get(0).issuer, 'https://', '') : undefined;
  }

  /** The declared sources of the private API endpoint: valid IPv4 blocks inside the VPC, security group ids. */
  private checkPrivateEndpointSources(props: MlClusterProps): void {
    const vpc = Token.isUnresolved(props.network.vpcCidr) ? undefined : parseCidr(props.network.vpcCidr);
    for (const cidr of props.privateEndpointSourceCidrs ?? []) {
      const parsed = parseCidr(cidr);
      if (!parsed) invalid(this, `privateEndpointSourceCidrs entry ${show(cidr)} is not a valid IPv4 CIDR block.`, `use the runner subnet's block inside the VPC${vpc ? ` ${props.network.vpcCidr}` : ''}, such as "10.0.96.0/24".`);
      if (vpc && !cidrContains(vpc, parsed)) {
        invalid(this, `privateEndpointSourceCidrs entry ${show(cidr)} is outside the VPC CIDR ${show(props.network.vpcCidr)}, so it cannot reach the private API endpoint.`,
          'list the in-VPC subnets of the runners that apply the add-ons and workloads stacks, admit their security group with privateEndpointSourceSecurityGroupIds, or use publicEndpointCidrs for runners outside the VPC.');
      }
    }
    for (const sg of props.privateEndpointSourceSecurityGroupIds ?? []) {
      if (!Token.isUnresolved(sg) && !/^sg-[0-9a-f]{8,17}$/.test(sg)) {
        invalid(this, `privateEndpointSourceSecurityGroupIds entry ${show(sg)} is not a security group id.`, 'use the id of the runners\' security group, such as "sg-0123456789abcdef0".');
      }
    }
    const declared = (props.privateEndpointSourceCidrs ?? []).length + (props.privateEndpointSourceSecurityGroupIds ?? []).length + (props.publicEndpointCidrs ?? []).length;
    if (declared === 0) {
      Annotations.of(this).addWarning(`cluster ${this.clusterName} has a private API endpoint that admits no declared source: its add-ons and workloads stacks can only be applied from a runner the cluster security group already admits. Pass privateEndpointSourceCidrs or privateEndpointSourceSecurityGroupIds (the runner's in-VPC subnet or security group), or publicEndpointCidrs.`);
    }
  }

  /** tcp/443 on the cluster security group (the control plane's network interfaces) from each declared source. */
  private admitPrivateEndpointSources(props: MlClusterProps): void {
    const rule = (id: string, source: { cidrIpv4?: string; referencedSecurityGroupId?: string }, what: string) => {
      this.apiIngressRules[what] = new VpcSecurityGroupIngressRule(this, id, {
        securityGroupId: this.cluster.vpcConfig.clusterSecurityGroupId,
        ipProtocol: 'tcp',
        fromPort: 443,
        toPort: 443,
        description: `Kubernetes API of ${this.clusterName} from ${Token.isUnresolved(what) ? 'a declared security group' : what} (add-ons and workloads stacks)`,
        ...source,
      });
    };
    for (const cidr of props.privateEndpointSourceCidrs ?? []) rule(`api_from_${snake(cidr)}`, { cidrIpv4: cidr }, cidr);
    for (const [i, sg] of (props.privateEndpointSourceSecurityGroupIds ?? []).entries()) {
      rule(Token.isUnresolved(sg) ? `api_from_security_group_${i}` : `api_from_${snake(sg)}`, { referencedSecurityGroupId: sg }, sg);
    }
  }

  /** Gives an IAM role cluster-admin through an access entry. */
  public addAdminRole(id: string, roleArn: string): void {
    const entry = new EksAccessEntry(this, `${id}_access_entry`, { clusterName: this.cluster.name, principalArn: roleArn, type: 'STANDARD' });
    new EksAccessPolicyAssociation(this, `${id}_cluster_admin`, {
      clusterName: this.cluster.name,
      principalArn: roleArn,
      policyArn: `arn:${this.stack.partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy`,
      accessScope: { type: 'cluster' },
      dependsOn: [entry],
    });
  }

  /**
   * Gives an IAM role read-only access through an access entry (a CI diff): see ClusterViewer.
   * `readHelmReleases` (default true) lets it read the Helm release Secrets a helm_release refresh needs.
   */
  public addViewerRole(id: string, roleArn: string, opts: { readHelmReleases?: boolean } = {}): ClusterViewer {
    return new ClusterViewer(this, `${id}_viewer`, { clusterName: this.cluster.name, workloads: this.workloads, roleArn, ...opts });
  }

  /**
   * A launch template every node group of this cluster uses: IMDSv2 required with the cluster's hop
   * limit, encrypted gp3 root volume with the compute key, no public IP, detailed monitoring.
   * Subclasses may override it to change node defaults for every pool.
   */
  public nodeLaunchTemplate(pool: string, volumeSizeGiB: number): LaunchTemplate {
    return new LaunchTemplate(this, `${pool}_launch_template`, {
      name: this.stack.naming.name(this, 'launch-template', pool),
      description: `Nodes of pool ${pool} in ${this.clusterName}`,
      updateDefaultVersion: true,
      metadataOptions: {
        httpEndpoint: 'enabled',
        httpTokens: 'required',
        httpPutResponseHopLimit: this.metadataHopLimit,
        instanceMetadataTags: 'disabled',
      },
      blockDeviceMappings: [{
        deviceName: '/dev/xvda',
        ebs: { volumeSize: volumeSizeGiB, volumeType: 'gp3', encrypted: 'true', kmsKeyId: this.volumeKey.keyArn, deleteOnTermination: 'true' },
      }],
      monitoring: { enabled: true },
      tagSpecifications: [
        { resourceType: 'instance', tags: { Name: `${this.clusterName}-${pool}` } },
        { resourceType: 'volume', tags: { Name: `${this.clusterName}-${pool}` } },
      ],
    });
  }

  private addAddon(name: string, opts: { configurationValues?: string; identity?: WorkloadIdentity; afterNodes?: boolean }): EksAddon {
    const addon = new EksAddon(this, `addon_${name}`, {
      clusterName: this.cluster.name,
      addonName: name,
      configurationValues: opts.configurationValues,
      resolveConflictsOnCreate: 'OVERWRITE',
      resolveConflictsOnUpdate: 'PRESERVE',
      podIdentityAssociation: opts.identity ? [{ roleArn: opts.identity.roleArn, serviceAccount: opts.identity.serviceAccountName }] : undefined,
      dependsOn: opts.afterNodes ? [this.systemNodeGroup] : undefined,
    });
    this.addons[name] = addon;
    return addon;
  }
}

/** A node group as the placement check sees it. */
interface PlacementGroup {
  readonly poolName: string;
  readonly labels: Record<string, string>;
  readonly taints: readonly NodeTaint[];
  readonly instanceTypes: readonly string[];
  readonly gpuNode: boolean;
}

/** A stable construct id for an admin role: its role name when the ARN is literal (adding a role renames nothing). */
function adminId(arn: string, index: number): string {
  const m = /^arn:[^:]+:iam::\d{12}:role\/(?:.*\/)?([\w+=,.@-]+)$/.exec(arn);
  return m ? `admin_${m[1].toLowerCase().replace(/[^a-z0-9]+/g, '_')}` : `admin_${index}`;
}
