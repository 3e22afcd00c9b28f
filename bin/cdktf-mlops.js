#!/usr/bin/env node
// cdktf-mlops command line. Runs the compiled library when the package is built (dist/), else the
// TypeScript sources straight from the repository through scripts/register.js (swc, no build step).
'use strict';
const fs = require('fs');
const path = require('path');
const compiled = path.join(__dirname, '..', 'dist', 'lib', 'governance', 'review', 'cli.js');
let cli;
if (fs.existsSync(compiled)) {
  cli = require(compiled);
} else {
  require('../scripts/register.js');
  cli = require('../lib/governance/review/cli.ts');
}
process.exitCode = cli.main(process.argv.slice(2));
