// serverless.yml: `resources: - ${file(./infra/fromPolicy.cjs)}`. osls calls this with its options; the
// TypeScript generator validates the policy first, so an invalid policy fails `sls package` with every problem.
const tsx = require('tsx/cjs/api');
const { policyFile, stage } = require('./policyOption.cjs');

module.exports = async ({ options }) => {
  const { loadPolicyFile } = tsx.require('../shared/policy/loadPolicyFile.ts', __filename);
  const { stackResources } = tsx.require('./stackResources.ts', __filename);
  return stackResources(loadPolicyFile(policyFile(options), { stage: stage(options) }), stage(options));
};
