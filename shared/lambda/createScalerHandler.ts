import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import { MalformedEventError, UnknownAlarmError } from '../errors';
import { type AlarmHint, type FanOutBatch, parseScalingEvent } from '../events/parseScalingEvent';
import { alarmDefinitions } from '../policy/alarmDefinitions';
import type { Policy, TargetKind } from '../policy/schema';
import {
  type EvaluateDeps,
  type Evaluation,
  type EvaluationRequest,
  evaluateTargets,
} from '../usecases/evaluateTargets';

/** Everything a scaler function needs, built once per cold start (or by a test, against the emulator). */
export interface ScalerRuntime extends Omit<EvaluateDeps, 'owner' | 'deadline'> {
  readonly stage: string;
  /** The function's own account and region: alarms of any other are ignored, with a recorded reason. */
  readonly account: string;
  readonly region: string;
  /** Where Powertools idempotency keeps its records: the ledger table. */
  readonly idempotencyStore: BasePersistenceLayer;
}

/** The part of the Lambda context the handler uses. */
export interface LambdaContextLike {
  readonly awsRequestId: string;
  getRemainingTimeInMillis(): number;
}

/**
 * The oldest alarm event a scaler acts on: the functions' `maximumEventAge` in serverless.yml (a test holds
 * the two equal). Lambda drops older async events itself, but a redelivery through SNS or a message
 * re-driven from the dead-letter queue arrives with its old state timestamp, after Powertools' one-hour
 * idempotency record has expired: the alarm it reports may have cleared hours ago.
 */
export const MAX_ALARM_EVENT_AGE_SECONDS = 300;

/** The oldest fan-out batch a scaler evaluates: a newer tick has handed out the same targets since. */
export const MAX_BATCH_AGE_SECONDS = 120;

interface AlarmResult {
  readonly requestId: string;
  readonly evaluations: Evaluation[];
}

/**
 * The handler of one resource kind: parse the event, say what each part of it asks for, and delegate to
 * the use case, which records every outcome (decisions and skips alike). A duplicate alarm delivery (same
 * alarm ARN and state timestamp, recognised by Powertools idempotency) is a `DuplicateEvent` skip; an
 * alarm of another account or region a `ForeignAlarm` skip (logged and counted when it maps to no target);
 * an alarm event older than `MAX_ALARM_EVENT_AGE_SECONDS`, or a fan-out batch older than
 * `MAX_BATCH_AGE_SECONDS`, a `StaleEvent` skip. Scheduled runs and fan-out batches run against the
 * function's remaining time (`context.getRemainingTimeInMillis()`).
 */
export function createScalerHandler(runtime: ScalerRuntime) {
  const { policy, kind, stage } = runtime;
  const alarms = new Map(
    alarmDefinitions(policy, stage)
      .filter((a) => a.kind === kind)
      .map((a) => [a.alarmName, a]),
  );
  const idempotencyConfig = new IdempotencyConfig({
    eventKeyJmesPath: '[alarmArn, stateTimestamp]',
    throwOnNoIdempotencyKey: true,
    expiresAfterSeconds: 3600,
  });
  const evaluateAlarm = makeIdempotent(
    async (hint: AlarmHint & { requestId: string; targetName: string }): Promise<AlarmResult> => ({
      requestId: hint.requestId,
      evaluations: await evaluateTargets(
        { ...runtime, owner: hint.requestId },
        { trigger: 'alarm', targets: [hint.targetName], alarmName: hint.alarmName },
      ),
    }),
    { persistenceStore: runtime.idempotencyStore, config: idempotencyConfig },
  );

  const alarmRequest = async (
    hint: AlarmHint,
    requestId: string,
  ): Promise<EvaluationRequest | Evaluation[]> => {
    const target = alarms.get(hint.alarmName)?.targetName;
    const skip = (
      reason: 'ForeignAlarm' | 'StaleEvent' | 'DuplicateEvent',
      message: string,
      current?: number,
    ) =>
      target
        ? ({
            trigger: 'alarm',
            targets: [target],
            alarmName: hint.alarmName,
            skip: { reason, message, ...(current === undefined ? {} : { current }) },
          } as const)
        : [];
    if (isForeign(runtime, hint)) {
      const why = `alarm ${hint.alarmArn} is in account ${hint.account}, region ${hint.region}; this function acts only on alarms of account ${runtime.account}, region ${runtime.region}`;
      if (!target) {
        runtime.log.warn('foreign alarm ignored', {
          alarmName: hint.alarmName,
          alarmArn: hint.alarmArn,
          why,
        });
        runtime.decisionMetrics?.failed('foreign-alarm');
      }
      return skip('ForeignAlarm', `${why}: ignored`);
    }
    const stale = staleness(
      hint.stateTimestamp,
      runtime.clock.now(),
      MAX_ALARM_EVENT_AGE_SECONDS,
      'an alarm event',
    );
    if (stale)
      return skip(
        'StaleEvent',
        `${hint.alarmName} (${hint.state} at ${hint.stateTimestamp}) not acted on: ${stale}; the schedule re-evaluates every minute`,
      );
    const duplicate = `duplicate delivery of ${hint.alarmName} (${hint.state} at ${hint.stateTimestamp})`;
    try {
      const outcome = await evaluateAlarm({ ...hint, requestId, targetName: target as string });
      if (outcome.requestId === requestId) return outcome.evaluations;
      return skip(
        'DuplicateEvent',
        `${duplicate}: already handled`,
        outcome.evaluations[0]?.decision.current,
      );
    } catch (error) {
      if (!(error instanceof IdempotencyAlreadyInProgressError)) throw error;
      return skip('DuplicateEvent', `${duplicate}: being handled by another invocation`);
    }
  };

  return async (event: unknown, context: LambdaContextLike): Promise<Evaluation[]> => {
    idempotencyConfig.registerLambdaContext(
      context as Parameters<IdempotencyConfig['registerLambdaContext']>[0],
    );
    const hints = refusingBadEvents(runtime, () => {
      const parsed = parseScalingEvent(event, runtime.region);
      for (const hint of parsed) {
        // Unknown alarms of our own account and region are refused before anything is read or written.
        if (hint.trigger === 'alarm' && !isForeign(runtime, hint) && !alarms.has(hint.alarmName))
          throw new UnknownAlarmError(hint.alarmName);
        if (hint.trigger === 'batch') checkBatch(runtime, hint);
      }
      return parsed;
    });
    const deps = { ...runtime, owner: context.awsRequestId };
    const withDeadline = { ...deps, deadline: { remainingMs: () => context.getRemainingTimeInMillis() } };
    const results: Evaluation[] = [];
    for (const hint of hints) {
      if (hint.trigger === 'schedule') {
        results.push(...(await evaluateTargets(withDeadline, { trigger: 'schedule' })));
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

/** A fan-out batch must come from this function's own queue, for its kind, naming its targets. */
function checkBatch(runtime: ScalerRuntime, batch: FanOutBatch): void {
  const [, , , region, account] = batch.queueArn.split(':');
  if (account !== runtime.account || region !== runtime.region)
    throw new MalformedEventError(
      `fan-out batch from ${batch.queueArn}: not a queue of account ${runtime.account}, region ${runtime.region}`,
    );
  if (batch.kind !== runtime.kind)
    throw new MalformedEventError(
      `fan-out batch for ${batch.kind} targets reached the ${runtime.kind} scaler`,
    );
  const names = new Set(targetNames(runtime.policy, runtime.kind));
  const unknown = batch.targets.filter((t) => !names.has(t));
  if (unknown.length > 0)
    throw new MalformedEventError(
      `fan-out batch ${batch.batch}: ${unknown.map((t) => `"${t}"`).join(', ')} not ${runtime.kind} targets of the policy`,
    );
}

function batchRequest(runtime: ScalerRuntime, batch: FanOutBatch): EvaluationRequest {
  const stale = staleness(batch.at, runtime.clock.now(), MAX_BATCH_AGE_SECONDS, 'a fan-out batch');
  if (!stale) return { trigger: 'schedule', targets: batch.targets, batch: batch.batch };
  return {
    trigger: 'schedule',
    targets: batch.targets,
    skip: {
      reason: 'StaleEvent',
      message: `fan-out batch ${batch.batch} of ${batch.at} not evaluated: ${stale}; a newer tick covers these targets`,
    },
  };
}

function targetNames(policy: Policy, kind: TargetKind): string[] {
  return policy.targets.filter((t) => t.kind === kind).map((t) => t.name);
}

function isForeign(runtime: ScalerRuntime, hint: AlarmHint): boolean {
  return hint.account !== runtime.account || hint.region !== runtime.region;
}

/** Why an event is too old to act on, or undefined when it is fresh. */
function staleness(timestamp: string, now: Date, maxAgeSeconds: number, what: string): string | undefined {
  const changed = Date.parse(timestamp);
  if (Number.isNaN(changed))
    return `its state timestamp "${timestamp}" is not a time, so its age cannot be told`;
  const age = Math.round((now.getTime() - changed) / 1000);
  if (age <= maxAgeSeconds) return undefined;
  return `its state changed ${age} s ago, more than the ${maxAgeSeconds} s ${what} is acted on`;
}
