// The policy file, stage and permissions boundary of an `sls` run: `--param policy=FILE` (default: the example
// policy), `--stage`, `--param boundary=ARN` (default: the account's scalepilot-boundary; infra/permissionsBoundary.ts).
const path = require('node:path');

const DEFAULT_POLICY = 'examples/event-platform.scalepilot.yml';

function optionList(value) {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** The value of `--param NAME=VALUE`, or undefined. */
function param(options, name) {
  const given = optionList(options.param).find((p) => String(p).startsWith(`${name}=`));
  return given === undefined ? undefined : String(given).slice(name.length + 1);
}

module.exports.policyFile = (options = {}) =>
  path.resolve(__dirname, '..', param(options, 'policy') ?? DEFAULT_POLICY);

module.exports.boundary = (options = {}) => param(options, 'boundary');

module.exports.stage = (options = {}) => options.stage || 'dev';
