import type { Target } from '../policy/schema';
import type { Settlement } from './kindModel';
import type { Decision, PendingIntent, ReasonCode } from './types';

/**
 * The decision that records what became of an operation written ahead, as its kind's `settle` judged it:
 * `IntentReconciled` for one whose holder stopped before recording it (applied or not), then
 * `OperationPending` while AWS still carries it out, `OperationCompleted` or `OperationFailed` at the end.
 */
export function reconcileIntent(target: Target, intent: PendingIntent, settlement: Settlement): Decision {
  const what = `${intent.action?.type ?? 'change'} ${intent.from} → ${intent.to} (${intent.reason}, ${intent.id}, ${intent.at.toISOString()})`;
  const [reason, outcome]: [ReasonCode, string] =
    settlement.status === 'not-applied'
      ? ['IntentReconciled', 'was never applied']
      : settlement.status === 'failed'
        ? ['OperationFailed', `failed: ${settlement.message}`]
        : !intent.recorded
          ? [
              'IntentReconciled',
              settlement.status === 'done'
                ? 'was applied'
                : `was applied and is still running: ${settlement.message}`,
            ]
          : settlement.status === 'done'
            ? ['OperationCompleted', 'has completed']
            : ['OperationPending', `is still running: ${settlement.message}; nothing new until it ends`];
  return {
    target: target.name,
    kind: target.kind,
    current: intent.from,
    desired: intent.to,
    recommendation: intent.to,
    direction: intent.to > intent.from ? 'out' : intent.to < intent.from ? 'in' : 'none',
    reason,
    message: `${what} ${outcome}`,
    metrics: {},
  };
}
