#!/usr/bin/env node
'use strict';
/*
 * cdktf-mlops drift job. Runs as the entrypoint of the DriftMonitor CronJob (node:20, no dependencies).
 *
 * Compares recent inputs/predictions with the training baseline, per feature:
 *   - numeric features: Population Stability Index (PSI) over baseline-quantile bins, and the
 *     two-sample Kolmogorov-Smirnov statistic with its asymptotic p-value;
 *   - categorical features: PSI over category frequencies.
 * Optionally computes concept drift: a model-quality metric of recent predictions against delayed
 * ground truth (accuracy for classification, mean absolute error for regression), compared with the
 * baseline quality.
 *
 * Publishes every value as CloudWatch Embedded Metric Format documents: to the CloudWatch agent's EMF
 * endpoint when `emfEndpoint` is set (tcp://host:25888, as the amazon-cloudwatch-observability add-on
 * runs it; no SDK or credentials needed in this pod), and always on stdout for the job log. Exits 0;
 * a malformed config or input, or an unreachable endpoint, exits 2 with a message. Usage:
 *   node drift-job.js <config.json>
 * where config.json is {
 *   "model": "churn", "namespace": "CdktfMlops/Drift",
 *   "baseline": "/data/baseline.jsonl", "recent": "/data/recent.jsonl",
 *   "features": [{ "name": "age", "type": "numeric", "psiThreshold": 0.2, "ksThreshold": 0.1 },
 *                { "name": "plan", "type": "categorical", "psiThreshold": 0.2 }],
 *   "quality": { "task": "classification", "predictions": "/data/predictions.jsonl",
 *                "groundTruth": "/data/labels.jsonl", "idField": "id", "predictionField": "prediction",
 *                "labelField": "label", "baseline": 0.91, "maxDegradation": 0.05 }   (optional)
 * }
 * Input files are JSON Lines (.jsonl) or CSV with a header row (.csv).
 */
const fs = require('fs');
const net = require('net');

const EPSILON = 1e-4;

/** Quantile cut points (bins - 1 of them) of a sorted numeric sample, deduplicated. */
function quantileEdges(sorted, bins) {
  const edges = [];
  for (let i = 1; i < bins; i++) {
    const pos = (sorted.length - 1) * (i / bins);
    const lo = Math.floor(pos);
    const hi = Math.ceil(pos);
    const v = sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    if (edges.length === 0 || v > edges[edges.length - 1]) edges.push(v);
  }
  return edges;
}

/** Share of values per bin defined by edges (value <= edge goes left). */
function binShares(values, edges) {
  const counts = new Array(edges.length + 1).fill(0);
  for (const v of values) {
    let i = 0;
    while (i < edges.length && v > edges[i]) i++;
    counts[i]++;
  }
  return counts.map((c) => c / values.length);
}

/** PSI between two distributions given as aligned shares; empty bins are smoothed with EPSILON. */
function psiFromShares(expected, actual) {
  let psi = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = Math.max(expected[i], EPSILON);
    const a = Math.max(actual[i], EPSILON);
    psi += (a - e) * Math.log(a / e);
  }
  return psi;
}

/** PSI of a numeric feature over `bins` quantile bins of the baseline. */
function numericPsi(baseline, recent, bins = 10) {
  if (baseline.length === 0 || recent.length === 0) throw new Error('PSI needs non-empty baseline and recent samples');
  const sorted = baseline.slice().sort((a, b) => a - b);
  const edges = quantileEdges(sorted, bins);
  return psiFromShares(binShares(baseline, edges), binShares(recent, edges));
}

/** PSI of a categorical feature over the union of categories. */
function categoricalPsi(baseline, recent) {
  if (baseline.length === 0 || recent.length === 0) throw new Error('PSI needs non-empty baseline and recent samples');
  const cats = Array.from(new Set([...baseline, ...recent].map(String))).sort();
  const share = (xs) => {
    const m = new Map();
    for (const x of xs) m.set(String(x), (m.get(String(x)) || 0) + 1);
    return cats.map((c) => (m.get(c) || 0) / xs.length);
  };
  return psiFromShares(share(baseline), share(recent));
}

/** Two-sample Kolmogorov-Smirnov statistic D and its asymptotic p-value. */
function kolmogorovSmirnov(a, b) {
  if (a.length === 0 || b.length === 0) throw new Error('KS needs non-empty samples');
  const x = a.slice().sort((p, q) => p - q);
  const y = b.slice().sort((p, q) => p - q);
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < x.length && j < y.length) {
    const v = Math.min(x[i], y[j]);
    while (i < x.length && x[i] <= v) i++;
    while (j < y.length && y[j] <= v) j++;
    d = Math.max(d, Math.abs(i / x.length - j / y.length));
  }
  const ne = (x.length * y.length) / (x.length + y.length);
  const lambda = (Math.sqrt(ne) + 0.12 + 0.11 / Math.sqrt(ne)) * d;
  let p = 0;
  for (let k = 1; k <= 100; k++) {
    const term = 2 * Math.pow(-1, k - 1) * Math.exp(-2 * k * k * lambda * lambda);
    p += term;
    if (Math.abs(term) < 1e-10) break;
  }
  return { statistic: d, pValue: Math.min(1, Math.max(0, lambda === 0 ? 1 : p)) };
}

/** Accuracy (classification) or mean absolute error (regression) of predictions joined to labels by id. */
function modelQuality(task, predictions, labels, idField, predictionField, labelField) {
  const truth = new Map(labels.map((r) => [String(r[idField]), r[labelField]]));
  const pairs = predictions.filter((r) => truth.has(String(r[idField]))).map((r) => [r[predictionField], truth.get(String(r[idField]))]);
  if (pairs.length === 0) throw new Error('no prediction has a ground-truth label yet (join on ' + idField + ')');
  if (task === 'classification') return { value: pairs.filter(([p, t]) => String(p) === String(t)).length / pairs.length, joined: pairs.length };
  if (task === 'regression') return { value: pairs.reduce((s, [p, t]) => s + Math.abs(Number(p) - Number(t)), 0) / pairs.length, joined: pairs.length };
  throw new Error('unknown task ' + task + ' (classification or regression)');
}

/** Parses JSON Lines or CSV (header row; quoted fields with "" escapes). */
function parseRecords(text, file) {
  if (/\.jsonl$/.test(file) || /\.ndjson$/.test(file)) {
    return text.split('\n').filter((l) => l.trim() !== '').map((l, n) => {
      try { return JSON.parse(l); } catch (e) { throw new Error(`${file}:${n + 1}: not a JSON object (${e.message})`); }
    });
  }
  if (/\.csv$/.test(file)) {
    const rows = [];
    let row = [];
    let field = '';
    let quoted = false;
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (quoted) {
        if (c === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (c === '"') quoted = false; else field += c;
      } else if (c === '"') quoted = true;
      else if (c === ',') { row.push(field); field = ''; } else if (c === '\n' || c === '\r') {
        if (c === '\r' && text[i + 1] === '\n') i++;
        row.push(field); field = '';
        if (row.length > 1 || row[0] !== '') rows.push(row);
        row = [];
      } else field += c;
    }
    if (field !== '' || row.length > 0) { row.push(field); rows.push(row); }
    const [header, ...data] = rows;
    if (!header) throw new Error(`${file}: empty CSV`);
    return data.map((r) => Object.fromEntries(header.map((h, k) => [h, r[k] === undefined || r[k] === '' ? null : (isFinite(Number(r[k])) ? Number(r[k]) : r[k])])));
  }
  throw new Error(`${file}: unsupported format (use .jsonl or .csv)`);
}

function column(records, name, type, file) {
  const values = records.map((r) => r[name]).filter((v) => v !== null && v !== undefined && v !== '');
  if (values.length === 0) throw new Error(`${file}: feature "${name}" has no values`);
  if (type === 'numeric') {
    const nums = values.map(Number);
    if (nums.some((v) => !Number.isFinite(v))) throw new Error(`${file}: feature "${name}" is declared numeric but has non-numeric values`);
    return nums;
  }
  return values.map(String);
}

/** Computes every drift value of a config over loaded records. Pure: no I/O. */
function computeDrift(config, baselineRecords, recentRecords, quality) {
  const features = config.features.map((f) => {
    const base = column(baselineRecords, f.name, f.type, 'baseline');
    const rec = column(recentRecords, f.name, f.type, 'recent');
    if (f.type === 'numeric') {
      const psi = numericPsi(base, rec, f.bins || 10);
      const ks = kolmogorovSmirnov(base, rec);
      const drifted = psi > f.psiThreshold || (f.ksThreshold !== undefined && ks.statistic > f.ksThreshold);
      return { name: f.name, type: f.type, psi, ksStatistic: ks.statistic, ksPValue: ks.pValue, drifted };
    }
    const psi = categoricalPsi(base, rec);
    return { name: f.name, type: f.type, psi, drifted: psi > f.psiThreshold };
  });
  const result = { model: config.model, features, driftedFeatures: features.filter((f) => f.drifted).length };
  if (quality) {
    const q = config.quality;
    const degradation = q.task === 'classification' ? q.baseline - quality.value : quality.value - q.baseline;
    result.quality = { task: q.task, value: quality.value, joined: quality.joined, baseline: q.baseline, degradation, degraded: degradation > q.maxDegradation };
  }
  return result;
}

/** CloudWatch Embedded Metric Format documents for a drift result. */
function toEmf(result, namespace, timestamp) {
  const docs = result.features.map((f) => ({
    _aws: { Timestamp: timestamp, CloudWatchMetrics: [{ Namespace: namespace, Dimensions: [['Model', 'Feature']], Metrics: [{ Name: 'PSI', Unit: 'None' }, ...(f.ksStatistic !== undefined ? [{ Name: 'KSStatistic', Unit: 'None' }] : [])] }] },
    Model: result.model, Feature: f.name, PSI: f.psi, ...(f.ksStatistic !== undefined ? { KSStatistic: f.ksStatistic } : {}),
  }));
  const modelMetrics = [{ Name: 'DriftedFeatures', Unit: 'Count' }];
  const summary = { Model: result.model, DriftedFeatures: result.driftedFeatures };
  if (result.quality) {
    modelMetrics.push({ Name: 'ModelQuality', Unit: 'None' }, { Name: 'QualityDegradation', Unit: 'None' });
    summary.ModelQuality = result.quality.value;
    summary.QualityDegradation = result.quality.degradation;
  }
  docs.push({ _aws: { Timestamp: timestamp, CloudWatchMetrics: [{ Namespace: namespace, Dimensions: [['Model']], Metrics: modelMetrics }] }, ...summary });
  return docs;
}

/** Validates a config object; returns a list of problems (empty when valid). */
function checkConfig(c) {
  const problems = [];
  if (!c || typeof c !== 'object') return ['config is not a JSON object'];
  if (typeof c.model !== 'string' || c.model === '') problems.push('model must be a non-empty string');
  for (const k of ['baseline', 'recent']) if (typeof c[k] !== 'string') problems.push(`${k} must be a file path`);
  if (!Array.isArray(c.features) || c.features.length === 0) problems.push('features must be a non-empty list');
  for (const f of c.features || []) {
    if (!f || typeof f.name !== 'string') { problems.push('every feature needs a name'); continue; }
    if (f.type !== 'numeric' && f.type !== 'categorical') problems.push(`feature ${f.name}: type must be numeric or categorical`);
    if (!(f.psiThreshold > 0)) problems.push(`feature ${f.name}: psiThreshold must be > 0`);
    if (f.ksThreshold !== undefined && !(f.ksThreshold > 0 && f.ksThreshold <= 1)) problems.push(`feature ${f.name}: ksThreshold must be in (0, 1]`);
  }
  if (c.emfEndpoint !== undefined && !/^tcp:\/\/[^:/]+:\d+$/.test(c.emfEndpoint)) problems.push('emfEndpoint must be tcp://host:port');
  return problems;
}

/** Records of a file, or of every .jsonl/.ndjson/.csv file below a directory (e.g. a synced S3 prefix). */
function loadRecords(target) {
  if (!fs.statSync(target).isDirectory()) return parseRecords(fs.readFileSync(target, 'utf8'), target);
  const files = [];
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = dir + '/' + e.name;
      if (e.isDirectory()) walk(p);
      else if (/\.(jsonl|ndjson|csv)$/.test(e.name)) files.push(p);
    }
  };
  walk(target);
  if (files.length === 0) throw new Error(`${target}: no .jsonl or .csv files (has the data been synced?)`);
  return files.flatMap((f) => parseRecords(fs.readFileSync(f, 'utf8'), f));
}

/** Sends newline-delimited documents to a tcp://host:port EMF endpoint. */
function sendEmf(endpoint, docs) {
  const m = /^tcp:\/\/([^:/]+):(\d+)$/.exec(endpoint);
  if (!m) return Promise.reject(new Error(`emfEndpoint ${endpoint} is not tcp://host:port`));
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: m[1], port: Number(m[2]) }, () => {
      socket.end(docs.map((d) => JSON.stringify(d)).join('\n') + '\n', resolve);
    });
    socket.setTimeout(10000, () => { socket.destroy(); reject(new Error(`emfEndpoint ${endpoint} timed out`)); });
    socket.on('error', (e) => reject(new Error(`emfEndpoint ${endpoint}: ${e.message}`)));
  });
}

async function main(argv) {
  const configPath = argv[2];
  if (!configPath) { process.stderr.write('usage: drift-job.js <config.json>\n'); return 2; }
  try {
    const config = JSON.parse(fs.readFileSync(configPath, 'utf8'));
    const problems = checkConfig(config);
    if (problems.length > 0) throw new Error('invalid config: ' + problems.join('; '));
    const load = (file) => loadRecords(file);
    let quality;
    if (config.quality) {
      const q = config.quality;
      quality = modelQuality(q.task, load(q.predictions), load(q.groundTruth), q.idField || 'id', q.predictionField || 'prediction', q.labelField || 'label');
    }
    const result = computeDrift(config, load(config.baseline), load(config.recent), quality);
    const docs = toEmf(result, config.namespace || 'CdktfMlops/Drift', Date.now());
    for (const doc of docs) process.stdout.write(JSON.stringify(doc) + '\n');
    if (config.emfEndpoint) await sendEmf(config.emfEndpoint, docs);
    process.stderr.write(JSON.stringify({ summary: result }) + '\n');
    return 0;
  } catch (e) {
    process.stderr.write(`drift-job: ${e.message}\n`);
    return 2;
  }
}

module.exports = { quantileEdges, numericPsi, categoricalPsi, kolmogorovSmirnov, modelQuality, parseRecords, loadRecords, computeDrift, toEmf, checkConfig, sendEmf, main };

if (require.main === module) main(process.argv).then((code) => { process.exitCode = code; });
