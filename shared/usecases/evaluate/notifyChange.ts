import type { Decision } from '../../decision/types';
import type { EvaluateDeps } from './types';

/** The notify step: a change (or a notice worth telling) to the operators' topic. */
export async function notifyChange(
  deps: EvaluateDeps,
  decision: Decision,
  dryRun: boolean,
  at: Date,
): Promise<void> {
  await deps.notifier.capacityChanged({ decision, dryRun, at });
}

/**
 * The notice a decision that repeats every minute carries, told when it first appears and again when it
 * changes: a dry run's would-be change, a skip the kind says is worth telling; null for the others.
 */
export function noticeOf(decision: Decision, dryRun: boolean, notify: boolean | undefined): string | null {
  if (decision.desired !== decision.current && dryRun)
    return `dry run ${decision.current}→${decision.desired}`;
  return notify ? `${decision.reason}` : null;
}
