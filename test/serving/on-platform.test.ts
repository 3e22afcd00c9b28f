import { createReferencePlatform } from '../../examples/enterprise-platform/platform';
import { RestrictedNamespace } from '../../lib/compute/restricted-namespace';
import { ModelServing, ModelServingProps } from '../../lib/serving/model-serving';
import { allObjects, danglingReferences, object, schemaViolations, synthesize, Synthesized } from '../support/synth';

const PROM = 'http://prometheus.monitoring.svc:9090';
const CERT = 'arn:aws:acm:eu-west-1:111122223333:certificate/0f5a2c1e-1111-2222-3333-444455556666';

/** The wiring proposed for MlopsPlatform (serving props) on the reference platform. */
const SERVING: Omit<ModelServingProps, 'cluster' | 'lake' | 'features' | 'namespace'> = {
  models: [
    {
      name: 'fraud', modelVersion: '4', image: '111122223333.dkr.ecr.eu-west-1.amazonaws.com/acme/fraud:1.4.0',
      features: [{ name: 'customer_profile', version: 2 }],
      autoscaling: { maxReplicas: 12, targetRequestsPerSecond: 40 },
      clients: [{ namespace: 'fraud' }],
      ingress: {
        certificateArn: CERT, host: 'fraud.ml.acme.example', albSourceCidrs: ['10.0.0.0/16'],
        auth: { type: 'oidc', issuer: 'https://login.acme.example', authorizationEndpoint: 'https://login.acme.example/authorize', tokenEndpoint: 'https://login.acme.example/token', userInfoEndpoint: 'https://login.acme.example/userinfo', secretName: 'fraud-oidc' },
      },
      release: { strategy: 'canary', canaryWeights: [10, 25, 50], prometheusAddress: PROM, maxP95LatencyMs: 200 },
    },
    {
      name: 'fraud-explainer', modelVersion: '2', image: '111122223333.dkr.ecr.eu-west-1.amazonaws.com/acme/fraud-explainer:0.9.1',
      gpu: { count: 1, pool: 'training' }, resources: { cpu: '4', memory: '16Gi' }, clients: [{ namespace: 'fraud' }],
    },
  ],
  batchJobs: [{
    name: 'fraud-nightly-scores', model: 'fraud', image: '111122223333.dkr.ecr.eu-west-1.amazonaws.com/acme/fraud-batch:1.4.0',
    schedule: '30 3 * * *', features: [{ name: 'customer_profile', version: 2 }],
  }],
};

describe('ModelServing on the reference platform', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synthesize((app) => {
      const p = createReferencePlatform(app);
      const ns = new RestrictedNamespace(p.platformStack, 'serving_namespace', { workloads: p.workloadsStack, name: 'serving', labels: { 'mlops.cdktf.io/tier': 'serving' } });
      new ModelServing(p.platformStack, 'serving', { ...SERVING, cluster: p.cluster, lake: p.data.lake, features: p.features, namespace: ns.name });
    });
  }, 60000);

  test('references resolve and every object passes upstream schema validation', () => {
    expect(danglingReferences(s)).toEqual([]);
    expect(schemaViolations(allObjects(s))).toEqual([]);
  });

  test('prod: two replicas minimum, GPU model on the training pool, canary Rollout, batch CronJob on spot', () => {
    expect(object(s, 'HorizontalPodAutoscaler', 'fraud', 'serving').spec).toMatchObject({ minReplicas: 2, maxReplicas: 12, scaleTargetRef: { kind: 'Rollout' } });
    expect(object(s, 'Deployment', 'fraud-explainer', 'serving').spec.template.spec.nodeSelector).toMatchObject({ 'mlops.cdktf.io/pool': 'training' });
    expect(object(s, 'Rollout', 'fraud', 'serving').spec.strategy.canary.steps[0]).toEqual({ setWeight: 10 });
    expect(object(s, 'CronJob', 'fraud-nightly-scores', 'serving').spec.jobTemplate.spec.template.spec.nodeSelector).toEqual({ 'eks.amazonaws.com/capacityType': 'SPOT' });
    expect(object(s, 'Ingress', 'fraud', 'serving').metadata.annotations!['alb.ingress.kubernetes.io/scheme']).toBe('internal');
    const tf = Object.keys(Object.values(s.stacks).find((x) => x.resource?.aws_iam_role?.serving_fraud_identity_role_role)!.resource.aws_iam_role);
    expect(tf).toEqual(expect.arrayContaining(['serving_fraud_identity_role_role', 'serving_fraud_explainer_identity_role_role', 'serving_batch_fraud_nightly_scores_identity_role_role']));
  });
});

describe('ModelServing: names that do not resolve', () => {
  const { App } = require('cdktf');
  const { testCluster } = require('../support/fixtures');
  const { DataLake } = require('../../lib/data/data-lake');
  let serving: ModelServing;
  beforeAll(() => {
    const app = new App({ outdir: require('os').tmpdir() });
    const { stack, cluster } = testCluster(app);
    serving = new ModelServing(stack, 'serving', { cluster, lake: new DataLake(stack, 'lake'), namespace: 'serving' });
  });
  const model = { modelVersion: '1', image: 'acme/m:1.0.0' };
  test('feature views without a store, unknown GPU pools and duplicates are errors', () => {
    expect(() => serving.addModel({ ...model, name: 'a', features: [{ name: 'x', version: 1 }] }))
      .toThrow(/^\[platform\/serving\] model "a" reads feature views but the platform has no feature store\. Fix: configure features on the platform/);
    expect(() => serving.addModel({ ...model, name: 'b', gpu: { pool: 'inference' } }))
      .toThrow(/^\[platform\/serving\] model "b" names GPU pool "inference", which the cluster does not have\. Fix: use one of \(none: add a GPU pool\)\./);
    serving.addModel({ ...model, name: 'c' });
    expect(() => serving.addModel({ ...model, name: 'c' })).toThrow(/^\[platform\/serving\] model "c" is declared twice\./);
    expect(serving.models.c.artifacts.prefix).toBe('models/c/');
  });
});
