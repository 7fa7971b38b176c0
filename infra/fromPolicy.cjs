// serverless.yml: `resources: - ${file(./infra/fromPolicy.cjs)}`. osls calls this with its options; the
// TypeScript generator validates the policy first, so an invalid policy fails `sls package` with every problem.
const tsx = require('tsx/cjs/api');
const { boundary, policyFile, stage } = require('./policyOption.cjs');

module.exports = async ({ options }) => {
  const { loadPolicyFile } = tsx.require('../shared/policy/loadPolicyFile.ts', __filename);
  const { stackResources } = tsx.require('./stackResources.ts', __filename);
  const { permissionsBoundary } = tsx.require('./permissionsBoundary.ts', __filename);
  const { ScalingError } = tsx.require('../shared/errors.ts', __filename);
  try {
    // Every role of the stack carries the permissions boundary (`--param boundary=ARN`, else the account's
    // scalepilot-boundary): the deploy policy lets the deployer create no role without it.
    const policy = loadPolicyFile(policyFile(options), { stage: stage(options) });
    return stackResources(policy, stage(options), 'scalepilot', permissionsBoundary(boundary(options)));
  } catch (error) {
    // osls prints a failing file's error with its stack: an operator's mistake is its lines alone.
    if (error instanceof ScalingError) error.stack = `${error.name}: ${error.message}`;
    throw error;
  }
};
