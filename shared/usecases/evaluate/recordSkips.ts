import type { Target } from '../../policy/schema';
import { type EvaluationRun, emptyDecision } from './EvaluationRun';
import { kindScaler, observeMany } from './kindScaler';
import { recordUnleased } from './recordDecisions';
import type { SkipRequest } from './types';

/**
 * The record step for an event the handler refused to act on (a duplicate delivery, an alarm of another
 * account, a stale event): nothing is evaluated or changed, but each target's skip is on record with its
 * current capacity (read when the skip does not carry it) and the target's own dry-run flag.
 */
export async function recordSkips(
  run: EvaluationRun,
  targets: readonly Target[],
  skip: SkipRequest,
  now: Date,
): Promise<void> {
  const { model } = kindScaler(run.deps.capacity);
  const seen =
    skip.current === undefined ? await observeMany(run.deps.capacity, targets, 'first-look') : new Map();
  const currentOf = (target: Target): { current: number; unread?: string } => {
    if (skip.current !== undefined) return { current: skip.current };
    const observed = seen.get(target.name);
    if (observed && 'observation' in observed)
      return { current: model.capacity(target, observed.observation, now).current };
    const error = observed && 'error' in observed ? observed.error : undefined;
    return { current: 0, unread: error instanceof Error ? error.message : String(error) };
  };
  await recordUnleased(
    run,
    targets.map((target) => {
      const { current, unread } = currentOf(target);
      const message = unread ? `${skip.message} (capacity unread: ${unread})` : skip.message;
      return { target, decision: emptyDecision(target, skip.reason, current, message) };
    }),
    now,
  );
}
