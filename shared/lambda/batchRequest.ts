import { clipped, clippedNames, MalformedEventError } from '../errors';
import type { FanOutBatch } from '../events/parseScalingEvent';
import type { Policy, TargetKind } from '../policy/schema';
import type { EvaluationRequest } from '../usecases/evaluateTargets';
import type { ScalerRuntime } from './createScalerHandler';
import { MAX_BATCH_AGE_SECONDS, staleness } from './eventAge';

/**
 * A fan-out batch must come from this function's own queue (`FANOUT_QUEUE_URL`, the stage's
 * `<service>-<stage>-<function>-fanout`), for its kind, naming its targets. Another queue of the account, even
 * another stage's or another scaler's, is someone else's: its messages are not this scaler's batches.
 */
export function checkBatch(runtime: ScalerRuntime, batch: FanOutBatch): void {
  // arn:<partition>:sqs:<region>:<account>:<queue name>
  const [, , service, region, account, ...name] = batch.queueArn.split(':');
  if (account !== runtime.account || region !== runtime.region)
    throw new MalformedEventError(
      `fan-out batch from ${clipped(batch.queueArn)}: not a queue of account ${runtime.account}, region ${runtime.region}`,
    );
  if (service !== 'sqs' || name.join(':') !== runtime.fanOutQueue)
    throw new MalformedEventError(
      `fan-out batch from ${clipped(batch.queueArn)}: ${runtime.fanOutQueue ? `not this function's fan-out queue ${runtime.fanOutQueue}` : 'this function has no fan-out queue'} (FANOUT_QUEUE_URL)`,
    );
  if (batch.kind !== runtime.kind)
    throw new MalformedEventError(
      `fan-out batch for ${clipped(batch.kind)} targets reached the ${runtime.kind} scaler`,
    );
  const names = new Set(targetNames(runtime.policy, runtime.kind));
  const unknown = batch.targets.filter((t) => !names.has(t));
  if (unknown.length > 0)
    throw new MalformedEventError(
      `fan-out batch ${batch.batch}: ${clippedNames(unknown)} not ${runtime.kind} targets of the policy`,
    );
}

export function batchRequest(runtime: ScalerRuntime, batch: FanOutBatch): EvaluationRequest {
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
