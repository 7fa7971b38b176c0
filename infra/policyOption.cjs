// The policy file and stage of an `sls` run: `--param policy=FILE` (default: the example policy), `--stage`.
const path = require('node:path');

const DEFAULT_POLICY = 'examples/event-platform.scalepilot.yml';

function optionList(value) {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

module.exports.policyFile = (options = {}) => {
  const given = optionList(options.param).find((p) => String(p).startsWith('policy='));
  return path.resolve(__dirname, '..', given ? String(given).slice('policy='.length) : DEFAULT_POLICY);
};

module.exports.stage = (options = {}) => options.stage || 'dev';
