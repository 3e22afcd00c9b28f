import { App } from 'cdktf';
import { PredictionCapture, PredictionCaptureProps } from '../../lib/serving/prediction-capture';
import { ModelServing } from '../../lib/serving/model-serving';
import { DataLake } from '../../lib/data/data-lake';
import { servingPlatform } from './fixtures';

describe('PredictionCapture and ModelServing capture: construction', () => {
  let p: ReturnType<typeof servingPlatform>;
  let base: PredictionCaptureProps;
  beforeAll(() => {
    p = servingPlatform(new App({ outdir: require('os').tmpdir() }));
    base = { model: 'churn', zone: p.lake.zone('raw') };
  });
  const bad = (id: string, over: Partial<PredictionCaptureProps>) => () => new PredictionCapture(p.stack, id, { ...base, ...over });

  test('a wildcard prefix, a buffer interval outside 0-900, a model that is not a DNS label', () => {
    expect(bad('c1', { prefix: 'predictions/*' })).toThrow(/^\[platform\/c1\] prefix "predictions\/\*" must be a literal, non-empty key prefix\. Fix: use e\.g\. "predictions\/churn\/"\.$/);
    expect(bad('c2', { bufferIntervalSeconds: 901 })).toThrow(/^\[platform\/c2\] bufferIntervalSeconds 901 is outside 0-900\. Fix: use 0-900 seconds, e\.g\. 300\.$/);
    expect(bad('c3', { model: 'Churn_Model' })).toThrow(/^\[platform\/c3\] Kubernetes object name \(DNS-1123 label\) name "Churn_Model" is not allowed: it may contain only lower-case letters, digits and hyphens\. Fix: /);
  });

  test('ModelServing captures every model into the raw zone unless the declaration opts out', () => {
    const serving = new ModelServing(p.stack, 'serving', {
      cluster: p.cluster, lake: p.lake, namespace: 'serving',
      models: [{ name: 'churn', modelVersion: '1', image: 'acme/churn:1.0.0' }, { name: 'quiet', modelVersion: '1', image: 'acme/quiet:1.0.0', capture: false }],
    });
    expect(serving.models.churn.capture?.prefix).toBe('predictions/churn/');
    expect(serving.models.churn.capture?.zone.zoneName).toBe('raw');
    expect(serving.models.quiet.capture).toBeUndefined();
    expect(serving.models.churn.modelPointerUri).toMatch(/\/models\/churn\/current\.json$/);
  });

  test('a lake without a raw zone: capture has nowhere to go', () => {
    const lake = new DataLake(p.stack, 'curated_only', { zones: [{ name: 'curated' }] });
    expect(() => new ModelServing(p.stack, 'serving_no_raw', { cluster: p.cluster, lake, namespace: 'serving', models: [{ name: 'churn', modelVersion: '1', image: 'acme/churn:1.0.0' }] }))
      .toThrow(/^\[platform\/serving_no_raw\] model "churn" captures its predictions into the raw zone, which the lake does not have\. Fix: add a raw zone to the lake, or set capture: false on the model \(its drift monitor then needs another input\)\.$/);
  });
});
