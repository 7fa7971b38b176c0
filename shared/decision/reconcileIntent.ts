import type { Target } from '../policy/schema';
import { unitByKind } from '../policy/targetResource';
import type { CapacityState, Decision, PendingIntent } from './types';

/**
 * What became of an intent whose holder stopped between writing it and recording the outcome, judged
 * from the resource as `describe` shows it now. Capacity still at `from`: the call never took effect.
 * Anything else: it did (or something else moved the resource since), and the change is counted, with
 * its cooldown from when it was made: counting a change that did not happen costs one cooldown, while
 * forgetting one that did would let the next tick act twice.
 */
export function reconcileIntent(
  target: Target,
  intent: PendingIntent,
  state: CapacityState,
): { readonly decision: Decision; readonly applied: boolean } {
  const applied = state.current !== intent.from;
  const unit = unitByKind[target.kind];
  const outcome = !applied
    ? `not applied: ${state.current} ${unit}s, as before`
    : state.current === intent.to
      ? 'applied'
      : `capacity is now ${state.current}: counted as applied`;
  return {
    applied,
    decision: {
      target: target.name,
      kind: target.kind,
      current: intent.from,
      desired: intent.to,
      recommendation: intent.to,
      direction: intent.to > intent.from ? 'out' : intent.to < intent.from ? 'in' : 'none',
      reason: 'IntentReconciled',
      message: `unfinished change ${intent.from} → ${intent.to} (${intent.reason}, ${intent.id}, ${intent.at.toISOString()}) ${outcome}`,
      metrics: {},
    },
  };
}
