import { App } from 'cdktf';
import { Network } from '../../lib/network/network';
import { profileFor } from '../../lib/core/profiles';
import * as fs from 'fs';
import * as path from 'path';
import { WorkloadsStack } from '../../lib/core/workloads-stack';
import { AddonsStack } from '../../lib/core/addons-stack';
import { MetricsServer } from '../../lib/compute/metrics-server';
import { MlCluster, CONTROL_PLANE_LOG_TYPES, SUPPORTED_KUBERNETES_VERSIONS } from '../../lib/compute/ml-cluster';
import { ADDON_CHARTS } from '../../lib/compute/addon-versions';
import { allObjects, danglingReferences, object, policy, resource, resources, schemaViolations, synthesize, Synthesized, scratchOutdir } from '../support/synth';
import { testCluster, testStack } from '../support/fixtures';
import { MlopsStack } from '../../lib/core/mlops-stack';
import { WorkloadIdentity } from '../../lib/security/workload-identity';
import { clusterScopedCount, unorderedClusterResources } from './cluster-ordering';

const newApp = () => new App({ outdir: '/tmp/cdktf-mlops-unused' });

describe('MlCluster (defaults)', () => {
  let s: Synthesized;
  let p: any;
  let a: any;
  beforeAll(() => {
    s = synthesize((app) => {
      const { stack, cluster } = testCluster(app, { cluster: { adminRoleArns: ['arn:aws:iam::111122223333:role/platform-admin'] } });
      // An identity of a construct outside the cluster (as a team or a model server creates one).
      new WorkloadIdentity(stack, 'scorer_identity', { cluster, namespace: 'models', serviceAccountName: 'scorer' });
      cluster.secretStore.grantRead('arn:aws:secretsmanager:eu-west-1:111122223333:secret:mlflow-db-AbCdEf', 'arn:aws:kms:eu-west-1:111122223333:key/abc');
    });
    p = s.stacks.platform;
    a = s.stacks['platform-addons'];
  });

  test('references resolve and Kubernetes objects pass schema validation', () => {
    expect(danglingReferences(s)).toEqual([]);
    expect(schemaViolations(allObjects(s))).toEqual([]);
  });

  test('on a first apply every cluster-scoped resource is created after the cluster (it references aws_eks_cluster)', () => {
    expect(clusterScopedCount(p)).toBeGreaterThan(10);
    expect(unorderedClusterResources(p)).toEqual([]);
    // A pod identity association of another construct names the cluster through its resource.
    expect(resource(p, 'aws_eks_pod_identity_association', 'scorer_identity_association').cluster_name).toBe('${aws_eks_cluster.cluster_cluster.name}');
    expect(resource(p, 'aws_eks_pod_identity_association', 'cluster_external_secrets_identity_association').cluster_name).toBe('${aws_eks_cluster.cluster_cluster.name}');
    // The trust condition keeps the literal name (EKS sets it as a session tag).
    const trust = policy(resource(p, 'aws_iam_role', 'scorer_identity_role_role').assume_role_policy);
    expect(trust.Statement[0].Condition.StringEquals['aws:RequestTag/eks-cluster-name']).toBe('acme-dev');
  });

  test('the API endpoint is private only', () => {
    const c = resource(p, 'aws_eks_cluster', 'cluster_cluster');
    expect(c.vpc_config).toMatchObject({ endpoint_private_access: true, endpoint_public_access: false });
    expect(c.vpc_config.public_access_cidrs).toBeUndefined();
    expect(c.vpc_config.subnet_ids).toContain('${aws_subnet.network_private_subnet_0.id}');
  });

  test('secrets are envelope-encrypted with the cluster CMK, and the cluster role may use it', () => {
    const c = resource(p, 'aws_eks_cluster', 'cluster_cluster');
    expect(c.encryption_config).toEqual({ resources: ['secrets'], provider: { key_arn: '${aws_kms_key.keys_cluster_key.arn}' } });
    const doc = policy(resource(p, 'aws_iam_role_policy', 'cluster_cluster_role_policy').policy);
    expect(doc.Statement).toEqual([expect.objectContaining({ Sid: 'EnvelopeEncryption', Resource: '${aws_kms_key.keys_cluster_key.arn}' })]);
  });

  test('all five control-plane log types go to an encrypted log group created first', () => {
    const c = resource(p, 'aws_eks_cluster', 'cluster_cluster');
    expect(c.enabled_cluster_log_types).toEqual(['api', 'audit', 'authenticator', 'controllerManager', 'scheduler']);
    expect(CONTROL_PLANE_LOG_TYPES).toHaveLength(5);
    const lg = resource(p, 'aws_cloudwatch_log_group', /control_plane_logs/);
    expect(lg.name).toBe('/aws/eks/acme-dev/cluster');
    expect(lg.kms_key_id).toMatch(/aws_kms_key\.keys_logs_key\.arn/);
    expect(c.depends_on).toContain('aws_cloudwatch_log_group.cluster_control_plane_logs_log_group');
  });

  test('access entries (API mode) replace aws-auth; the creator gets no implicit admin', () => {
    const c = resource(p, 'aws_eks_cluster', 'cluster_cluster');
    expect(c.access_config).toEqual({ authentication_mode: 'API', bootstrap_cluster_creator_admin_permissions: false });
    expect(resource(p, 'aws_eks_access_entry', 'cluster_node_access_entry').type).toBe('EC2_LINUX');
    expect(resource(p, 'aws_eks_access_entry', 'cluster_admin_platform_admin_access_entry').principal_arn).toBe('arn:aws:iam::111122223333:role/platform-admin');
    const assoc = resource(p, 'aws_eks_access_policy_association', 'cluster_admin_platform_admin_cluster_admin');
    expect(assoc.policy_arn).toBe('arn:${data.aws_partition.partition.partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy');
    expect(assoc.access_scope).toEqual({ type: 'cluster' });
    expect(allObjects(s).some((o) => o.kind === 'ConfigMap' && o.metadata.name === 'aws-auth')).toBe(false);
  });

  test('managed add-ons: vpc-cni with network policy, coredns, kube-proxy, EBS CSI, Pod Identity agent', () => {
    const addons = resources(p, 'aws_eks_addon');
    expect(Object.values(addons).map((a: any) => a.addon_name).sort()).toEqual(['aws-ebs-csi-driver', 'coredns', 'eks-pod-identity-agent', 'kube-proxy', 'vpc-cni']);
    const cni = resource(p, 'aws_eks_addon', 'cluster_addon_vpc_cni');
    expect(JSON.parse(cni.configuration_values).enableNetworkPolicy).toBe('true');
    expect(cni.pod_identity_association).toEqual([{ role_arn: '${aws_iam_role.cluster_vpc_cni_identity_role_role.arn}', service_account: 'aws-node' }]);
    const ebs = resource(p, 'aws_eks_addon', 'cluster_addon_aws_ebs_csi_driver');
    expect(ebs.pod_identity_association[0].service_account).toBe('ebs-csi-controller-sa');
    expect(resource(p, 'aws_eks_cluster', 'cluster_cluster').bootstrap_self_managed_addons).toBe(false);
  });

  test('nodes wait for the CNI, kube-proxy and Pod Identity agent; coredns and EBS CSI wait for nodes', () => {
    const ng = resource(p, 'aws_eks_node_group', 'cluster_system_node_group');
    expect(ng.depends_on).toEqual(['aws_eks_addon.cluster_addon_eks_pod_identity_agent', 'aws_eks_addon.cluster_addon_vpc_cni', 'aws_eks_addon.cluster_addon_kube_proxy']);
    expect(resource(p, 'aws_eks_addon', 'cluster_addon_coredns').depends_on).toEqual(['aws_eks_node_group.cluster_system_node_group']);
  });

  test('the compute key admits Auto Scaling\'s service-linked role by aws:PrincipalArn, so the key policy is valid before the role exists', () => {
    const doc = policy(resource(p, 'aws_kms_key', 'keys_compute_key').policy);
    expect(JSON.stringify(doc)).not.toMatch(/"AWS":"arn:[^"]*aws-service-role/);
    const slr = doc.Statement.filter((st: any) => /AWSServiceRoleForAutoScaling$/.test(st.Condition?.ArnEquals?.['aws:PrincipalArn'] ?? ''));
    expect(slr.map((st: any) => st.Principal)).toEqual([{ AWS: '*' }, { AWS: '*' }]);
    expect(slr.map((st: any) => st.Condition.StringEquals)).toEqual([{ 'kms:CallerAccount': '${data.aws_caller_identity.caller_identity.account_id}' }, { 'kms:CallerAccount': '${data.aws_caller_identity.caller_identity.account_id}' }]);
    expect(slr[1]).toMatchObject({ Action: ['kms:CreateGrant'], Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } } });
    expect(slr[0].Action).not.toContain('kms:CreateGrant');
  });

  test('every launch template requires IMDSv2 with hop limit 1 and encrypts the root volume with the compute key', () => {
    const lts = Object.values(resources(p, 'aws_launch_template')) as any[];
    expect(lts.length).toBeGreaterThan(0);
    for (const lt of lts) {
      expect(lt.metadata_options).toEqual({ http_endpoint: 'enabled', http_tokens: 'required', http_put_response_hop_limit: 1, instance_metadata_tags: 'disabled' });
      expect(lt.block_device_mappings[0].ebs).toMatchObject({ encrypted: 'true', kms_key_id: '${aws_kms_key.keys_compute_key.arn}', volume_type: 'gp3' });
    }
    const ng = resource(p, 'aws_eks_node_group', 'cluster_system_node_group');
    expect(ng.launch_template.id).toBe('${aws_launch_template.cluster_system_launch_template.id}');
    expect(ng.ami_type).toBe('AL2023_x86_64_STANDARD');
  });

  test('the default version is supported and pinned', () => {
    expect(SUPPORTED_KUBERNETES_VERSIONS).toContain(resource(p, 'aws_eks_cluster', 'cluster_cluster').version);
  });

  test('the platform stack holds AWS resources only: no helm or kubernetes provider, no release, no manifest', () => {
    expect(Object.keys(p.provider)).toEqual(['aws']);
    expect(Object.keys(p.resource).filter((t) => /^(helm|kubernetes)_/.test(t))).toEqual([]);
  });

  test('the add-ons stack\'s helm provider reaches this cluster through the platform outputs, with exec auth', () => {
    const helm = a.provider.helm[0].kubernetes;
    expect(helm.host).toMatch(/^\$\{data\.terraform_remote_state\.[^.]+\.outputs\.cross_stack_output_aws_eks_cluster_cluster_cluster_endpoint\}$/);
    expect(helm.cluster_ca_certificate).toMatch(/^\$\{base64decode\(data\.terraform_remote_state\.[^.]+\.outputs\.cross_stack_output_aws_eks_cluster_cluster_cluster_certificate_authority_0_data\)\}$/);
    expect(helm.exec).toEqual({ api_version: 'client.authentication.k8s.io/v1beta1', command: 'aws', args: ['eks', 'get-token', '--cluster-name', 'acme-dev', '--region', 'eu-west-1', '--output', 'json'] });
    expect(Object.keys(a.provider)).toEqual(['helm']);
  });

  test('stacks apply in order platform, add-ons, workloads', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(s.outdir, 'manifest.json'), 'utf8')).stacks;
    expect(manifest.platform.dependencies).toEqual([]);
    expect(manifest['platform-addons'].dependencies).toEqual(['platform']);
    expect(manifest.workloads.dependencies).toContain('platform-addons');
  });

  test('add-ons are installed from their pinned official charts at helm_release.<add-on id>, after the platform stack', () => {
    const releases = resources(a, 'helm_release');
    expect(Object.keys(releases).sort()).toEqual(['cluster_autoscaler', 'external_secrets', 'load_balancer_controller', 'metrics_server', 'nvidia_device_plugin']);
    const byName = Object.fromEntries(Object.values(releases).map((r: any) => [r.name, r]));
    // KEDA and Argo Rollouts (serving) and Prometheus and DCGM (observability) are installed by other constructs.
    const clusterCharts = Object.entries(ADDON_CHARTS).filter(([name]) => !['keda', 'argo-rollouts', 'kube-prometheus-stack', 'prometheus-adapter', 'dcgm-exporter'].includes(name));
    expect(Object.keys(byName).sort()).toEqual(clusterCharts.map(([name]) => name).sort());
    for (const [name, ref] of clusterCharts) {
      expect(byName[name]).toMatchObject({ repository: ref.repository, chart: ref.chart, version: ref.version, atomic: true });
      // The system nodes and the identities are in the platform stack, applied before this one.
      expect(byName[name].depends_on).toBeUndefined();
    }
  });

  test('External Secrets Operator: CRDs by the add-ons stack, the ClusterSecretStore in the workloads stack', () => {
    const eso = resource(a, 'helm_release', 'external_secrets');
    expect(JSON.parse(eso.values[0]).installCRDs).toBe(true);
    expect(object(s, 'ClusterSecretStore', 'aws-secrets-manager')).toEqual({
      apiVersion: 'external-secrets.io/v1', kind: 'ClusterSecretStore', metadata: { name: 'aws-secrets-manager' },
      spec: { provider: { aws: { service: 'SecretsManager', region: 'eu-west-1' } } },
    });
  });

  test('secretStore.grantRead allows exactly that secret (and decrypt via Secrets Manager), nothing else', () => {
    const doc = policy(resource(p, 'aws_iam_role_policy', 'cluster_external_secrets_identity_role_policy').policy);
    expect(doc.Statement).toEqual([
      { Effect: 'Allow', Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], Resource: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:mlflow-db-AbCdEf' },
      { Effect: 'Allow', Action: 'kms:Decrypt', Resource: 'arn:aws:kms:eu-west-1:111122223333:key/abc', Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } } },
    ]);
    const assoc = resource(p, 'aws_eks_pod_identity_association', 'cluster_external_secrets_identity_association');
    expect(assoc).toMatchObject({ namespace: 'external-secrets', service_account: 'external-secrets' });
  });

  test('the cluster autoscaler may scale only the groups this cluster owns', () => {
    const doc = policy(resource(p, 'aws_iam_role_policy', 'cluster_cluster_autoscaler_identity_role_policy').policy);
    const scale = doc.Statement.find((st: any) => st.Sid === 'ScaleOwnGroups');
    expect(scale.Action).toEqual(['autoscaling:SetDesiredCapacity', 'autoscaling:TerminateInstanceInAutoScalingGroup']);
    expect(scale.Condition).toEqual({ StringEquals: { 'aws:ResourceTag/k8s.io/cluster-autoscaler/acme-dev': 'owned' } });
    const describe = doc.Statement.find((st: any) => st.Sid === 'Discover');
    expect(describe.Action.every((a: string) => /:(Describe|Get)/.test(a))).toBe(true);
    for (const st of doc.Statement) expect(JSON.stringify(st.Action)).not.toMatch(/:\*|"\*"/);
  });

  test('the load balancer controller may change only resources tagged for this cluster', () => {
    const doc = policy(resource(p, 'aws_iam_role_policy', 'cluster_load_balancer_controller_identity_role_policy').policy);
    const mutating = doc.Statement.filter((st: any) => ['ManageOwnSecurityGroups', 'ManageOwnLoadBalancers', 'CreateTagged'].includes(st.Sid));
    expect(mutating).toHaveLength(3);
    for (const st of mutating) expect(JSON.stringify(st.Condition)).toMatch(/elbv2\.k8s\.aws\/cluster/);
    const all = doc.Statement.flatMap((st: any) => [].concat(st.Action));
    expect(all.filter((a: string) => /^ec2:(Run|Terminate)/.test(a))).toEqual([]);
  });

  test('the load balancer controller may create Elastic Load Balancing\'s service-linked role, and no other', () => {
    const doc = policy(resource(p, 'aws_iam_role_policy', 'cluster_load_balancer_controller_identity_role_policy').policy);
    const slr = doc.Statement.filter((st: any) => [].concat(st.Action).includes('iam:CreateServiceLinkedRole' as never));
    expect(slr).toEqual([{
      Sid: 'ElbServiceLinkedRole',
      Effect: 'Allow',
      Action: 'iam:CreateServiceLinkedRole',
      Resource: 'arn:${data.aws_partition.partition.partition}:iam::${data.aws_caller_identity.caller_identity.account_id}:role/aws-service-role/elasticloadbalancing.amazonaws.com/AWSServiceRoleForElasticLoadBalancing',
      Condition: { StringEquals: { 'iam:AWSServiceName': 'elasticloadbalancing.amazonaws.com' } },
    }]);
    expect(doc.Statement.flatMap((st: any) => [].concat(st.Action)).filter((a: string) => a.startsWith('iam:'))).toEqual(['iam:CreateServiceLinkedRole']);
  });

  test('the load balancer controller\'s actions name resources they apply to (IAM ignores the others)', () => {
    const doc = policy(resource(p, 'aws_iam_role_policy', 'cluster_load_balancer_controller_identity_role_policy').policy);
    const withAction = (a: string) => doc.Statement.filter((st: any) => [].concat(st.Action).includes(a as never));
    // ModifyListenerAttributes applies to listener ARNs only.
    const listener = withAction('elasticloadbalancing:ModifyListenerAttributes');
    expect(listener).toHaveLength(1);
    expect([].concat(listener[0].Resource).some((r: string) => /:listener\/app\//.test(r))).toBe(true);
    // SetWebAcl supports no resource-level permissions; the WAFv2 calls take the ACL and the load balancer.
    expect(withAction('elasticloadbalancing:SetWebAcl').map((st: any) => st.Resource)).toEqual(['*']);
    const waf = withAction('wafv2:AssociateWebACL')[0];
    expect([].concat(waf.Resource)).toEqual([expect.stringMatching(/:wafv2:eu-west-1:[^:]+:regional\/webacl\/\*\/\*$/), expect.stringMatching(/:loadbalancer\/app\/\*\/\*$/)]);
  });

  test('the load balancer controller may tag load balancers only as it creates them with the cluster tag', () => {
    const doc = policy(resource(p, 'aws_iam_role_policy', 'cluster_load_balancer_controller_identity_role_policy').policy);
    const st = doc.Statement.find((x: any) => x.Sid === 'TagLoadBalancersOnCreate');
    expect([].concat(st.Action)).toEqual(['elasticloadbalancing:AddTags']);
    expect(st.Condition).toEqual({
      StringEquals: { 'elasticloadbalancing:CreateAction': ['CreateLoadBalancer', 'CreateTargetGroup'] },
      Null: { 'aws:RequestTag/elbv2.k8s.aws/cluster': 'false' },
    });
    expect(st.Resource.every((r: string) => /:elasticloadbalancing:.*:(loadbalancer\/(app|net)|targetgroup)\//.test(r))).toBe(true);
  });

  test('the load balancer controller may edit backend rules only on security groups of the cluster VPC', () => {
    const doc = policy(resource(p, 'aws_iam_role_policy', 'cluster_load_balancer_controller_identity_role_policy').policy);
    const st = doc.Statement.find((x: any) => x.Sid === 'BackendRulesInVpc');
    expect(st.Action).toEqual(['ec2:AuthorizeSecurityGroupIngress', 'ec2:RevokeSecurityGroupIngress']);
    expect([].concat(st.Resource)).toEqual([expect.stringMatching(/^arn:\$\{[^}]+\}:ec2:eu-west-1:\$\{[^}]+\}:security-group\/\*$/)]);
    expect(st.Condition.ArnEquals['ec2:Vpc']).toMatch(/^arn:\$\{[^}]+\}:ec2:eu-west-1:\$\{[^}]+\}:vpc\/\$\{aws_vpc\.[a-z_]+\.id\}$/);
    // Deleting or creating groups stays limited to tagged ones.
    expect(JSON.stringify(st.Action)).not.toMatch(/Delete|Create/);
  });

  test('metrics-server and the device plugin have no AWS identity', () => {
    expect(Object.keys(resources(p, 'aws_iam_role')).filter((k) => /metrics|nvidia/.test(k))).toEqual([]);
  });

  test('the NVIDIA device plugin runs only on GPU nodes and tolerates the GPU taint', () => {
    const v = JSON.parse(resource(a, 'helm_release', 'nvidia_device_plugin').values[0]);
    expect(v.nodeSelector).toEqual({ 'mlops.cdktf.io/accelerator': 'nvidia' });
    expect(v.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Equal', value: 'true', effect: 'NoSchedule' }]);
    // The chart's default required node affinity stays: GPU node groups carry nvidia.com/gpu.present=true (gpu-node-pool.test.ts).
    expect(v.affinity).toBeUndefined();
  });

  test('cluster-autoscaler: restricted pod and container security contexts under this chart\'s keys', () => {
    const v = JSON.parse(resource(a, 'helm_release', 'cluster_autoscaler').values[0]);
    // Chart 9.46.6: `securityContext` is the pod's, `containerSecurityContext` the container's; no `podSecurityContext`.
    expect(v.securityContext).toEqual({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(v.containerSecurityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
    expect(v.podSecurityContext).toBeUndefined();
  });
});

describe('MlCluster options', () => {
  test('a public endpoint only by explicit opt-in with CIDRs', () => {
    const s = synthesize((app) => testCluster(app, { cluster: { publicEndpointCidrs: ['203.0.113.0/24'] } }));
    const c = resource(s.stacks.platform, 'aws_eks_cluster', 'cluster_cluster');
    expect(c.vpc_config).toMatchObject({ endpoint_private_access: true, endpoint_public_access: true, public_access_cidrs: ['203.0.113.0/24'] });
    expect(danglingReferences(s)).toEqual([]);
  });

  test('metadataHopLimit 2 is honoured on every launch template; IRSA creates the OIDC provider; add-ons can be turned off', () => {
    const s = synthesize((app) => testCluster(app, { cluster: { metadataHopLimit: 2, irsa: true, addons: { clusterAutoscaler: false, metricsServer: false, loadBalancerController: false, nvidiaDevicePlugin: false } } }));
    const p = s.stacks.platform;
    for (const lt of Object.values(resources(p, 'aws_launch_template')) as any[]) expect(lt.metadata_options.http_put_response_hop_limit).toBe(2);
    expect(resource(p, 'aws_iam_openid_connect_provider', 'cluster_oidc_provider').client_id_list).toEqual(['sts.amazonaws.com']);
    expect(Object.values(resources(s.stacks['platform-addons'], 'helm_release')).map((r: any) => r.name)).toEqual(['external-secrets']);
    expect(danglingReferences(s)).toEqual([]);
  });

  test('every name fits with the longest allowed name prefix (24 characters)', () => {
    const s = synthesize((app) => testCluster(app, { stack: { namePrefix: 'acme-mlops-prod-emea-abc' } }));
    const roles = Object.values(resources(s.stacks.platform, 'aws_iam_role')).map((r: any) => r.name);
    expect(roles).toContain('acme-mlops-prod-emea-abc-wi-kube-system-aws-lb-controller');
    for (const name of roles) expect(name.length).toBeLessThanOrEqual(64);
  });

  test('a cluster without admin access entries warns that the deploy role cannot reach it', () => {
    const warnings = (c: MlCluster) => c.node.metadata.filter((m) => m.type === '@cdktf/warn').map((m) => m.data);
    const bare = testCluster(newApp(), { cluster: { privateEndpointSourceCidrs: ['10.0.96.0/24'] } }).cluster;
    expect(warnings(bare)).toEqual([expect.stringMatching(/^cluster acme-dev has no admin access entry .* Pass adminRoleArns including the deploy role\.$/)]);
    const withAdmin = testCluster(newApp(), { cluster: { privateEndpointSourceCidrs: ['10.0.96.0/24'], adminRoleArns: ['arn:aws:iam::111122223333:role/deploy'] } }).cluster;
    expect(warnings(withAdmin)).toEqual([]);
  });

  test('a private cluster that admits no declared source warns that its add-ons and workloads stacks cannot be applied', () => {
    const warnings = (c: MlCluster) => c.node.metadata.filter((m) => m.type === '@cdktf/warn').map((m) => m.data);
    const admin = { adminRoleArns: ['arn:aws:iam::111122223333:role/deploy'] };
    expect(warnings(testCluster(newApp(), { cluster: admin }).cluster)).toEqual([
      'cluster acme-dev has a private API endpoint that admits no declared source: its add-ons and workloads stacks can only be applied from a runner the cluster security group already admits. Pass privateEndpointSourceCidrs or privateEndpointSourceSecurityGroupIds (the runner\'s in-VPC subnet or security group), or publicEndpointCidrs.',
    ]);
    expect(warnings(testCluster(newApp(), { cluster: { ...admin, privateEndpointSourceSecurityGroupIds: ['sg-0123456789abcdef0'] } }).cluster)).toEqual([]);
    expect(warnings(testCluster(newApp(), { cluster: { ...admin, publicEndpointCidrs: ['203.0.113.0/24'] } }).cluster)).toEqual([]);
  });

  test('prod profile turns on deletion protection', () => {
    const s = synthesize((app) => testCluster(app, { stack: { profile: 'prod' } }));
    expect(resource(s.stacks.platform, 'aws_eks_cluster', 'cluster_cluster').deletion_protection).toBe(true);
  });
});

describe('MlCluster: who reaches the API endpoint', () => {
  let s: Synthesized;
  let cluster: MlCluster;
  beforeAll(() => {
    s = synthesize((app) => {
      cluster = testCluster(app, { cluster: { privateEndpointSourceCidrs: ['10.0.96.0/24'], privateEndpointSourceSecurityGroupIds: ['sg-0123456789abcdef0'] } }).cluster;
    });
  });

  test('references resolve', () => {
    expect(danglingReferences(s)).toEqual([]);
  });

  test('each declared in-VPC source is admitted on tcp/443 to the cluster security group, nothing else', () => {
    const rules = resources(s.stacks.platform, 'aws_vpc_security_group_ingress_rule');
    const api = Object.entries<any>(rules).filter(([k]) => k.startsWith('cluster_api_from_'));
    expect(Object.fromEntries(api)).toEqual({
      cluster_api_from_10_0_96_0_24: expect.objectContaining({ cidr_ipv4: '10.0.96.0/24' }),
      cluster_api_from_sg_0123456789abcdef0: expect.objectContaining({ referenced_security_group_id: 'sg-0123456789abcdef0' }),
    });
    for (const [, r] of api) {
      expect(r).toMatchObject({ security_group_id: '${aws_eks_cluster.cluster_cluster.vpc_config[0].cluster_security_group_id}', ip_protocol: 'tcp', from_port: 443, to_port: 443 });
    }
    expect(resource(s.stacks.platform, 'aws_eks_cluster', 'cluster_cluster').vpc_config.endpoint_public_access).toBe(false);
  });

  test('each stack records where it is applied from', () => {
    expect(MlopsStack.of(cluster).appliedFrom).toBe('anywhere');
    expect(cluster.addonsStack.appliedFrom).toBe('cluster-network');
    expect(cluster.workloads.appliedFrom).toBe('cluster-network');
    const pub = testCluster(newApp(), { cluster: { publicEndpointCidrs: ['203.0.113.0/24'] } }).cluster;
    expect(pub.addonsStack.appliedFrom).toBe('public-endpoint-cidrs');
    expect(pub.workloads.appliedFrom).toBe('public-endpoint-cidrs');
  });

  test('with a backend, the add-ons stack keeps its own state key', () => {
    const b = synthesize((app) => testCluster(app, { stack: { backend: { bucket: 'acme-tf-state', region: 'eu-west-1' } } }));
    expect(danglingReferences(b)).toEqual([]);
    expect(b.stacks['platform-addons'].terraform.backend.s3).toMatchObject({ bucket: 'acme-tf-state', key: 'cdktf-mlops/platform-addons.tfstate', use_lockfile: true, encrypt: true });
    expect(b.stacks.platform.terraform.backend.s3.key).toBe('cdktf-mlops/platform.tfstate');
    expect(b.stacks['platform-addons'].data.terraform_remote_state).toEqual({
      'cross-stack-reference-input-platform': expect.objectContaining({ backend: 's3', config: expect.objectContaining({ key: 'cdktf-mlops/platform.tfstate' }) }),
    });
  });
});

describe('MlCluster errors', () => {
  const build = (props: any) => () => testCluster(newApp(), { cluster: props });

  test('an admin role given by name or as a malformed ARN', () => {
    expect(build({ adminRoleArns: ['platform-admins'] })).toThrow('[platform/cluster] adminRoleArns[0] "platform-admins" is not an ARN. Fix: use the full IAM role ARN, e.g. "arn:aws:iam::<account>:role/<name>".');
    expect(build({ adminRoleArns: ['arn:aws:iam::111122223333:role/a', 'arn:aws:sts::111122223333:assumed-role/a/s'] })).toThrow(
      '[platform/cluster] adminRoleArns[1] "arn:aws:sts::111122223333:assumed-role/a/s" is an ARN of the sts service, not an IAM role ARN. Fix: use the full IAM role ARN, e.g. "arn:aws:iam::<account>:role/<name>".');
  });

  test('unsupported Kubernetes version', () => {
    expect(build({ version: '1.27' })).toThrow(/^\[platform\/cluster\] Kubernetes version "1\.27" is not in EKS standard support\. Fix: use one of 1\.31, 1\.32, 1\.33, 1\.34\.$/);
  });
  test('public endpoint open to the internet', () => {
    expect(build({ publicEndpointCidrs: ['0.0.0.0/0'] })).toThrow(/^\[platform\/cluster\] publicEndpointCidrs contains 0\.0\.0\.0\/0, which opens the API endpoint to the internet\. Fix: list the office or VPN CIDRs/);
  });
  test('invalid public CIDR', () => {
    expect(build({ publicEndpointCidrs: ['10.0.0.0/33'] })).toThrow(/^\[platform\/cluster\] publicEndpointCidrs entry "10\.0\.0\.0\/33" is not a valid IPv4 CIDR block\. Fix: use blocks such as "203\.0\.113\.0\/24"\.$/);
  });
  test('hop limit outside 1-2', () => {
    expect(build({ metadataHopLimit: 3 })).toThrow(/^\[platform\/cluster\] metadataHopLimit 3 is outside 1-2\. Fix: use 1/);
  });
  test('system node counts with min > max', () => {
    expect(build({ systemNodeCount: { min: 3, desired: 3, max: 2 } })).toThrow(new Error('[platform/cluster] systemNodeCount.min 3 is greater than systemNodeCount.max 2. Fix: make systemNodeCount.min no larger than systemNodeCount.max.'));
  });
  test('desired outside min..max', () => {
    expect(build({ systemNodeCount: { min: 1, desired: 5, max: 2 } })).toThrow(new Error('[platform/cluster] systemNodeCount.desired 5 is outside systemNodeCount.min 1 and systemNodeCount.max 2. Fix: pick a systemNodeCount.desired between systemNodeCount.min and systemNodeCount.max.'));
  });
  test('system node counts that are not whole numbers, or allow no node', () => {
    expect(build({ systemNodeCount: { min: 1.5, desired: 2, max: 3 } })).toThrow(new Error('[platform/cluster] systemNodeCount.min 1.5 is not a whole number of nodes. Fix: set systemNodeCount.min to a whole number of 0 or more.'));
    expect(build({ systemNodeCount: { min: 0, desired: 0, max: 0 } })).toThrow(new Error('[platform/cluster] systemNodeCount.max 0 allows no node. Fix: set systemNodeCount.max to at least 1.'));
  });
  test('system node counts from profileOverrides name profileOverrides.systemNodeCount', () => {
    const fromProfile = () => testCluster(newApp(), { stack: { profile: profileFor('dev', { systemNodeCount: { min: 4, desired: 4, max: 3 } }) } });
    expect(fromProfile).toThrow(new Error('[platform/cluster] profileOverrides.systemNodeCount.min 4 is greater than profileOverrides.systemNodeCount.max 3. Fix: make profileOverrides.systemNodeCount.min no larger than profileOverrides.systemNodeCount.max.'));
  });
  test('a private endpoint source that is not a CIDR', () => {
    expect(build({ privateEndpointSourceCidrs: ['10.0.96.0'] })).toThrow(/^\[platform\/cluster\] privateEndpointSourceCidrs entry "10\.0\.96\.0" is not a valid IPv4 CIDR block\. Fix: use the runner subnet's block inside the VPC 10\.0\.0\.0\/16, such as "10\.0\.96\.0\/24"\.$/);
  });
  test('a private endpoint source outside the VPC', () => {
    expect(build({ privateEndpointSourceCidrs: ['192.168.1.0/24'] })).toThrow(/^\[platform\/cluster\] privateEndpointSourceCidrs entry "192\.168\.1\.0\/24" is outside the VPC CIDR "10\.0\.0\.0\/16", so it cannot reach the private API endpoint\. Fix: list the in-VPC subnets of the runners that apply the add-ons and workloads stacks, admit their security group with privateEndpointSourceSecurityGroupIds, or use publicEndpointCidrs for runners outside the VPC\.$/);
  });
  test('a private endpoint source security group that is not an id', () => {
    expect(build({ privateEndpointSourceSecurityGroupIds: ['runners'] })).toThrow(/^\[platform\/cluster\] privateEndpointSourceSecurityGroupIds entry "runners" is not a security group id\. Fix: use the id of the runners' security group, such as "sg-0123456789abcdef0"\.$/);
  });
  test('two clusters of one stack on the default add-ons stack', () => {
    const app = newApp();
    const { stack, network } = testCluster(app);
    expect(() => new MlCluster(stack, 'cluster2', { network, workloads: new WorkloadsStack(app, 'workloads2', {}) }))
      .toThrow(/^\[platform\/cluster2\] the default add-ons stack "platform-addons" already exists \(another cluster of stack platform uses it\)\. Fix: pass each MlCluster of the stack its own addonsStack \(and workloads\)\.$/);
  });
  test('two add-ons with the same id on one add-ons stack', () => {
    const { stack, cluster } = testCluster(newApp());
    expect(() => new MetricsServer(stack, 'metrics_server', { cluster }))
      .toThrow(/^\[platform\/metrics_server\] its helm release address "helm_release\.metrics_server" in stack platform-addons is already used by platform\/cluster\/metrics_server\. Fix: give one of the two add-ons a different construct id\.$/);
  });
  test('an add-ons stack connected twice', () => {
    const app = newApp();
    const { stack, network, cluster } = testCluster(app);
    expect(() => new MlCluster(stack, 'cluster2', { network, workloads: new WorkloadsStack(app, 'workloads2', {}), addonsStack: cluster.addonsStack }))
      .toThrow(/^\[platform-addons\] it is already connected to a cluster; an add-ons stack installs charts on exactly one cluster \(asked to connect to acme-dev as well\)\. Fix: give each cluster its own AddonsStack\.$/);
  });
  test('an add-ons stack that no cluster connects', () => {
    const app = new App({ outdir: scratchOutdir() });
    new AddonsStack(app, 'addons');
    expect(() => app.synth()).toThrow(/^\[addons\] it is not connected to a cluster, so its charts cannot be installed\. Fix: pass it as `addonsStack` to an MlCluster, or call connectTo\(\)\.$/);
  });
  test('a workloads stack connected twice', () => {
    const app = newApp();
    const stack = testStack(app);
    const network = new Network(stack, 'network', { clusterNames: ['acme-dev'] });
    const workloads = new WorkloadsStack(app, 'workloads', {});
    new MlCluster(stack, 'cluster', { network, workloads });
    expect(() => new MlCluster(stack, 'cluster2', { network, workloads })).toThrow(/^\[workloads\] it is already connected to a cluster/);
  });
});
