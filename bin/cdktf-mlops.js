#!/usr/bin/env node
// Runs the TypeScript CLI straight from the repository (no build step): ts-node with swc, transpile only.
'use strict';
const path = require('path');
require('ts-node').register({ swc: true, transpileOnly: true, project: path.join(__dirname, '..', 'tsconfig.json') });
const { main } = require('../lib/governance/review/cli.ts');
process.exitCode = main(process.argv.slice(2));
