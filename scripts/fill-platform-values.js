#!/usr/bin/env node
// Fills the deploy-time values of the GitOps YAML (see docs/gitops.md):
//   node scripts/fill-platform-values.js <manifests dir> <out dir> [<stack>=<terraform output -json file> ...]
// Without a file for a stack, runs `terraform -chdir=<manifests dir>/../../stacks/<stack> output -json`.
'use strict';
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');
require('./register.js');
const { fillPlatformValues } = require('../lib/core/gitops-yaml.ts');

const [manifestDir, outDir, ...given] = process.argv.slice(2);
if (!manifestDir || !outDir) {
  process.stderr.write('usage: fill-platform-values.js <manifests dir> <out dir> [<stack>=<outputs.json> ...]\n');
  process.exit(2);
}
const files = Object.fromEntries(given.map((g) => g.split(/=(.*)/s).slice(0, 2)));
const outputsOf = (stack) => JSON.parse(files[stack] !== undefined
  ? fs.readFileSync(files[stack], 'utf8')
  : execFileSync('terraform', [`-chdir=${path.join(manifestDir, '..', '..', 'stacks', stack)}`, 'output', '-json'], { encoding: 'utf8' }));
for (const f of fillPlatformValues(manifestDir, outDir, outputsOf)) process.stdout.write(`${path.join(outDir, f)}\n`);
