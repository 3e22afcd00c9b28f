import { App } from 'cdktf';
import { KeyRing } from '../../lib/security/key-ring';
import { DomainKey } from '../../lib/security/domain-key';
import { PlatformRole } from '../../lib/security/platform-role';
import { WorkloadIdentity } from '../../lib/security/workload-identity';
import { danglingReferences, policy, resource, resources, synthesize, Synthesized } from '../support/synth';
import { testStack } from '../support/fixtures';

const cluster = { clusterName: 'acme-dev' };
const irsaCluster = { clusterName: 'acme-dev', oidcProviderArn: 'arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC', oidcIssuer: 'oidc.eks.eu-west-1.amazonaws.com/id/ABC' };

describe('DomainKey and KeyRing', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synthesize((app) => {
      const stack = testStack(app);
      const ring = KeyRing.of(stack);
      ring.key('lake');
      ring.key('logs');
      ring.key('slr').allowServiceLinkedRole('autoscaling.amazonaws.com', 'AWSServiceRoleForAutoScaling', ['kms:Decrypt']);
      ring.key('slr').allowServiceLinkedRole('autoscaling.amazonaws.com', 'AWSServiceRoleForAutoScaling', ['kms:CreateGrant'], { Bool: { 'kms:GrantIsForAWSResource': 'true' } });
      expect(KeyRing.of(stack).key('lake')).toBe(ring.key('lake'));
    });
  });

  test('one rotating customer-managed key per domain with an alias and a 30-day deletion window', () => {
    const keys = resources(s.stacks.platform, 'aws_kms_key');
    expect(Object.keys(keys).sort()).toEqual(['keys_lake_key', 'keys_logs_key', 'keys_slr_key']);
    expect(keys.keys_lake_key).toMatchObject({ enable_key_rotation: true, rotation_period_in_days: 365, deletion_window_in_days: 30, multi_region: false });
    expect(resource(s.stacks.platform, 'aws_kms_alias', 'keys_lake_alias')).toMatchObject({ name: 'alias/acme-dev-lake', target_key_id: '${aws_kms_key.keys_lake_key.key_id}' });
    expect(danglingReferences(s)).toEqual([]);
  });

  test('the key policy keeps the account in control and names no wildcard principal', () => {
    const p = policy(resource(s.stacks.platform, 'aws_kms_key', 'keys_lake_key').policy);
    expect(p.Statement).toHaveLength(1);
    expect(p.Statement[0].Principal).toEqual({ AWS: 'arn:${data.aws_partition.partition.partition}:iam::${data.aws_caller_identity.caller_identity.account_id}:root' });
  });

  test('the logs key admits CloudWatch Logs only for log groups of this account and region', () => {
    const p = policy(resource(s.stacks.platform, 'aws_kms_key', 'keys_logs_key').policy);
    expect(p.Statement[1]).toMatchObject({
      Principal: { Service: 'logs.eu-west-1.amazonaws.com' },
      Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': 'arn:${data.aws_partition.partition.partition}:logs:eu-west-1:${data.aws_caller_identity.caller_identity.account_id}:log-group:*' } },
    });
  });

  test('a service-linked role is matched by aws:PrincipalArn, never named as principal (it may not exist yet)', () => {
    const p = policy(resource(s.stacks.platform, 'aws_kms_key', 'keys_slr_key').policy);
    expect(JSON.stringify(p)).not.toMatch(/"AWS":"arn:[^"]*aws-service-role/);
    expect(p.Statement[1]).toEqual({
      Sid: 'Service0', Effect: 'Allow', Principal: { AWS: '*' }, Action: ['kms:Decrypt'], Resource: '*',
      Condition: {
        StringEquals: { 'kms:CallerAccount': '${data.aws_caller_identity.caller_identity.account_id}' },
        ArnEquals: { 'aws:PrincipalArn': 'arn:${data.aws_partition.partition.partition}:iam::${data.aws_caller_identity.caller_identity.account_id}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling' },
      },
    });
    expect(p.Statement[2].Condition.Bool).toEqual({ 'kms:GrantIsForAWSResource': 'true' });
  });

  test('naming a service-linked role as key policy principal is an error', () => {
    const stack = testStack(new App({ outdir: '/tmp/cdktf-mlops-bad' }));
    const key = new DomainKey(stack, 'k', { domain: 'compute' });
    expect(() => key.allowInKeyPolicy({ principal: { AWS: 'arn:aws:iam::111122223333:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling' }, actions: ['kms:Decrypt'] }))
      .toThrow(/^\[platform\/k\] key policy principal "arn:aws:iam::111122223333:role\/aws-service-role\/autoscaling\.amazonaws\.com\/AWSServiceRoleForAutoScaling" is a service-linked role, which may not exist yet \(the key policy would be refused as malformed\)\. Fix: use allowServiceLinkedRole\(service, roleName, actions\), which matches the role by aws:PrincipalArn\.$/);
    expect(() => key.allowServiceLinkedRole('autoscaling', 'AWSServiceRoleForAutoScaling', ['kms:Decrypt']))
      .toThrow(/^\[platform\/k\] service "autoscaling" is not a service principal\. Fix: use e\.g\. "autoscaling\.amazonaws\.com"\.$/);
    expect(() => key.allowServiceLinkedRole('autoscaling.amazonaws.com', 'role/x', ['kms:Decrypt']))
      .toThrow(/^\[platform\/k\] roleName "role\/x" is not an IAM role name\. Fix: use e\.g\. "AWSServiceRoleForAutoScaling"\.$/);
  });

  test('bad domain names and deletion windows are errors', () => {
    const stack = testStack(new App({ outdir: '/tmp/cdktf-mlops-bad' }));
    expect(() => new DomainKey(stack, 'k', { domain: 'Lake Data' })).toThrow(/^\[platform\/k\] domain "Lake Data" is not a valid key domain\./);
    expect(() => new DomainKey(stack, 'k2', { domain: 'lake', deletionWindowDays: 3 })).toThrow(/^\[platform\/k2\] deletionWindowDays 3 is outside 7-30\./);
  });
});

describe('WorkloadIdentity', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synthesize((app) => {
      const stack = testStack(app);
      const key = KeyRing.of(stack).key('lake');
      const pod = new WorkloadIdentity(stack, 'trainer', { cluster, namespace: 'team-a', serviceAccountName: 'trainer' });
      key.grantDecrypt(pod, 's3');
      new WorkloadIdentity(stack, 'legacy', { cluster: irsaCluster, namespace: 'team-b', serviceAccountName: 'scorer', mode: 'irsa' });
    });
  });

  test('Pod Identity: trust narrowed to one cluster, namespace and service account, plus the association', () => {
    const trust = policy(resource(s.stacks.platform, 'aws_iam_role', 'trainer_role_role').assume_role_policy);
    expect(trust.Statement).toEqual([{
      Effect: 'Allow',
      Principal: { Service: 'pods.eks.amazonaws.com' },
      Action: ['sts:AssumeRole', 'sts:TagSession'],
      Condition: {
        StringEquals: {
          'aws:SourceAccount': '${data.aws_caller_identity.caller_identity.account_id}',
          'aws:RequestTag/eks-cluster-name': 'acme-dev',
          'aws:RequestTag/kubernetes-namespace': 'team-a',
          'aws:RequestTag/kubernetes-service-account': 'trainer',
        },
      },
    }]);
    expect(resource(s.stacks.platform, 'aws_eks_pod_identity_association', 'trainer_association')).toMatchObject({
      cluster_name: 'acme-dev', namespace: 'team-a', service_account: 'trainer', role_arn: '${aws_iam_role.trainer_role_role.arn}',
    });
    expect(resource(s.stacks.platform, 'aws_iam_role', 'trainer_role_role').name).toBe('acme-dev-wi-team-a-trainer');
  });

  test('IRSA: web identity trust with :sub and :aud conditions and no association', () => {
    const trust = policy(resource(s.stacks.platform, 'aws_iam_role', 'legacy_role_role').assume_role_policy);
    expect(trust.Statement[0]).toEqual({
      Effect: 'Allow',
      Principal: { Federated: irsaCluster.oidcProviderArn },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: { StringEquals: { [`${irsaCluster.oidcIssuer}:sub`]: 'system:serviceaccount:team-b:scorer', [`${irsaCluster.oidcIssuer}:aud`]: 'sts.amazonaws.com' } },
    });
    expect(Object.keys(resources(s.stacks.platform, 'aws_eks_pod_identity_association'))).toEqual(['trainer_association']);
  });

  test('grants land in the inline policy, scoped to the key and to S3 as the calling service', () => {
    const grants = policy(resource(s.stacks.platform, 'aws_iam_role_policy', 'trainer_role_policy').policy);
    expect(grants.Statement).toEqual([{
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:DescribeKey'],
      Resource: '${aws_kms_key.keys_lake_key.arn}',
      Condition: { StringEquals: { 'kms:ViaService': ['s3.eu-west-1.amazonaws.com'] } },
    }]);
    expect(resources(s.stacks.platform, 'aws_iam_role_policy').legacy_role_policy).toBeUndefined();
    expect(danglingReferences(s)).toEqual([]);
  });

  test('invalid namespace, service account and IRSA without a provider are errors', () => {
    const stack = testStack(new App({ outdir: '/tmp/cdktf-mlops-bad' }));
    expect(() => new WorkloadIdentity(stack, 'a', { cluster, namespace: 'Team_A', serviceAccountName: 'x' })).toThrow(/^\[platform\/a\] Kubernetes namespace name "Team_A" is not allowed/);
    expect(() => new WorkloadIdentity(stack, 'b', { cluster, namespace: 'team-a', serviceAccountName: 'x'.repeat(64) })).toThrow(/over the limit of 63/);
    expect(() => new WorkloadIdentity(stack, 'c', { cluster, namespace: 'team-a', serviceAccountName: 'x', mode: 'irsa' }))
      .toThrow(/^\[platform\/c\] mode "irsa" needs a cluster with an IAM OIDC provider\. Fix: enable irsa on the MlCluster, or use mode "pod-identity"\.$/);
  });
});

describe('PolicyDocument guard rails', () => {
  const role = () => new PlatformRole(testStack(new App({ outdir: '/tmp/cdktf-mlops-bad' })), 'r', {
    nameParts: ['r'], description: 'test', trust: [{ principals: { Service: 'ec2.amazonaws.com' }, actions: ['sts:AssumeRole'] }],
  });

  test('service-wide wildcard actions are refused', () => {
    expect(() => role().addToPolicy({ actions: ['s3:*'], resources: ['arn:aws:s3:::b/*'] }))
      .toThrow(/^\[platform\/r\] policy action "s3:\*" grants every action of a service\. Fix: list the actions/);
    expect(() => role().addToPolicy({ actions: ['*'], resources: ['arn:aws:s3:::b/*'] })).toThrow(/policy action "\*"/);
  });

  test('wildcard resources need a written reason, which is recorded', () => {
    expect(() => role().addToPolicy({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }))
      .toThrow(/applies to every resource \("\*"\)\. Fix: scope it to ARNs, or give wildcardReason/);
    const r = role();
    r.addToPolicy({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'], wildcardReason: 'GetAuthorizationToken has no resource-level permissions' });
    expect(r.node.metadata.map((m) => m.data)).toContain('ecr:GetAuthorizationToken: GetAuthorizationToken has no resource-level permissions');
  });

  test('a statement without resources is refused', () => {
    expect(() => role().addToPolicy({ actions: ['s3:GetObject'], resources: [] })).toThrow(/names no resource/);
  });
});
