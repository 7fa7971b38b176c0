import type { IdempotencyConfig } from '@aws-lambda-powertools/idempotency';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import { UnknownAlarmError } from '../errors';
import { parseScalingEvent } from '../events/parseScalingEvent';
import { alarmDefinitions } from '../policy/alarmDefinitions';
import { type EvaluateDeps, type Evaluation, evaluateTargets } from '../usecases/evaluateTargets';
import { alarmRequests, isForeign } from './alarmRequest';
import { batchRequest, checkBatch } from './batchRequest';
import { checkSchedule } from './checkSchedule';
import { refuseFutureEvent } from './eventAge';

/** Everything a scaler function needs, built once per cold start (or by a test, against the emulator). */
export interface ScalerRuntime extends Omit<EvaluateDeps, 'owner' | 'deadline'> {
  readonly stage: string;
  /** The function's own account and region: alarms of any other are ignored, with a recorded reason. */
  readonly account: string;
  readonly region: string;
  /**
   * The name of the function's own fan-out queue (the last part of its `FANOUT_QUEUE_URL`): the only queue
   * whose batches it takes. Unset, it takes none.
   */
  readonly fanOutQueue?: string;
  /** Where Powertools idempotency keeps its records: the ledger table. */
  readonly idempotencyStore: BasePersistenceLayer;
}

/** The part of the Lambda context the handler uses. */
export interface LambdaContextLike {
  readonly awsRequestId: string;
  getRemainingTimeInMillis(): number;
}

/**
 * The handler of one resource kind: parse the event, say what each part of it asks for, and delegate to
 * the use case, which records every outcome (decisions and skips alike). A duplicate alarm delivery (same
 * alarm ARN and state timestamp, recognised by Powertools idempotency) is a `DuplicateEvent` skip; an
 * alarm of another account or region a `ForeignAlarm` skip (logged and counted when it maps to no target);
 * an alarm event older than `MAX_ALARM_EVENT_AGE_SECONDS`, or a fan-out batch older than
 * `MAX_BATCH_AGE_SECONDS`, a `StaleEvent` skip; an event stamped more than `MAX_CLOCK_SKEW_SECONDS` ahead of
 * the clock is refused (`FutureEventError`), as a malformed one is, before anything is read. Scheduled runs
 * and fan-out batches run against the function's remaining time (`context.getRemainingTimeInMillis()`).
 */
export function createScalerHandler(runtime: ScalerRuntime) {
  const { policy, kind, stage } = runtime;
  const alarms = new Map(
    alarmDefinitions(policy, stage)
      .filter((a) => a.kind === kind)
      .map((a) => [a.alarmName, a]),
  );
  const { idempotencyConfig, alarmRequest } = alarmRequests(runtime, alarms);
  // A stage without threshold alarms: one that arrives anyway is left over from an earlier deploy or not ours.
  const noAlarms = policy.fleet.thresholdAlarms
    ? undefined
    : 'the policy generates none (fleet.thresholdAlarms: false; the one-minute schedule evaluates every target)';

  return async (event: unknown, context: LambdaContextLike): Promise<Evaluation[]> => {
    idempotencyConfig.registerLambdaContext(
      context as Parameters<IdempotencyConfig['registerLambdaContext']>[0],
    );
    const hints = refusingBadEvents(runtime, () => {
      const parsed = parseScalingEvent(event, runtime.region);
      for (const hint of parsed) {
        // Told by the event alone, whatever it names: no AWS clock stamped it.
        refuseFutureEvent(hint, runtime.clock.now());
        // Unknown alarms of our own account and region are refused before anything is read or written.
        if (hint.trigger === 'alarm' && !isForeign(runtime, hint) && !alarms.has(hint.alarmName))
          throw new UnknownAlarmError(hint.alarmName, { why: noAlarms });
        if (hint.trigger === 'batch') checkBatch(runtime, hint);
        if (hint.trigger === 'schedule') checkSchedule(runtime, hint);
      }
      return parsed;
    });
    const deps = { ...runtime, owner: context.awsRequestId };
    const withDeadline = { ...deps, deadline: { remainingMs: () => context.getRemainingTimeInMillis() } };
    const results: Evaluation[] = [];
    for (const hint of hints) {
      if (hint.trigger === 'schedule') {
        results.push(
          ...(await evaluateTargets(withDeadline, { trigger: 'schedule', tickAt: new Date(hint.time) })),
        );
        continue;
      }
      if (hint.trigger === 'batch') {
        results.push(...(await evaluateTargets(withDeadline, batchRequest(runtime, hint))));
        continue;
      }
      const request = await alarmRequest(hint, context.awsRequestId);
      results.push(...(Array.isArray(request) ? request : await evaluateTargets(deps, request)));
    }
    return results;
  };
}

/** Runs the parse; a refused event is logged and counted, and thrown (nothing read or written). */
function refusingBadEvents<T>(runtime: ScalerRuntime, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    runtime.log.error('event refused', {
      kind: runtime.kind,
      error: error instanceof Error ? { name: error.name, message: error.message } : String(error),
    });
    runtime.decisionMetrics?.failed('parse');
    throw error;
  }
}
