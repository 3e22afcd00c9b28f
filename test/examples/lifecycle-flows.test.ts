import { createReferencePlatform } from '../../examples/enterprise-platform/platform';
import { readModel } from '../../lib/governance/policy/model';
import { review, Review } from '../../lib/governance/review/review';
import { synthesize } from '../support/synth';

/**
 * The reference platform as one system: the system model read back from cdktf.out (stacks, and the
 * needs the grants declared), and the ML lifecycle followed through its flows, each proved by the checks.
 */
describe('the reference platform: the ML lifecycle closes, every flow proved', () => {
  let r: Review;
  const P = 'mlops-prod/mlops-prod-platform';
  beforeAll(() => {
    const s = synthesize((app) => createReferencePlatform(app));
    r = review(readModel(s.outdir));
  });
  const read = (from: string, to: string) => r.flows.find((f) => f.kind === 'data-read' && f.from === from && f.to === to);

  test('no flow of the system model is broken, and every kind of flow is checked', () => {
    expect(r.declaredNeeds).toBe(true);
    expect(r.flows.filter((f) => f.status === 'broken')).toEqual([]);
    expect([...new Set(r.flows.map((f) => f.kind))].sort()).toEqual(['alert', 'budget', 'cluster', 'data-read', 'endpoint', 'iam', 'image', 'network', 'placement']);
    expect(r.findings.filter((f) => f.severity === 'error' && !f.suppressed)).toEqual([]);
  });

  test('retrain -> register -> approve -> promote -> serve: the promotion reads what retraining writes and writes what serving reads', () => {
    expect(read(`${P}/promotion_fraud/role`, 's3://acme-mlops-prod-lake-curated/model-candidates/fraud-retrain/'))
      .toMatchObject({ status: 'ok', detail: `reads what ${P}/team_fraud/identity/role writes` });
    expect(read(`${P}/serving/fraud/identity/role`, 's3://acme-mlops-prod-lake-curated/models/fraud/'))
      .toMatchObject({ status: 'ok', detail: `reads what ${P}/promotion_fraud/role writes` });
    expect(read(`${P}/serving/batch_fraud_nightly_scores/identity/role`, 's3://acme-mlops-prod-lake-curated/models/fraud/'))
      .toMatchObject({ status: 'ok', detail: `reads what ${P}/promotion_fraud/role writes` });
  });

  test('serve -> monitor -> drift: the drift monitor reads the captured and batch predictions, and the baseline retraining refreshes', () => {
    expect(read(`${P}/drift_fraud/identity/role`, 's3://acme-mlops-prod-lake-raw/predictions/fraud/')!.detail)
      .toBe(`reads what ${P}/serving/fraud/capture/delivery_role, ${P}/serving/batch_fraud_nightly_scores/identity/role write`);
    expect(read(`${P}/drift_fraud/identity/role`, 's3://acme-mlops-prod-lake-features/fraud/baseline/'))
      .toMatchObject({ status: 'ok', detail: `reads what ${P}/team_fraud/identity/role writes` });
  });

  test('what comes from outside the platform is declared, by whom', () => {
    expect(read(`${P}/drift_fraud/identity/role`, 's3://acme-mlops-prod-lake-curated/labels/fraud/')!.detail)
      .toBe('reads what outside the platform: the chargeback export of the payments team writes');
    expect(read(`${P}/serving/fraud_explainer/identity/role`, 's3://acme-mlops-prod-lake-curated/models/fraud-explainer/')!.detail)
      .toBe('reads what outside the platform: the explainer release job of the fraud team writes');
    expect(read('outside the platform: clickstream aggregation job', 's3://acme-mlops-prod-lake-raw/streams/clickstream/')!.detail)
      .toBe(`reads what ${P}/data/streams/clickstream_delivery_role writes`);
  });

  test('images: every workload image is pushed by the CI image-push role', () => {
    const images = r.flows.filter((f) => f.kind === 'image');
    expect(images.length).toBeGreaterThanOrEqual(8);
    for (const f of images) expect(f.detail).toMatch(/^pushed by .*image-push/);
  });
});
