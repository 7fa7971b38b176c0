import { clipped, clippedNames, MalformedEventError } from '../errors';
import type { FanOutBatch } from '../events/parseScalingEvent';
import { policyName } from '../policy/policyName';
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
  // A name no target of the policy could have (a wildcard, a space) is no batch of this function's. One that could
  // is a target a redeploy removed after the batch was sent: the batch is this function's, its name is stale.
  const names = targetNames(runtime.policy, runtime.kind);
  const unknown = batch.targets.filter((t) => !names.has(t) && !policyName.safeParse(t).success);
  if (unknown.length > 0)
    throw new MalformedEventError(
      `fan-out batch ${batch.batch}: ${clippedNames(unknown)} not ${runtime.kind} targets of the policy`,
    );
}

/**
 * A fan-out batch's run: its targets that are still the policy's (a batch sent before a redeploy that removed a
 * target names it: left out and logged, the others evaluated; refused, it went round its queue's five receives
 * into the dead-letter queue, its other targets unevaluated), or nothing but records when it is stale.
 */
export function batchRequest(runtime: ScalerRuntime, batch: FanOutBatch): EvaluationRequest {
  const names = targetNames(runtime.policy, runtime.kind);
  const gone = batch.targets.filter((t) => !names.has(t));
  if (gone.length > 0)
    runtime.log.warn('fan-out batch names targets no longer in the policy: left out', {
      batch: batch.batch,
      targets: gone,
    });
  const targets = batch.targets.filter((t) => names.has(t));
  const stale = staleness(batch.at, runtime.clock.now(), MAX_BATCH_AGE_SECONDS, 'a fan-out batch');
  if (!stale) return { trigger: 'schedule', targets, batch: batch.batch };
  return {
    trigger: 'schedule',
    targets,
    skip: {
      reason: 'StaleEvent',
      message: `fan-out batch ${batch.batch} of ${batch.at} not evaluated: ${stale}; a newer tick covers these targets`,
    },
  };
}

/** A policy's target names of a kind: a function instance keeps one policy, so each batch reads the same set. */
const namesByPolicy = new WeakMap<Policy, Map<TargetKind, ReadonlySet<string>>>();

function targetNames(policy: Policy, kind: TargetKind): ReadonlySet<string> {
  const byKind = namesByPolicy.get(policy) ?? new Map<TargetKind, ReadonlySet<string>>();
  namesByPolicy.set(policy, byKind);
  const names = byKind.get(kind) ?? new Set(policy.targets.filter((t) => t.kind === kind).map((t) => t.name));
  byKind.set(kind, names);
  return names;
}
