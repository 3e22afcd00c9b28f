// Loads the TypeScript sources of this repository with @swc/core, without source-map-support.
// With CDK_DEBUG set, cdktf records a stack trace for every token it creates (lib/core/token-stack-traces.ts);
// with ts-node's source-map-support each of those traces is source-mapped frame by frame.
// Used by cdktf.json (`node -r ./scripts/register.js ...`), the bench and the review command.
const fs = require('fs');
const { transformSync } = require('@swc/core');

const options = (filename) => ({
  filename,
  jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
  module: { type: 'commonjs' },
  sourceMaps: false,
  swcrc: false,
  configFile: false,
});

require.extensions['.ts'] = function compile(module, filename) {
  const { code } = transformSync(fs.readFileSync(filename, 'utf8'), options(filename));
  module._compile(code, filename);
};
