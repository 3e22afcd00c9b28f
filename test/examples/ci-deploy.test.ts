import { createReferencePlatform } from '../../examples/enterprise-platform/platform';
import { danglingReferences, synthesize, Synthesized } from '../support/synth';
import { ADMINISTRATOR_ACCESS, Decision, evaluate, Request, resolveTokens } from '../support/iam-evaluation';

const ACCOUNT = '111122223333';
const PLATFORM = 'mlops-prod-platform';

/** The reference platform with one more model: served, registered and with its own image repository. */
function withChurn(app: any) {
  return createReferencePlatform(app, 'mlops-prod', (p) => ({
    ...p,
    serving: {
      ...p.serving,
      models: [...(p.serving?.models ?? []), {
        name: 'churn', modelVersion: '1', artifactsProducedBy: 'the churn release job of the growth team', image: `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/acme-mlops-prod/models/churn:1.0.0`, clients: [{ namespace: 'fraud' }],
      }],
    },
    modelRegistry: { ...p.modelRegistry!, models: [...p.modelRegistry!.models, 'churn'] },
    containerRegistry: { ...p.containerRegistry!, models: [...(p.containerRegistry!.models ?? []), 'churn'] },
  }));
}

type Resources = Record<string, Record<string, any>>;
const strip = (r: any) => { const { '//': _meta, ...rest } = r; return rest; };

/**
 * The IAM requests Terraform makes to apply `after` over `before` that the deploy boundary guards
 * (IAM, KMS key policies, CloudTrail), with their condition context; other changes as one create or
 * update call of their service, which only an explicit Deny could refuse.
 */
function applyRequests(before: Resources, after: Resources): Array<{ address: string } & Request> {
  const resolve = (v: string) => resolveTokens(v, {}, ACCOUNT);
  const roleOf = (ref: string) => {
    const m = /^\$\{aws_iam_role\.([a-z0-9_]+)\.(?:name|arn)\}$/.exec(ref);
    const role = m ? after.aws_iam_role?.[m[1]] : undefined;
    return role ? { arn: `arn:aws:iam::${ACCOUNT}:role/${role.name}`, boundary: boundaryOf(role) } : { arn: resolve(ref), boundary: undefined };
  };
  const boundaryOf = (role: any): string | undefined => {
    const b = role.permissions_boundary as string | undefined;
    const m = b && /^\$\{aws_iam_policy\.([a-z0-9_]+)\.arn\}$/.exec(b);
    return m ? `arn:aws:iam::${ACCOUNT}:policy/${after.aws_iam_policy[m[1]].name}` : b;
  };
  const out: Array<{ address: string } & Request> = [];
  for (const [type, byName] of Object.entries(after)) {
    for (const [name, raw] of Object.entries(byName)) {
      const was = before[type]?.[name];
      const now = strip(raw);
      if (was && JSON.stringify(strip(was)) === JSON.stringify(now)) continue;
      const address = `${type}.${name}`;
      const add = (action: string, resource: string, context: Request['context'] = {}) => out.push({ address, action, resource, context });
      switch (type) {
        case 'aws_iam_role': {
          const arn = `arn:aws:iam::${ACCOUNT}:role/${now.name}`;
          add(was ? 'iam:UpdateAssumeRolePolicy' : 'iam:CreateRole', arn, { 'iam:PermissionsBoundary': boundaryOf(now) });
          break;
        }
        case 'aws_iam_role_policy': {
          const role = roleOf(now.role);
          add('iam:PutRolePolicy', role.arn, { 'iam:PermissionsBoundary': role.boundary });
          break;
        }
        case 'aws_iam_role_policy_attachment': {
          const role = roleOf(now.role);
          add('iam:AttachRolePolicy', role.arn, { 'iam:PermissionsBoundary': role.boundary, 'iam:PolicyARN': resolve(now.policy_arn) });
          break;
        }
        case 'aws_iam_policy': add(was ? 'iam:CreatePolicyVersion' : 'iam:CreatePolicy', `arn:aws:iam::${ACCOUNT}:policy/${now.name}`); break;
        case 'aws_kms_key': {
          const aliases = Object.values(after.aws_kms_alias ?? {}).filter((a: any) => a.target_key_id === `\${aws_kms_key.${name}.key_id}`).map((a: any) => a.name);
          add(was ? 'kms:PutKeyPolicy' : 'kms:CreateKey', `arn:aws:kms:eu-west-1:${ACCOUNT}:key/00000000-0000-0000-0000-000000000000`, { 'kms:ResourceAliases': aliases });
          break;
        }
        case 'aws_cloudtrail':
          for (const a of ['cloudtrail:UpdateTrail', 'cloudtrail:PutEventSelectors']) add(a, `arn:aws:cloudtrail:eu-west-1:${ACCOUNT}:trail/${now.name}`);
          break;
        default: {
          const service = type.replace(/^aws_/, '').split('_')[0];
          add(`${service}:${was ? 'Update' : 'Create'}${type}`, '*');
        }
      }
      for (const key of ['role_arn', 'execution_role_arn', 'iam_role_arn']) {
        if (typeof now[key] === 'string' && now[key].startsWith('${aws_iam_role.')) add('iam:PassRole', roleOf(now[key]).arn);
      }
    }
  }
  return out;
}

describe('adding a model to the reference platform, applied by the CI deploy role', () => {
  let before: Synthesized;
  let after: Synthesized;
  let requests: Array<{ address: string } & Request>;
  let deploy: { policies: any[]; boundary: any };
  beforeAll(() => {
    before = synthesize((app) => createReferencePlatform(app));
    after = synthesize((app) => withChurn(app));
    requests = applyRequests(before.stacks[PLATFORM].resource, after.stacks[PLATFORM].resource);
    const p = after.stacks[PLATFORM].resource;
    const boundaryArn = `arn:aws:iam::${ACCOUNT}:policy/${p.aws_iam_policy.ci_deploy_boundary.name}`;
    // Model package groups by name, as the deploy role's grants and denies reference them.
    const groups = Object.fromEntries(Object.entries(p.aws_sagemaker_model_package_group).flatMap(([k, g]: [string, any]) => [
      [`aws_sagemaker_model_package_group.${k}.model_package_group_name`, g.model_package_group_name],
      [`aws_sagemaker_model_package_group.${k}.arn`, `arn:aws:sagemaker:eu-west-1:${ACCOUNT}:model-package-group/${g.model_package_group_name}`],
    ]));
    const lit = (json: string) => JSON.parse(resolveTokens(json, { 'aws_iam_policy.ci_deploy_boundary.arn': boundaryArn, ...groups }, ACCOUNT));
    deploy = { policies: [ADMINISTRATOR_ACCESS, lit(p.aws_iam_role_policy.ci_deploy_role_policy.policy)], boundary: lit(p.aws_iam_policy.ci_deploy_boundary.policy) };
  });

  test('references resolve in both', () => {
    expect(danglingReferences(before)).toEqual([]);
    expect(danglingReferences(after)).toEqual([]);
  });

  test('adding the model changes IAM grants of the CI roles, new roles, repositories and groups', () => {
    const addresses = requests.map((r) => `${r.address} ${r.action}`);
    expect(addresses).toEqual(expect.arrayContaining([
      'aws_iam_role_policy.ci_deploy_role_policy iam:PutRolePolicy',
      'aws_iam_role_policy.ci_image_push_role_policy iam:PutRolePolicy',
      'aws_iam_role.serving_churn_identity_role_role iam:CreateRole',
    ]));
    expect(addresses.some((a) => a.startsWith('aws_ecr_repository.'))).toBe(true);
    expect(addresses.some((a) => a.startsWith('aws_sagemaker_model_package_group.'))).toBe(true);
  });

  test('the deploy role may make every call the apply needs', () => {
    const refused = requests.map((r) => ({ r, d: evaluate(deploy, r) as Decision })).filter((x) => x.d !== 'Allow')
      .map((x) => `${x.r.address}: ${x.r.action} on ${x.r.resource} -> ${x.d}`);
    expect(refused).toEqual([]);
  });

  test('separation of duties: the deploy role registers versions but can never approve them', () => {
    const pkg = `arn:aws:sagemaker:eu-west-1:${ACCOUNT}:model-package/acme-mlops-prod-churn/1`;
    const can = (action: string, status: string) => evaluate(deploy, { action, resource: pkg, context: { 'sagemaker:ModelApprovalStatus': status } });
    expect(can('sagemaker:CreateModelPackage', 'PendingManualApproval')).toBe('Allow');
    expect(can('sagemaker:CreateModelPackage', 'Approved')).toBe('ExplicitDeny');
    expect(can('sagemaker:UpdateModelPackage', 'Approved')).toBe('ExplicitDeny');
  });
});

describe('the CI deploy role named in cluster.adminRoleArns as well', () => {
  test('gets one access entry, not two (EKS refuses a second entry for a principal)', () => {
    const s = synthesize((app) => createReferencePlatform(app, 'mlops-prod', (p) => ({
      ...p, cluster: { ...p.cluster, adminRoleArns: [...(p.cluster?.adminRoleArns ?? []), `arn:aws:iam::${ACCOUNT}:role/acme-mlops-prod-ci-deploy`] },
    })));
    const entries = Object.values(s.stacks[PLATFORM].resource.aws_eks_access_entry).map((e: any) => e.principal_arn);
    expect(entries.filter((a: string) => /ci-deploy|ci_deploy/.test(a))).toEqual([`arn:aws:iam::${ACCOUNT}:role/acme-mlops-prod-ci-deploy`]);
    expect(danglingReferences(s)).toEqual([]);
  });
});
