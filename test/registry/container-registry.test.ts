import { App } from 'cdktf';
import { MlopsStack } from '../../lib/core/mlops-stack';
import { PlatformRole } from '../../lib/security/platform-role';
import { ContainerRegistry, ContainerRegistryProps } from '../../lib/registry/container-registry';
import { allText, danglingReferences, policy, resource, resources, synthesize, Synthesized } from '../support/synth';
import { testStack } from '../support/fixtures';
import { secretFindings } from './secret-scan';

const role = (stack: MlopsStack, id: string) => new PlatformRole(stack, id, {
  nameParts: [id.replace(/_/g, '-')],
  description: id,
  trust: [{ principals: { Service: 'ec2.amazonaws.com' }, actions: ['sts:AssumeRole'] }],
});

function build(app: App, extra: Partial<ContainerRegistryProps> = {}, profile: 'dev' | 'prod' = 'dev') {
  const stack = testStack(app, { profile });
  const nodes = role(stack, 'nodes');
  const ci = role(stack, 'ci');
  const registry = new ContainerRegistry(stack, 'images', {
    models: ['churn', 'fraud'], platformImages: ['mlflow'], pullers: [nodes], ci, ...extra,
  });
  return { stack, nodes, ci, registry };
}

const REPOS = ['${aws_ecr_repository.images_model_churn.arn}', '${aws_ecr_repository.images_model_fraud.arn}', '${aws_ecr_repository.images_platform_mlflow.arn}'];
const PUSH = ['ecr:InitiateLayerUpload', 'ecr:UploadLayerPart', 'ecr:CompleteLayerUpload', 'ecr:PutImage'];

describe('ContainerRegistry', () => {
  let s: Synthesized;
  let p: any;
  beforeAll(() => {
    s = synthesize((app) => { build(app, { keepLastImages: 20 }, 'prod'); });
    p = s.stacks.platform;
  });

  test('references resolve; no secret material', () => {
    expect(danglingReferences(s)).toEqual([]);
    expect(secretFindings(allText(s))).toEqual([]);
  });

  test('one repository per model and per platform image, addressed by name', () => {
    expect(Object.keys(resources(p, 'aws_ecr_repository'))).toEqual(['images_model_churn', 'images_model_fraud', 'images_platform_mlflow']);
    expect(resource(p, 'aws_ecr_repository', 'images_model_churn').name).toBe('acme-dev/models/churn');
    expect(resource(p, 'aws_ecr_repository', 'images_platform_mlflow').name).toBe('acme-dev/platform/mlflow');
  });

  test('KMS-encrypted with the images CMK, immutable tags, scan on push, kept in prod', () => {
    for (const r of Object.values(resources(p, 'aws_ecr_repository')) as any[]) {
      expect(r).toMatchObject({
        image_tag_mutability: 'IMMUTABLE',
        image_scanning_configuration: { scan_on_push: true },
        encryption_configuration: [{ encryption_type: 'KMS', kms_key: '${aws_kms_key.keys_images_key.arn}' }],
        force_delete: false,
        lifecycle: { prevent_destroy: true },
      });
    }
    expect(resources(p, 'aws_ecr_registry_scanning_configuration')).toEqual({});
  });

  test('lifecycle: untagged images expire, the last N images are kept', () => {
    const policyDoc = JSON.parse(resource(p, 'aws_ecr_lifecycle_policy', 'images_model_churn_lifecycle').policy);
    expect(resource(p, 'aws_ecr_lifecycle_policy', 'images_model_churn_lifecycle').repository).toBe('${aws_ecr_repository.images_model_churn.name}');
    expect(policyDoc.rules.map((r: any) => [r.rulePriority, r.selection])).toEqual([
      [1, { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 7 }],
      [2, { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 20 }],
    ]);
    expect(Object.keys(resources(p, 'aws_ecr_lifecycle_policy'))).toHaveLength(3);
  });

  test('node role pulls every repository and cannot push', () => {
    const doc = policy(resource(p, 'aws_iam_role_policy', 'nodes_policy').policy);
    expect(doc.Statement).toEqual([
      { Effect: 'Allow', Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'], Resource: REPOS },
      { Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
    ]);
    const actions = doc.Statement.flatMap((st: any) => [].concat(st.Action));
    for (const a of PUSH) expect(actions).not.toContain(a);
  });

  test('CI pushes to the registry repositories only, and cannot delete images or change policies', () => {
    const doc = policy(resource(p, 'aws_iam_role_policy', 'ci_policy').policy);
    const scoped = doc.Statement.find((st: any) => Array.isArray(st.Action) && st.Action.includes('ecr:PutImage'));
    expect(scoped.Resource).toEqual(REPOS);
    expect(scoped.Action).toEqual(expect.arrayContaining(PUSH));
    const actions = doc.Statement.flatMap((st: any) => [].concat(st.Action));
    for (const a of ['ecr:BatchDeleteImage', 'ecr:DeleteRepository', 'ecr:SetRepositoryPolicy', 'ecr:PutLifecyclePolicy', 'ecr:PutImageTagMutability']) expect(actions).not.toContain(a);
    const wildcard = doc.Statement.filter((st: any) => st.Resource === '*');
    expect(wildcard).toEqual([{ Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' }]);
  });

  test('enhanced scanning is opt-in and limited to this platform\'s repositories', () => {
    const s2 = synthesize((app) => { build(app, { enhancedScanning: true }); });
    expect(resource(s2.stacks.platform, 'aws_ecr_registry_scanning_configuration', 'images_scanning')).toMatchObject({
      scan_type: 'ENHANCED',
      rule: [{ scan_frequency: 'CONTINUOUS_SCAN', repository_filter: [{ filter: 'acme-dev/*', filter_type: 'WILDCARD' }] }],
    });
    expect(resource(s2.stacks.platform, 'aws_ecr_repository', 'images_model_churn').lifecycle).toBeUndefined();
    expect(danglingReferences(s2)).toEqual([]);
  });
});

describe('ContainerRegistry invalid input', () => {
  test.each([0, -1, 2.5])('keepLastImages %s', (n) => {
    expect(() => build(new App(), { keepLastImages: n })).toThrow(new RegExp(`^\\[platform/images\\] keepLastImages ${n} must be a whole number of at least 1\\.`));
  });
  test('no repository', () => {
    expect(() => build(new App(), { models: [], platformImages: [] })).toThrow(/^\[platform\/images\] it has no repository: models and platformImages are both empty\./);
  });
  test('model listed twice', () => {
    expect(() => build(new App(), { models: ['churn', 'churn'] })).toThrow(/^\[platform\/images\] model "churn" is listed twice\./);
  });
  test('model name that is not a DNS label', () => {
    expect(() => build(new App(), { models: ['Churn'] })).toThrow(/^\[platform\/images\] Kubernetes object name \(DNS-1123 label\) name "Churn" is not allowed/);
  });
  test('unknown model image url', () => {
    expect(() => build(new App()).registry.modelImageUrl('ranker')).toThrow(/^\[platform\/images\] model "ranker" has no repository\. Fix: use one of churn, fraud, or add it to models\.$/);
  });
});
