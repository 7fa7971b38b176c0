// serverless-esbuild configuration. The validated policy is compiled into every function bundle
// (`__SCALEPILOT_POLICY__`), so what `sls package` validated is exactly what runs.
const { readFileSync } = require('node:fs');
const { relative } = require('node:path');
const { parse } = require('yaml');
const { policyFile } = require('./policyOption.cjs');

module.exports = (serverless) => {
  const options = serverless.processedInput?.options ?? {};
  const policy = parse(readFileSync(policyFile(options), 'utf8'));
  return {
    bundle: true,
    minify: true,
    sourcemap: true,
    target: 'node22',
    platform: 'node',
    format: 'esm',
    outputFileExtension: '.mjs',
    mainFields: ['module', 'main'],
    // Some dependencies still call require(); give the ESM bundle one.
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
    define: { __SCALEPILOT_POLICY__: JSON.stringify(JSON.stringify(policy)) },
    exclude: [],
    packager: 'npm',
    // Concurrent builds (the local account deploying while a test packages) each get their own work folder.
    ...(process.env.SCALEPILOT_ESBUILD_DIR
      ? {
          outputWorkFolder: relative(
            serverless.serviceDir ?? process.cwd(),
            process.env.SCALEPILOT_ESBUILD_DIR,
          ),
        }
      : {}),
  };
};
