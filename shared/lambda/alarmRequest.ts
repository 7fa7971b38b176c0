import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import type { AlarmHint } from '../events/parseScalingEvent';
import type { AlarmDefinition } from '../policy/alarmDefinitions';
import { type Evaluation, type EvaluationRequest, evaluateTargets } from '../usecases/evaluateTargets';
import type { ScalerRuntime } from './createScalerHandler';
import { MAX_ALARM_EVENT_AGE_SECONDS, staleness } from './eventAge';

interface AlarmResult {
  readonly requestId: string;
  readonly evaluations: Evaluation[];
}

/**
 * What an alarm event asks of the use case: its target's evaluation, or a skip the use case records. An
 * alarm of another account or region is a `ForeignAlarm` skip (logged and counted when it maps to no
 * target); one older than `MAX_ALARM_EVENT_AGE_SECONDS` a `StaleEvent` skip; a duplicate delivery (same
 * alarm ARN and state timestamp, recognised by Powertools idempotency) a `DuplicateEvent` skip. The
 * Powertools config is returned so the handler can register each invocation's context with it.
 */
export function alarmRequests(runtime: ScalerRuntime, alarms: ReadonlyMap<string, AlarmDefinition>) {
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
    const skip = (reason: SkipReason, message: string, current?: number) =>
      skipRequest(hint, target, reason, message, current);
    const early = foreignOrStale(runtime, hint, target);
    if (early) return skip(early.reason, early.message);
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

  return { idempotencyConfig, alarmRequest };
}

type SkipReason = 'ForeignAlarm' | 'StaleEvent' | 'DuplicateEvent';

/** The skip the use case records for the alarm's target (none when the alarm maps to no target). */
function skipRequest(
  hint: AlarmHint,
  target: string | undefined,
  reason: SkipReason,
  message: string,
  current?: number,
): EvaluationRequest | Evaluation[] {
  if (!target) return [];
  const skip = { reason, message, ...(current === undefined ? {} : { current }) };
  return { trigger: 'alarm', targets: [target], alarmName: hint.alarmName, skip };
}

/**
 * Why the alarm is not acted on before anything is read: another account's or region's (logged and counted
 * when it maps to no target of ours), or too old. Undefined: go on.
 */
function foreignOrStale(
  runtime: ScalerRuntime,
  hint: AlarmHint,
  target: string | undefined,
): { reason: SkipReason; message: string } | undefined {
  if (isForeign(runtime, hint)) {
    const why = `alarm ${hint.alarmArn} is in account ${hint.account}, region ${hint.region}; this function acts only on alarms of account ${runtime.account}, region ${runtime.region}`;
    if (!target) {
      runtime.log.warn('foreign alarm ignored', { alarmName: hint.alarmName, alarmArn: hint.alarmArn, why });
      runtime.decisionMetrics?.failed('foreign-alarm');
    }
    return { reason: 'ForeignAlarm', message: `${why}: ignored` };
  }
  const stale = staleness(
    hint.stateTimestamp,
    runtime.clock.now(),
    MAX_ALARM_EVENT_AGE_SECONDS,
    'an alarm event',
  );
  if (!stale) return undefined;
  return {
    reason: 'StaleEvent',
    message: `${hint.alarmName} (${hint.state} at ${hint.stateTimestamp}) not acted on: ${stale}; the schedule re-evaluates every minute`,
  };
}

export function isForeign(runtime: ScalerRuntime, hint: AlarmHint): boolean {
  return hint.account !== runtime.account || hint.region !== runtime.region;
}
