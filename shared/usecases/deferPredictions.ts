import type { Target } from '../policy/schema';
import { rotateTargets } from './evaluate/selectTargets';
import { floorsDecision } from './floorsDecision';
import { written } from './ledgerWrite';
import type { PredictDeps, PredictRequest } from './predictTargets';

/**
 * A predict run stops starting targets this long before its deadline. One target's work is a forecast (up to
 * ~150 ms of CPU) and some ten sequential calls (track, group, scheduled actions, floors, record): about 1–2 s.
 * The deferred records are one BatchWriteItem per 25 targets, four at once (2,000 targets: about 1 s), and the
 * cursor one PutItem. What must be spared on top is an SDK retry: an attempt that hangs costs its 10 s request
 * timeout (`REQUEST_TIMEOUT_MS`) before it is retried. 2 + 1 + 10, rounded up: 15 s.
 */
export const PREDICT_DEADLINE_MARGIN_MS = 15_000;

/** Where a predict run over every target keeps its starting point in the ledger (beside the scalers' `schedule#…`). */
export const PREDICT_CURSOR_KEY = 'predict';

/**
 * Whether the run must stop starting work now: within PREDICT_DEADLINE_MARGIN_MS of its deadline, or `keepMs`
 * before that when that much is kept for a later step (the pruning's share, pruneForRun). Never without a
 * deadline (tests, the CLI).
 */
export function predictOutOfTime(deps: Pick<PredictDeps, 'deadline'>, keepMs = 0): boolean {
  return deps.deadline !== undefined && deps.deadline.remainingMs() < PREDICT_DEADLINE_MARGIN_MS + keepMs;
}

/** Whether the run keeps a starting point: one over every target, against a deadline. */
function usesCursor(deps: Pick<PredictDeps, 'deadline'>, request: PredictRequest): boolean {
  return deps.deadline !== undefined && request.targets === undefined;
}

/**
 * The targets in the order the run takes them: a run over every target against a deadline starts where the
 * last one stopped (the ledger's cursor) and wraps round in policy order, so the targets a deadline leaves
 * out are the first taken next time and none starves. Named targets, or no deadline: as given.
 */
export async function predictionOrder(
  deps: Pick<PredictDeps, 'deadline' | 'ledger'>,
  targets: readonly Target[],
  request: PredictRequest,
): Promise<readonly Target[]> {
  if (!usesCursor(deps, request)) return targets;
  return rotateTargets(targets, await deps.ledger.readCursor(PREDICT_CURSOR_KEY));
}

/**
 * The deadline step: the targets the run had no time left for are recorded as `Deferred` (in batches, no AWS
 * call for them), counted (`DeferredTargets`), logged, and the first of them is kept as where the next run
 * starts. They keep the floors and scheduled actions earlier runs wrote. A run for named targets keeps no
 * cursor. A write that fails is the run's failure, as predict's other ledger writes are.
 */
export async function deferPredictions(
  deps: PredictDeps,
  deferred: readonly Target[],
  request: PredictRequest,
  now: Date,
): Promise<{ target: string; error: unknown }[]> {
  if (deps.deadline) deps.deferredTargets?.(deferred.length);
  const [first] = deferred;
  if (!first) return [];
  const cursor = usesCursor(deps, request);
  deps.log.warn('targets deferred: the predict run is near its deadline', {
    deferred: deferred.length,
    ...(cursor ? { nextStartsAt: first.name } : {}),
  });
  const next = cursor
    ? `the next run starts with ${first.name}`
    : 'a run for named targets keeps no starting point: the hourly run predicts it';
  const message = `not predicted: the run stopped ${PREDICT_DEADLINE_MARGIN_MS / 1000} s before its deadline; ${next}; the floors and scheduled actions of earlier runs stay in force`;
  try {
    await written(
      deps,
      'record',
      deps.ledger.recordMany(
        deferred.map((target) => ({
          // No call is made for a deferred target, so its floor now is not known: 0, as the scalers' `Deferred`.
          decision: floorsDecision(target, { now: 0, peak: 0 }, 'Deferred', message),
          context: { trigger: 'forecast', applied: false, dryRun: target.dryRun ?? deps.policy.dryRun, now },
        })),
      ),
    );
    if (cursor) await written(deps, 'cursor', deps.ledger.writeCursor(PREDICT_CURSOR_KEY, first.name));
    return [];
  } catch (error) {
    deps.log.error('deferred targets not recorded', {
      deferred: deferred.length,
      error: error instanceof Error ? { name: error.name, message: error.message } : String(error),
    });
    return [{ target: `${deferred.length} deferred target(s) from ${first.name}`, error }];
  }
}
