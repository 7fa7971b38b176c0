import type { Target } from '../../policy/schema';
import { type EvaluationRun, emptyDecision } from './EvaluationRun';
import { recordUnleased } from './recordDecisions';
import type { EvaluateDeps, EvaluationRequest } from './types';

/**
 * A run stops starting new work this long before its deadline (a batch, or a leased target's walk to act):
 * what is under way and the deferred records must fit in it, with an SDK retry to spare.
 */
export const DEADLINE_MARGIN_MS = 15_000;

/**
 * Whether a scheduled run (or a fan-out batch) must stop starting new work now. An alarm's run evaluates
 * its one target whatever the time left.
 */
export function outOfTime(deps: EvaluateDeps, request: EvaluationRequest): boolean {
  return (
    request.trigger === 'schedule' &&
    deps.deadline !== undefined &&
    deps.deadline.remainingMs() < DEADLINE_MARGIN_MS
  );
}

/** Where a schedule run (or a fan-out batch) keeps its starting point in the ledger; none for alarms. */
export function cursorKey(kind: string, request: EvaluationRequest): string | undefined {
  if (request.trigger !== 'schedule') return undefined;
  return request.batch === undefined ? `schedule#${kind}` : `schedule#${kind}#batch-${request.batch}`;
}

/**
 * The deadline step: the targets the run had no time left for are recorded as `Deferred` (in batches, no
 * AWS call), counted (the `DeferredTargets` metric and alarm), and the first of them is kept as where the
 * next run starts, so the same tail is never the one left out every minute.
 */
export async function deferTargets(
  run: EvaluationRun,
  deferred: readonly Target[],
  cursor: string | undefined,
  now: Date,
): Promise<void> {
  if (deferred.length === 0) return;
  const [first] = deferred;
  run.deferred = deferred.length;
  run.deps.log.warn('targets deferred: the run is near its deadline', {
    deferred: deferred.length,
    nextStartsAt: first?.name,
  });
  await recordUnleased(
    run,
    deferred.map((target) => ({
      target,
      decision: emptyDecision(
        target,
        'Deferred',
        0,
        `not evaluated: the run stopped ${DEADLINE_MARGIN_MS / 1000} s before its deadline; the next run starts with ${first?.name}`,
      ),
    })),
    now,
  );
  if (cursor && first) await run.guard([first.name], () => run.deps.ledger.writeCursor(cursor, first.name));
}
