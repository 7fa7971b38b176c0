import { ScalingError } from '../errors';
import { loadPolicyFile } from '../policy/loadPolicyFile';
import { validatePolicy } from '../policy/parsePolicy';
import type { Policy } from '../policy/schema';

// Replaced at bundle time (infra/esbuild.config.cjs) with the policy validated at package time, so what
// was validated is what runs. Outside a bundle (tests, the local account) the policy comes from a file.
declare const __SCALEPILOT_POLICY__: string | undefined;

/** The policy this function runs with, validated again at cold start. */
export function bundledPolicy(env: NodeJS.ProcessEnv = process.env): Policy {
  if (typeof __SCALEPILOT_POLICY__ === 'string')
    return validatePolicy(JSON.parse(__SCALEPILOT_POLICY__), 'bundled policy');
  const file = env.SCALEPILOT_POLICY_FILE;
  if (!file) throw new ScalingError('no bundled policy and SCALEPILOT_POLICY_FILE is not set');
  return loadPolicyFile(file);
}
