import type { KindAction } from '../../decision/kindModel';
import type { Decision } from '../../decision/types';
import type { Target } from '../../policy/schema';
import { kindScaler } from './kindScaler';
import type { EvaluateDeps } from './types';

/**
 * The act step: the one AWS call the decision chose, on the observation made under the lease. Returns the
 * decision as recorded: with what the kind had to add (a fallback placement it took) and AWS's answer in
 * its explanation. Throws what AWS refused (the caller records `ActionFailed`).
 */
export async function actOnTarget(
  deps: EvaluateDeps,
  target: Target,
  decision: Decision,
  action: KindAction,
  observation: unknown,
): Promise<Decision> {
  const note = await kindScaler(deps.capacity).resource.act(target, action, observation);
  const aws = { operation: action.type, outcome: 'ok' as const, ...(note ? { message: note.note } : {}) };
  return {
    ...decision,
    ...(note ? { message: `${decision.message}; ${note.note}` } : {}),
    explain: { ...(decision.explain ?? { rules: [], gates: [] }), aws },
  };
}
