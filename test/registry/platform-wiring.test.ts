import { createReferencePlatform } from '../../examples/enterprise-platform/platform';
import { allObjects, allText, danglingReferences, object, resource, schemaViolations, synthesize, Synthesized } from '../support/synth';
import { secretFindings } from './secret-scan';

/**
 * The registry constructs as MlopsPlatform wires them in the reference platform: catches address
 * collisions, dangling references and schema errors against the whole platform, not only fixtures.
 */
describe('registry constructs on the reference platform', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synthesize((app) => createReferencePlatform(app));
  });

  test('references resolve, objects are schema-valid, no secret material', () => {
    expect(danglingReferences(s)).toEqual([]);
    expect(schemaViolations(allObjects(s))).toEqual([]);
    expect(secretFindings(allText(s))).toEqual([]);
  });

  test('the CI deploy role registers and stages versions, a separate approver approves, nodes pull and CI pushes', () => {
    const p = s.stacks['mlops-prod-platform'];
    expect(resource(p, 'aws_iam_role', 'model_approver_role').assume_role_policy).toContain('arn:aws:iam::111122223333:role/acme-release-managers');
    expect(resource(p, 'aws_iam_role_policy', 'ci_deploy_role_policy').policy).toContain('sagemaker:CreateModelPackage');
    expect(resource(p, 'aws_iam_role_policy', 'model_approver_policy').policy).toContain('sagemaker:UpdateModelPackage');
    expect(resource(p, 'aws_iam_role_policy', 'ci_image_push_role_policy').policy).toContain('ecr:PutImage');
  });

  test('prod defaults: Multi-AZ, deletion protection, 35-day backups, 2 replicas in mlops-system', () => {
    const p = s.stacks['mlops-prod-platform'];
    expect(resource(p, 'aws_db_instance', 'experiment_tracking_database')).toMatchObject({
      identifier: 'acme-mlops-prod-mlflow', multi_az: true, deletion_protection: true, backup_retention_period: 35,
    });
    expect(object(s, 'HorizontalPodAutoscaler', 'mlflow', 'mlops-system').spec.minReplicas).toBe(2);
    expect(object(s, 'NetworkPolicy', 'mlflow-ingress', 'mlops-system').spec.ingress[0].from).toEqual([
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'fraud' } } },
    ]);
  });
});
