#!/usr/bin/env node
// npm run bench: synthesizes a bare cdktf app (one bucket), the reference platform and a large
// platform, each in a fresh process, and prints wall time and peak memory side by side.
//
// Each app is TypeScript compiled at load by scripts/register.js, as `cdktf synth` runs the apps
// of this repository (cdktf.json). The library itself is loaded as a user installs it from npm:
// its build in dist/ (package.json "main"), so `npm run bench` builds first.
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const apps = [
  { name: 'bare cdktf app (one S3 bucket)', file: 'apps/bare.ts' },
  { name: 'reference platform', file: 'apps/reference.ts' },
  { name: 'large platform', file: 'apps/large.ts' },
];
const runs = Number(process.env.BENCH_RUNS || 3);
const root = path.join(__dirname, '..');
if (!fs.existsSync(path.join(root, 'dist', 'lib', 'index.js'))) {
  console.error('bench: dist/lib/index.js is missing; run `npm run build` first (`npm run bench` does).');
  process.exit(1);
}

function measure(file) {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdktf-mlops-bench-'));
  const script = `
    const t0 = process.hrtime.bigint();
    require(${JSON.stringify(path.join(root, 'scripts', 'register.js'))});
    // The library as installed from npm: <repo>/lib/x.ts resolves to <repo>/dist/lib/x.js.
    const Module = require('module');
    const resolveFilename = Module._resolveFilename;
    const lib = ${JSON.stringify(path.join(root, 'lib') + path.sep)};
    const dist = ${JSON.stringify(path.join(root, 'dist', 'lib') + path.sep)};
    Module._resolveFilename = function (...args) {
      const file = resolveFilename.apply(this, args);
      return file.startsWith(lib) && file.endsWith('.ts') ? dist + file.slice(lib.length, -3) + '.js' : file;
    };
    const t1 = process.hrtime.bigint();
    const { build } = require(${JSON.stringify(path.join(__dirname, file))});
    const { App } = require('cdktf');
    const app = new App({ outdir: ${JSON.stringify(outdir)} });
    const description = build(app);
    app.synth();
    const t2 = process.hrtime.bigint();
    process.stdout.write(JSON.stringify({ loadMs: Number(t1 - t0) / 1e6, synthMs: Number(t2 - t1) / 1e6, maxRssMb: process.resourceUsage().maxRSS / 1024, description }));
  `;
  const start = process.hrtime.bigint();
  const out = execFileSync(process.execPath, ['-e', script], { cwd: root, env: { ...process.env, CHECKPOINT_DISABLE: '1' } });
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  const resources = fs.readdirSync(path.join(outdir, 'stacks')).reduce((n, s) => {
    const json = JSON.parse(fs.readFileSync(path.join(outdir, 'stacks', s, 'cdk.tf.json'), 'utf8'));
    return n + Object.values(json.resource || {}).reduce((m, r) => m + Object.keys(r).length, 0);
  }, 0);
  fs.rmSync(outdir, { recursive: true, force: true });
  return { wallMs, resources, ...JSON.parse(out.toString()) };
}

const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = apps.map((a) => {
  const samples = Array.from({ length: runs }, () => measure(a.file));
  return {
    name: a.name,
    description: samples[0].description,
    resources: samples[0].resources,
    wallMs: median(samples.map((s) => s.wallMs)),
    synthMs: median(samples.map((s) => s.synthMs)),
    maxRssMb: Math.max(...samples.map((s) => s.maxRssMb)),
  };
});

const [bare, reference, large] = results;
console.log(`cdktf-mlops synth benchmark (${runs} runs each, median wall time, peak RSS; node ${process.version}, ${os.cpus().length} cores)`);
console.log('Apps compiled at load by scripts/register.js (as cdktf.json runs them); the library loaded from its build in dist/.');
console.log('');
console.log('| app | Terraform resources | wall time (process) | construct + synth | peak memory |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const r of results) {
  console.log(`| ${r.name}${r.description ? ` (${r.description})` : ''} | ${r.resources} | ${(r.wallMs / 1000).toFixed(2)} s | ${(r.synthMs / 1000).toFixed(2)} s | ${r.maxRssMb.toFixed(0)} MB |`);
}
console.log('');
const checks = [
  [`reference platform within 3x the bare app's wall time (${(reference.wallMs / bare.wallMs).toFixed(2)}x)`, reference.wallMs <= 3 * bare.wallMs],
  [`reference platform under 300 MB peak (${reference.maxRssMb.toFixed(0)} MB)`, reference.maxRssMb < 300],
  [`large platform within 2x the reference platform's wall time (${(large.wallMs / reference.wallMs).toFixed(2)}x)`, large.wallMs <= 2 * reference.wallMs],
];
for (const [label, ok] of checks) console.log(`${ok ? 'PASS' : 'FAIL'} ${label}`);
process.exitCode = checks.every(([, ok]) => ok) ? 0 : 1;
