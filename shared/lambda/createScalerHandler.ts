import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { Decision } from '../decision/types';
import { UnknownAlarmError } from '../errors';
import { type AlarmHint, parseScalingEvent } from '../events/parseScalingEvent';
import { type AlarmDefinition, alarmDefinitions } from '../policy/alarmDefinitions';
import type { Target, TargetKind } from '../policy/schema';
import {
  currentCapacity,
  type EvaluateDeps,
  type Evaluation,
  evaluateTargets,
} from '../usecases/evaluateTargets';

/** Everything a scaler function needs, built once per cold start (or by a test, against the emulator). */
export interface ScalerRuntime extends Omit<EvaluateDeps, 'owner'> {
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

interface AlarmResult {
  readonly requestId: string;
  readonly evaluations: Evaluation[];
}

/**
 * The handler of one resource kind: parse the event, map each alarm to its targets, evaluate.
 * A duplicate alarm delivery (same alarm ARN and state timestamp) is recognised by Powertools idempotency
 * and recorded as a `DuplicateEvent` skip; the schedule re-evaluates everything every minute, so even a
 * delivery dropped here only delays a decision by a minute. An alarm of another account or region changes
 * nothing: it is recorded as a `ForeignAlarm` skip of the target its name maps to (or logged and counted
 * when it maps to none), whatever principal managed to deliver it. An alarm whose state changed more than
 * `MAX_ALARM_EVENT_AGE_SECONDS` ago (or at no time one can read) is recorded as a `StaleEvent` skip.
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
    async (hint: AlarmHint & { requestId: string }): Promise<AlarmResult> => {
      const alarm = alarms.get(hint.alarmName);
      if (!alarm) throw new UnknownAlarmError(hint.alarmName);
      const evaluations = await evaluateTargets(
        { ...runtime, owner: hint.requestId },
        { trigger: 'alarm', targets: [alarm.targetName], alarmName: hint.alarmName },
      );
      return { requestId: hint.requestId, evaluations };
    },
    {
      persistenceStore: runtime.idempotencyStore,
      config: idempotencyConfig,
    },
  );

  return async (event: unknown, context: LambdaContextLike): Promise<Evaluation[]> => {
    idempotencyConfig.registerLambdaContext(
      context as Parameters<IdempotencyConfig['registerLambdaContext']>[0],
    );
    let hints: ReturnType<typeof parseScalingEvent>;
    try {
      hints = parseScalingEvent(event, runtime.region);
      // Unknown alarms of our own account and region are refused before anything is read or written.
      for (const hint of hints) {
        if (hint.trigger === 'alarm' && !isForeign(runtime, hint) && !alarms.has(hint.alarmName))
          throw new UnknownAlarmError(hint.alarmName);
      }
    } catch (error) {
      runtime.log.error('event refused', {
        kind,
        error: error instanceof Error ? { name: error.name, message: error.message } : String(error),
      });
      runtime.decisionMetrics?.failed('parse');
      throw error;
    }

    const results: Evaluation[] = [];
    for (const hint of hints) {
      if (hint.trigger === 'schedule') {
        results.push(
          ...(await evaluateTargets({ ...runtime, owner: context.awsRequestId }, { trigger: 'schedule' })),
        );
        continue;
      }
      if (isForeign(runtime, hint)) {
        results.push(...(await recordForeign(runtime, alarms.get(hint.alarmName), hint)));
        continue;
      }
      const stale = staleness(hint, runtime.clock.now());
      if (stale) {
        results.push(...(await recordStale(runtime, alarms.get(hint.alarmName), hint, stale)));
        continue;
      }
      try {
        const outcome = await evaluateAlarm({ ...hint, requestId: context.awsRequestId });
        if (outcome.requestId === context.awsRequestId) results.push(...outcome.evaluations);
        else
          results.push(
            ...(await recordDuplicates(
              runtime,
              alarms.get(hint.alarmName),
              hint,
              outcome.evaluations.map((e) => e.decision),
            )),
          );
      } catch (error) {
        if (!(error instanceof IdempotencyAlreadyInProgressError)) throw error;
        results.push(...(await recordDuplicates(runtime, alarms.get(hint.alarmName), hint)));
      }
    }
    return results;
  };
}

function isForeign(runtime: ScalerRuntime, hint: AlarmHint): boolean {
  return hint.account !== runtime.account || hint.region !== runtime.region;
}

/** Why an alarm event is too old to act on, or undefined when it is fresh. */
function staleness(hint: AlarmHint, now: Date): string | undefined {
  const changed = Date.parse(hint.stateTimestamp);
  if (Number.isNaN(changed))
    return `its state timestamp "${hint.stateTimestamp}" is not a time, so its age cannot be told`;
  const age = Math.round((now.getTime() - changed) / 1000);
  if (age <= MAX_ALARM_EVENT_AGE_SECONDS) return undefined;
  return `its state changed ${age} s ago, more than the ${MAX_ALARM_EVENT_AGE_SECONDS} s an alarm event is acted on`;
}

/** A stale alarm event: nothing evaluated or changed (the schedule re-reads the metrics every minute). */
async function recordStale(
  runtime: ScalerRuntime,
  alarm: AlarmDefinition | undefined,
  hint: AlarmHint,
  why: string,
): Promise<Evaluation[]> {
  const target = runtime.policy.targets.find((t) => t.name === alarm?.targetName);
  if (!target) return [];
  const current = await currentCapacity(runtime.capacity, target, runtime.clock.now());
  return [
    await recordSkip(
      runtime,
      target,
      hint,
      current,
      'StaleEvent',
      `${hint.alarmName} (${hint.state} at ${hint.stateTimestamp}) not acted on: ${why}; the schedule re-evaluates every minute`,
    ),
  ];
}

/** A duplicate delivery decides nothing, but is recorded as a skip like every other non-action. */
async function recordDuplicates(
  runtime: ScalerRuntime,
  alarm: AlarmDefinition | undefined,
  hint: AlarmHint,
  first?: Decision[],
): Promise<Evaluation[]> {
  const target = runtime.policy.targets.find((t) => t.name === alarm?.targetName);
  if (!target) return [];
  const current =
    first?.[0]?.current ?? (await currentCapacity(runtime.capacity, target, runtime.clock.now()));
  return [
    await recordSkip(
      runtime,
      target,
      hint,
      current,
      'DuplicateEvent',
      `duplicate delivery of ${hint.alarmName} (${hint.state} at ${hint.stateTimestamp}): ${first ? 'already handled' : 'being handled by another invocation'}`,
    ),
  ];
}

/** An alarm of another account or region: nothing is evaluated or changed, but the refusal is on record. */
async function recordForeign(
  runtime: ScalerRuntime,
  alarm: AlarmDefinition | undefined,
  hint: AlarmHint,
): Promise<Evaluation[]> {
  const why = `alarm ${hint.alarmArn} is in account ${hint.account}, region ${hint.region}; this function acts only on alarms of account ${runtime.account}, region ${runtime.region}`;
  const target = runtime.policy.targets.find((t) => t.name === alarm?.targetName);
  if (!target) {
    runtime.log.warn('foreign alarm ignored', { alarmName: hint.alarmName, alarmArn: hint.alarmArn, why });
    runtime.decisionMetrics?.failed('foreign-alarm');
    return [];
  }
  const current = await currentCapacity(runtime.capacity, target, runtime.clock.now());
  return [await recordSkip(runtime, target, hint, current, 'ForeignAlarm', `${why}: ignored`)];
}

/** Records a decision not to evaluate `target` for this alarm, with the target's own dry-run flag. */
async function recordSkip(
  runtime: ScalerRuntime,
  target: Target,
  hint: AlarmHint,
  current: number,
  reason: 'DuplicateEvent' | 'ForeignAlarm' | 'StaleEvent',
  message: string,
): Promise<Evaluation> {
  const dryRun = target.dryRun ?? runtime.policy.dryRun;
  const decision: Decision = {
    target: target.name,
    kind: target.kind as TargetKind,
    current,
    desired: current,
    recommendation: current,
    direction: 'none',
    reason,
    message,
    metrics: {},
  };
  await runtime.ledger.record(decision, {
    trigger: 'alarm',
    alarmName: hint.alarmName,
    applied: false,
    dryRun,
    now: runtime.clock.now(),
  });
  runtime.decisionMetrics?.decided(decision, false);
  runtime.log.info('decision', { ...decision, dryRun });
  return { decision, applied: false, dryRun };
}
