import { createReferencePlatform } from '../../examples/enterprise-platform/platform';
import { PlatformRole } from '../../lib/security/platform-role';
import { ExperimentTracking } from '../../lib/registry/experiment-tracking';
import { ModelRegistry } from '../../lib/registry/model-registry';
import { ContainerRegistry } from '../../lib/registry/container-registry';
import { allObjects, allText, danglingReferences, object, resource, schemaViolations, synthesize, Synthesized } from '../support/synth';
import { secretFindings } from './secret-scan';

/**
 * The registry constructs composed onto the reference platform exactly as proposed for
 * MlopsPlatform (see the report): catches address collisions, dangling references and schema errors
 * against the whole platform, not only the fixtures.
 */
describe('registry constructs on the reference platform', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synthesize((app) => {
      const platform = createReferencePlatform(app);
      const stack = platform.platformStack;
      const trusted = (id: string, arn: string, description: string) => new PlatformRole(stack, id, {
        nameParts: [id.replace(/_/g, '-')], description,
        trust: [{ principals: { AWS: arn }, actions: ['sts:AssumeRole'] }],
      });
      const promoter = trusted('model_promoter', 'arn:aws:iam::111122223333:role/acme-ci', 'Registers model versions and moves them to staging');
      const approver = trusted('model_approver', 'arn:aws:iam::111122223333:role/acme-release-managers', 'Approves model versions for production');
      new ExperimentTracking(stack, 'experiment_tracking', {
        cluster: platform.cluster,
        secretStore: platform.cluster.secretStore,
        namespace: platform.systemNamespace.name,
        accessLogs: platform.data.lake.accessLogBucket,
        clients: Object.keys(platform.teams).map((t) => ({ namespace: t })),
      });
      new ModelRegistry(stack, 'model_registry', { models: ['fraud'], promoter, approver });
      new ContainerRegistry(stack, 'container_registry', {
        models: ['fraud'], platformImages: ['mlflow'], pullers: [platform.cluster.nodeRole], ci: promoter,
      });
    });
  });

  test('references resolve, objects are schema-valid, no secret material', () => {
    expect(danglingReferences(s)).toEqual([]);
    expect(schemaViolations(allObjects(s))).toEqual([]);
    expect(secretFindings(allText(s))).toEqual([]);
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
