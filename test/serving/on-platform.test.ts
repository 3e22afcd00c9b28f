import { createReferencePlatform } from '../../examples/enterprise-platform/platform';
import { ModelServing } from '../../lib/serving/model-serving';
import { allObjects, danglingReferences, object, schemaViolations, synthesize, Synthesized } from '../support/synth';


describe('ModelServing on the reference platform (as MlopsPlatform wires it)', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synthesize((app) => createReferencePlatform(app));
  }, 60000);

  test('references resolve and every object passes upstream schema validation', () => {
    expect(danglingReferences(s)).toEqual([]);
    expect(schemaViolations(allObjects(s))).toEqual([]);
  });

  test('prod: two replicas minimum, GPU model on the inference pool, canary Rollout, batch CronJob on the on-demand nodes (the only spot nodes are tainted GPU nodes)', () => {
    expect(object(s, 'HorizontalPodAutoscaler', 'fraud', 'serving').spec).toMatchObject({ minReplicas: 2, maxReplicas: 12, scaleTargetRef: { kind: 'Rollout' } });
    expect(object(s, 'Deployment', 'fraud-explainer', 'serving').spec.template.spec.nodeSelector).toMatchObject({ 'mlops.cdktf.io/pool': 'inference' });
    expect(object(s, 'Rollout', 'fraud', 'serving').spec.strategy.canary.steps[0]).toEqual({ setWeight: 10 });
    expect(object(s, 'CronJob', 'fraud-nightly-scores', 'serving').spec.jobTemplate.spec.template.spec.nodeSelector).toEqual({ 'eks.amazonaws.com/capacityType': 'ON_DEMAND' });
    // Its default requests fit a system node (prod m6i/m7i.xlarge: 4 vCPU, 16 GiB).
    expect(object(s, 'CronJob', 'fraud-nightly-scores', 'serving').spec.jobTemplate.spec.template.spec.containers[0].resources.requests).toEqual({ cpu: '1', memory: '4Gi' });
    expect(object(s, 'Ingress', 'fraud', 'serving').metadata.annotations!['alb.ingress.kubernetes.io/scheme']).toBe('internal');
    // The Argo Rollouts controller (CRDs) is installed by the add-ons stack, at its pinned chart.
    expect(s.stacks['mlops-prod-addons'].resource.helm_release.argo_rollouts).toMatchObject({ chart: 'argo-rollouts', version: '2.40.1', namespace: 'argo-rollouts' });
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
