import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import * as drift from '../../lib/monitoring/drift/drift-job';

const SCRIPT = path.join(__dirname, '../../lib/monitoring/drift/drift-job.js');

/** Deterministic normal samples (LCG + Box-Muller), so the tests never flake. */
function normal(n: number, mean: number, sd: number, seed: number): number[] {
  let s = seed >>> 0;
  const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 1) / 4294967297;
  return Array.from({ length: n }, () => mean + sd * Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()));
}

describe('drift statistics', () => {
  test('PSI of known shares matches the formula', () => {
    // Two bins: expected [0.5, 0.5], actual [0.9, 0.1] -> 0.4 ln 1.8 + 0.4 ln 5 = 0.8789
    expect(drift.categoricalPsi(['a', 'b'], [...Array(9).fill('a'), 'b'])).toBeCloseTo(0.4 * Math.log(1.8) + 0.4 * Math.log(5), 6);
  });

  test('PSI is near zero for the same distribution and large for a shifted one', () => {
    const base = normal(5000, 0, 1, 1);
    expect(drift.numericPsi(base, normal(5000, 0, 1, 2))).toBeLessThan(0.02);
    const shifted = drift.numericPsi(base, normal(5000, 1, 1, 3));
    expect(shifted).toBeGreaterThan(0.5);
  });

  test('KS statistic and p-value: identical, disjoint and known cases', () => {
    expect(drift.kolmogorovSmirnov([1, 2, 3], [1, 2, 3])).toEqual({ statistic: 0, pValue: 1 });
    expect(drift.kolmogorovSmirnov([1, 2, 3], [4, 5, 6]).statistic).toBe(1);
    // n = m = 100 with D = 0.2: asymptotic p = 2(e^-2l^2 - e^-8l^2 + ...) with l = (sqrt(50) + 0.12 + 0.11/sqrt(50)) * 0.2
    const a = Array.from({ length: 100 }, (_, i) => i);
    const b = Array.from({ length: 100 }, (_, i) => i + 20);
    const r = drift.kolmogorovSmirnov(a, b);
    expect(r.statistic).toBeCloseTo(0.2, 10);
    expect(r.pValue).toBeCloseTo(0.0314, 3);
    const big = drift.kolmogorovSmirnov(normal(2000, 0, 1, 4), normal(2000, 0.5, 1, 5));
    expect(big.statistic).toBeGreaterThan(0.15);
    expect(big.pValue).toBeLessThan(1e-6);
  });

  test('model quality joins predictions to delayed labels by id', () => {
    const preds = [{ id: 1, prediction: 'yes' }, { id: 2, prediction: 'no' }, { id: 3, prediction: 'yes' }, { id: 4, prediction: 'no' }];
    const labels = [{ id: 1, label: 'yes' }, { id: 2, label: 'yes' }, { id: 3, label: 'yes' }];
    expect(drift.modelQuality('classification', preds, labels, 'id', 'prediction', 'label')).toEqual({ value: 2 / 3, joined: 3 });
    expect(drift.modelQuality('regression', [{ id: 'a', prediction: 3 }], [{ id: 'a', label: 5 }], 'id', 'prediction', 'label')).toEqual({ value: 2, joined: 1 });
    expect(() => drift.modelQuality('classification', preds, [], 'id', 'prediction', 'label')).toThrow(/no prediction has a ground-truth label yet/);
  });

  test('thresholds decide which features drifted, and metrics are CloudWatch EMF', () => {
    const n = 2000;
    const base = normal(n, 0, 1, 6).map((x, i) => ({ age: 40 + 10 * x, plan: i % 3 === 0 ? 'pro' : 'basic' }));
    const recent = normal(n, 0.8, 1, 7).map((x, i) => ({ age: 40 + 10 * x, plan: i % 3 === 0 ? 'pro' : 'basic' }));
    const config = { model: 'churn', baseline: 'b', recent: 'r', features: [
      { name: 'age', type: 'numeric' as const, psiThreshold: 0.2, ksThreshold: 0.1 },
      { name: 'plan', type: 'categorical' as const, psiThreshold: 0.2 },
    ] };
    const result = drift.computeDrift(config, base, recent);
    expect(result.features.map((f: any) => [f.name, f.drifted])).toEqual([['age', true], ['plan', false]]);
    expect(result.driftedFeatures).toBe(1);
    const emf = drift.toEmf(result, 'CdktfMlops/Drift', 1700000000000);
    expect(emf[0]).toMatchObject({ _aws: { Timestamp: 1700000000000, CloudWatchMetrics: [{ Namespace: 'CdktfMlops/Drift', Dimensions: [['Model', 'Feature']] }] }, Model: 'churn', Feature: 'age' });
    expect(emf[2]).toMatchObject({ Model: 'churn', DriftedFeatures: 1 });
  });

  test('config checks', () => {
    expect(drift.checkConfig({ model: 'm', baseline: 'b', recent: 'r', features: [{ name: 'x', type: 'numeric', psiThreshold: 0 }] }))
      .toEqual(['feature x: psiThreshold must be > 0']);
    expect(drift.checkConfig({ model: '', features: [] })).toEqual(['model must be a non-empty string', 'baseline must be a file path', 'recent must be a file path', 'features must be a non-empty list']);
  });
});

describe('drift-job.js as the container runs it', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drift-job-'));
  const write = (name: string, text: string) => { fs.writeFileSync(path.join(dir, name), text); return path.join(dir, name); };

  test('reads CSV and JSON Lines, prints EMF lines and exits 0', () => {
    const base = normal(500, 10, 2, 8);
    const recent = normal(500, 13, 2, 9);
    const baseline = write('baseline.csv', 'id,amount,channel\n' + base.map((v, i) => `${i},${v},"web, mobile"`).join('\n') + '\n');
    const recentFile = write('recent.jsonl', recent.map((v, i) => JSON.stringify({ id: i, amount: v, channel: 'web, mobile' })).join('\n'));
    const preds = write('preds.jsonl', [0, 1, 2, 3].map((i) => JSON.stringify({ id: i, prediction: i % 2 })).join('\n'));
    const labels = write('labels.csv', 'id,label\n0,0\n1,0\n2,0\n3,1\n');
    const config = write('config.json', JSON.stringify({
      model: 'fraud', baseline, recent: recentFile,
      features: [{ name: 'amount', type: 'numeric', psiThreshold: 0.25, ksThreshold: 0.2 }, { name: 'channel', type: 'categorical', psiThreshold: 0.1 }],
      quality: { task: 'classification', predictions: preds, groundTruth: labels, baseline: 0.9, maxDegradation: 0.05 },
    }));
    const run = spawnSync(process.execPath, [SCRIPT, config], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({ Model: 'fraud', Feature: 'amount' });
    expect(lines[0].PSI).toBeGreaterThan(0.25);
    expect(lines[1]).toMatchObject({ Feature: 'channel', PSI: 0 });
    expect(lines[2]).toMatchObject({ Model: 'fraud', DriftedFeatures: 1, ModelQuality: 0.75 });
    expect(lines[2].QualityDegradation).toBeCloseTo(0.15, 10);
  });

  test('sends the EMF documents to the CloudWatch agent endpoint over TCP', async () => {
    const net = await import('net');
    const received: string[] = [];
    const server = net.createServer((sock) => sock.on('data', (d) => received.push(d.toString())));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as any).port;
    const base = write('eb.jsonl', [1, 2, 3, 4, 5].map((x) => JSON.stringify({ x })).join('\n'));
    const rec = write('er.jsonl', [1, 2, 3, 4, 6].map((x) => JSON.stringify({ x })).join('\n'));
    const cfg = write('emf.json', JSON.stringify({ model: 'm', baseline: base, recent: rec, emfEndpoint: `tcp://127.0.0.1:${port}`, features: [{ name: 'x', type: 'numeric', psiThreshold: 0.2 }] }));
    const run = await new Promise<{ code: number | null }>((resolve) => {
      const child = require('child_process').spawn(process.execPath, [SCRIPT, cfg]);
      child.on('exit', (code: number | null) => resolve({ code }));
    });
    await new Promise((r) => setTimeout(r, 50));
    server.close();
    expect(run.code).toBe(0);
    const docs = received.join('').trim().split('\n').map((l) => JSON.parse(l));
    expect(docs.map((d) => d.Feature ?? 'summary')).toEqual(['x', 'summary']);
    expect(docs[0]._aws.CloudWatchMetrics[0].Namespace).toBe('CdktfMlops/Drift');
  });

  test('an unreachable EMF endpoint exits 2', () => {
    const base = write('ub.jsonl', '{"x":1}\n{"x":2}');
    const cfg = write('u.json', JSON.stringify({ model: 'm', baseline: base, recent: base, emfEndpoint: 'tcp://127.0.0.1:1', features: [{ name: 'x', type: 'numeric', psiThreshold: 0.2 }] }));
    const run = spawnSync(process.execPath, [SCRIPT, cfg], { encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/drift-job: emfEndpoint tcp:\/\/127\.0\.0\.1:1: connect ECONNREFUSED/);
  });

  test('reads every data file below a synced prefix directory', () => {
    fs.mkdirSync(path.join(dir, 'recent/dt=2026-11-28'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'recent/dt=2026-11-29'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'recent/dt=2026-11-28/part-0.jsonl'), '{"x":1}\n{"x":2}\n');
    fs.writeFileSync(path.join(dir, 'recent/dt=2026-11-29/part-0.csv'), 'x\n3\n');
    fs.writeFileSync(path.join(dir, 'recent/_SUCCESS'), '');
    expect(drift.loadRecords(path.join(dir, 'recent')).map((r) => r.x)).toEqual([1, 2, 3]);
    fs.mkdirSync(path.join(dir, 'empty'));
    expect(() => drift.loadRecords(path.join(dir, 'empty'))).toThrow(/no \.jsonl or \.csv files \(has the data been synced\?\)/);
  });

  test('a malformed config or input exits 2 with a message, not a stack trace', () => {
    const bad = spawnSync(process.execPath, [SCRIPT, write('bad.json', '{"model":')], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^drift-job: /);
    expect(bad.stderr).not.toMatch(/at .*\.js:\d+/);
    const cfg = write('c2.json', JSON.stringify({ model: 'm', baseline: write('b.jsonl', '{"x":1}\nnot json'), recent: 'r.jsonl', features: [{ name: 'x', type: 'numeric', psiThreshold: 0.2 }] }));
    const badInput = spawnSync(process.execPath, [SCRIPT, cfg], { encoding: 'utf8' });
    expect(badInput.status).toBe(2);
    expect(badInput.stderr).toMatch(/b\.jsonl:2: not a JSON object/);
  });
});
