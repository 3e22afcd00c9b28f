import { App } from 'cdktf';
import { DataLake } from '../../lib/data/data-lake';
import { ModelService, ModelServiceProps } from '../../lib/serving/model-service';
import { zoneLocation } from '../../lib/serving/serving-cluster';
import { allObjects, danglingReferences, object, schemaViolations, synthesize, Synthesized } from '../support/synth';
import { testCluster } from '../support/fixtures';

const PROM = 'http://prometheus.monitoring.svc:9090';

describe('ModelService releases (Argo Rollouts)', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synthesize((app) => {
      const { stack, cluster } = testCluster(app);
      const lake = new DataLake(stack, 'lake');
      const artifacts = (n: string) => zoneLocation(lake.zone('curated'), `models/${n}/`);
      new ModelService(stack, 'churn', {
        cluster, namespace: 'serving', name: 'churn', modelVersion: '8', image: 'acme/churn:1.5.0', artifacts: artifacts('churn'),
        release: { strategy: 'canary', canaryWeights: [5, 20, 50], stepPauseMinutes: 10, prometheusAddress: PROM, maxP95LatencyMs: 250 },
      });
      new ModelService(stack, 'fraud', {
        cluster, namespace: 'serving', name: 'fraud', modelVersion: '3', image: 'acme/fraud:3.0.0', artifacts: artifacts('fraud'),
        release: { strategy: 'blue-green', prometheusAddress: PROM, statusCodeLabel: 'status' },
      });
    });
  });

  test('references resolve and every object (Rollout, AnalysisTemplate) passes upstream schema validation', () => {
    expect(danglingReferences(s)).toEqual([]);
    expect(schemaViolations(allObjects(s))).toEqual([]);
    const addresses = Object.keys(s.stacks.workloads.resource.kubernetes_manifest);
    for (const a of ['rollout_serving_churn', 'analysistemplate_serving_churn-release-health', 'rollout_serving_fraud', 'service_serving_fraud-preview']) expect(addresses).toContain(a);
  });

  test('a canary Rollout takes over the hardened Deployment and declares the traffic split', () => {
    const r = object(s, 'Rollout', 'churn', 'serving');
    expect(r.apiVersion).toBe('argoproj.io/v1alpha1');
    expect(r.spec.workloadRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'churn', scaleDown: 'progressively' });
    expect(r.spec.selector.matchLabels).toEqual(object(s, 'Deployment', 'churn', 'serving').spec.selector.matchLabels);
    expect(r.spec.strategy.canary.maxUnavailable).toBe(0);
    expect(r.spec.strategy.canary.steps).toEqual([
      { setWeight: 5 }, { pause: { duration: '10m' } }, { setWeight: 20 }, { pause: { duration: '10m' } }, { setWeight: 50 }, { pause: { duration: '10m' } },
    ]);
    expect(r.spec.strategy.canary.analysis.templates).toEqual([{ templateName: 'churn-release-health' }]);
  });

  test('the analysis aborts (rolls back) on a low success rate or a high p95 latency of the new version', () => {
    const t = object(s, 'AnalysisTemplate', 'churn-release-health', 'serving');
    const [success, latency] = t.spec.metrics;
    // No series is neither success nor failure: Argo reports it inconclusive and pauses (it used to count as success).
    expect(success).toMatchObject({ name: 'success-rate', failureLimit: 2, successCondition: 'len(result) > 0 && result[0] >= 0.99', failureCondition: 'len(result) > 0 && result[0] < 0.99' });
    expect(success.provider.prometheus.address).toBe(PROM);
    expect(success.provider.prometheus.query).toContain('rollouts_pod_template_hash="{{args.new-hash}}"');
    expect(success.provider.prometheus.query).toContain(',code!~"5.."}');
    // The status-code label is the model server's: prometheus-fastapi-instrumentator calls it status.
    expect(object(s, 'AnalysisTemplate', 'fraud-release-health', 'serving').spec.metrics[0].provider.prometheus.query).toContain(',status!~"5.."}');
    expect(latency).toMatchObject({ name: 'p95-latency', successCondition: 'len(result) > 0 && result[0] <= 0.25', failureCondition: 'len(result) > 0 && result[0] > 0.25' });
  });

  test('the HPA scales the Rollout', () => {
    expect(object(s, 'HorizontalPodAutoscaler', 'churn', 'serving').spec.scaleTargetRef).toEqual({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'churn' });
  });

  test('blue-green: active and preview Services, analysis before and after promotion', () => {
    const bg = object(s, 'Rollout', 'fraud', 'serving').spec.strategy.blueGreen;
    expect(bg).toMatchObject({ activeService: 'fraud', previewService: 'fraud-preview', autoPromotionEnabled: true });
    expect(bg.prePromotionAnalysis.templates).toEqual([{ templateName: 'fraud-release-health' }]);
    expect(bg.postPromotionAnalysis.templates).toEqual([{ templateName: 'fraud-release-health' }]);
    expect(object(s, 'Service', 'fraud-preview', 'serving').spec.selector).toEqual(object(s, 'Service', 'fraud', 'serving').spec.selector);
  });
});

describe('ModelService releases: invalid input', () => {
  let stack: any;
  let base: ModelServiceProps;
  beforeAll(() => {
    const app = new App({ outdir: require('os').tmpdir() });
    const { stack: st, cluster } = testCluster(app);
    stack = st;
    const lake = new DataLake(st, 'lake');
    base = { cluster, namespace: 'serving', name: 'm', modelVersion: '1', image: 'acme/m:1.0.0', artifacts: zoneLocation(lake.zone('curated'), 'models/m/') };
  });
  const bad = (id: string, release: any) => () => new ModelService(stack, id, { ...base, name: id, release });
  test('weights, pauses, success rate and the Prometheus address are checked', () => {
    expect(bad('w1', { strategy: 'canary', canaryWeights: [50, 20], prometheusAddress: PROM }))
      .toThrow(/^\[platform\/w1\/release\] canaryWeights \[50,20\] must be increasing whole percentages from 1 to 99\. Fix: use e\.g\. \[10, 25, 50\]/);
    expect(bad('w2', { strategy: 'canary', canaryWeights: [10, 100], prometheusAddress: PROM })).toThrow(/canaryWeights \[10,100\] must be increasing/);
    expect(bad('w3', { strategy: 'canary', stepPauseMinutes: 0, prometheusAddress: PROM })).toThrow(/^\[platform\/w3\/release\] stepPauseMinutes 0 must be a whole number of at least 1\./);
    expect(bad('w4', { strategy: 'blue-green', minSuccessRate: 1.5, prometheusAddress: PROM })).toThrow(/^\[platform\/w4\/release\] minSuccessRate 1\.5 is outside \(0, 1\]\./);
    expect(bad('w5', { strategy: 'canary', prometheusAddress: 'prometheus:9090' })).toThrow(/^\[platform\/w5\/release\] prometheusAddress "prometheus:9090" is not an http\(s\) URL\./);
    expect(bad('w6', { strategy: 'canary', prometheusAddress: PROM, statusCodeLabel: 'status-code' })).toThrow(/^\[platform\/w6\/release\] statusCodeLabel "status-code" is not a Prometheus label name\. Fix: use e\.g\. "code" or "status"\.$/);
  });
});
