import type { Target } from '../policy/schema';
import type { GateOutcome } from './kindModel';
import type { CapacityState, ScalingHistory } from './types';
import { movesIn, unitsWarming } from './unitsWarming';

/**
 * The longest a launch waits in a lifecycle hook that no one answers: PutLifecycleHook's HeartbeatTimeout is 30 to
 * 7200 s (3600 by default), and when it runs out AWS takes the hook's DefaultResult (EC2 Auto Scaling user guide,
 * "Amazon EC2 Auto Scaling lifecycle hooks"). Only a consumer that records heartbeats holds one longer, on purpose.
 */
export const HOOK_TIMEOUT_MAX_SECONDS = 7200;
/** Instance ids a message names (the operator's `complete-lifecycle-action` takes one at a time). */
const IDS_NAMED = 3;

/**
 * Tells a group whose launches wait in a launch lifecycle hook (`Pending:Wait`) longer than its warm-up allows: the
 * hook's consumer is not completing them (a queue consumer down, a bootstrap script failing), and the group stays
 * short until the heartbeat timeout, an hour or two each time. The units stay counted as booting: a scale-out on top
 * would only put more instances in the same hook. Undefined: nothing to tell.
 *
 * DescribeAutoScalingGroups gives no instance's launch time, so the rule reads what the scaler already knows, its own
 * scale-outs: `instanceWarmupSeconds` counts from the scale-out's decision and covers the launch with its hooks
 * (docs/policy.md), so a unit ordered that long ago should be past its hook. Units in `Pending:Wait` beyond those
 * ordered within the warm-up (`unitsWarming`), with a scale-out of Scalepilot's between the warm-up and the hook's
 * longest timeout ago to have ordered them, have waited too long. A launch Scalepilot did not order (an unhealthy
 * instance's replacement, a spot rebalance, a MinSize raised) has no time the scaler knows: it is judged as one of
 * that scale-out's, so one that passes its hook normally within two hours of a scale-out is told too; none is told
 * beyond them. An instance refresh's launches are not judged at all (they go through the hook too, at the refresh's
 * pace), so a group known to be refreshing is not told: a first look reads no refreshes, so it takes the lease to
 * tell and the read made under it drops the notice (a lease a minute while a refresh runs beside held launches, the
 * price of no false notice at each deploy).
 */
export function launchHookHold(
  target: Target,
  state: Pick<CapacityState, 'inLaunchHook' | 'instanceRefresh' | 'unitLabel'>,
  history: ScalingHistory,
  now: Date,
): GateOutcome | undefined {
  const held = state.inLaunchHook;
  if (target.kind !== 'asg' || held === undefined || state.instanceRefresh !== undefined) return undefined;
  const warmup = target.instanceWarmupSeconds;
  if (held.units <= unitsWarming(history.changes, warmup, now)) return undefined;
  const overrun = overrunScaleOut(history, warmup, now);
  if (overrun === undefined) return undefined;
  const group = target.autoScalingGroupName;
  const { instances, units, instanceIds } = held;
  const named = `${instanceIds.slice(0, IDS_NAMED).join(', ')}${instances > IDS_NAMED ? ', …' : ''}`;
  const inUnits = state.unitLabel ? `, ${units} ${state.unitLabel}s` : '';
  return {
    skip: 'LaunchHeldInHook',
    message:
      `${instances} instance${instances === 1 ? '' : 's'} of Auto Scaling group "${group}" in Pending:Wait (${named}${inUnits}) ` +
      `${secondsText(overrun)} after Scalepilot's scale-out, past its ${warmup} s warm-up: a launch lifecycle hook holds ` +
      `them and its consumer does not complete them; they count as booting until the hook's heartbeat timeout (1 h by ` +
      `default, 2 h at most), then go in service, or are terminated if its DefaultResult is ABANDON. Check the hook's ` +
      `consumer (aws autoscaling describe-lifecycle-hooks --auto-scaling-group-name ${group}), or complete the action: ` +
      `aws autoscaling complete-lifecycle-action --auto-scaling-group-name ${group} --lifecycle-hook-name <hook> ` +
      `--instance-id ${instanceIds[0] ?? '<instance>'} --lifecycle-action-result CONTINUE`,
    notify: true,
  };
}

/**
 * Seconds since the latest scale-out of Scalepilot's whose units should be past their hook by now (at least the
 * warm-up ago) and could still be in it (at most the hook's longest timeout ago); undefined when none is.
 */
function overrunScaleOut(history: ScalingHistory, warmupSeconds: number, now: Date): number | undefined {
  const times = history.changes.filter((c) => movesIn(c, 'out')).map((c) => c.at);
  if (history.lastScaleOutAt) times.push(history.lastScaleOutAt);
  const ages = times
    .map((at) => (now.getTime() - at.getTime()) / 1000)
    .filter((age) => age >= warmupSeconds && age <= HOOK_TIMEOUT_MAX_SECONDS);
  return ages.length > 0 ? Math.min(...ages) : undefined;
}

function secondsText(seconds: number): string {
  return seconds < 120 ? `${Math.round(seconds)} s` : `${Math.round(seconds / 60)} min`;
}
