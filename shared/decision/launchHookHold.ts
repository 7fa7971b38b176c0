import type { Target } from '../policy/schema';
import { kindGateName } from './kindGateName';
import type { GateOutcome } from './kindModel';
import type { CapacityState } from './types';

/** Instance ids a message names (the operator's `complete-lifecycle-action` takes one at a time). */
const IDS_NAMED = 3;
/** The gate's name in an explanation (the same whether it held or passed, so the two read alike). */
const GATE = kindGateName('LaunchHeldInHook');

/**
 * Tells a group whose launches wait in a launch lifecycle hook (`Pending:Wait`) longer than its warm-up allows: the
 * hook's consumer is not completing them (a queue consumer down, a bootstrap script failing), and the group stays
 * short until the heartbeat timeout, an hour or two each time. The units stay counted as booting: a scale-out on top
 * would only put more instances in the same hook. Undefined: no instance in Pending:Wait.
 *
 * Each held instance is judged by its own launch (its scaling activity's StartTime): `instanceWarmupSeconds` covers
 * the launch with its hooks and the warm-up (docs/policy.md), so one still in Pending:Wait longer than that after its
 * launch has waited too long, whoever ordered it (a scale-out, an unhealthy instance's replacement, a MinSize raised,
 * someone's desired capacity, an instance refresh: each goes through the same hook). An instance whose launch time
 * is unknown (the activities could not be read, or their newest page names no launch of it) is not judged: the
 * explanation says so, and nothing is told for it.
 */
export function launchHookHold(
  target: Target,
  state: Pick<CapacityState, 'inLaunchHook' | 'unitLabel'>,
  now: Date,
): GateOutcome | undefined {
  const hook = state.inLaunchHook;
  if (target.kind !== 'asg' || hook === undefined) return undefined;
  const warmup = target.instanceWarmupSeconds;
  // The longest waiting first: the message names them, and the operator completes the oldest first.
  const overdue = hook.instances
    .flatMap((held) =>
      held.launchedAt ? [{ held, seconds: (now.getTime() - held.launchedAt.getTime()) / 1000 }] : [],
    )
    .filter(({ seconds }) => seconds > warmup)
    .sort((a, b) => b.seconds - a.seconds);
  const longest = overdue[0];
  if (longest === undefined)
    return { pass: true, note: { gate: GATE, outcome: 'passed', message: untold(hook, warmup) } };
  const group = target.autoScalingGroupName;
  const units = overdue.reduce((sum, { held }) => sum + held.units, 0);
  const ids = overdue.map(({ held }) => held.instanceId);
  const inUnits = state.unitLabel ? `, ${units} ${state.unitLabel}s` : '';
  const count = overdue.length;
  return {
    skip: 'LaunchHeldInHook',
    message:
      `${count} instance${count === 1 ? '' : 's'} of Auto Scaling group "${group}" in Pending:Wait past the ${warmup} s ` +
      `warm-up (${named(ids)}${inUnits}), the longest ${secondsText(longest.seconds)} since its launch: a launch ` +
      `lifecycle hook holds them and its consumer does not complete them; they count as booting until the hook's ` +
      `heartbeat timeout (1 h by default, 2 h at most), then go in service, or are terminated if its DefaultResult is ` +
      `ABANDON. Check the hook's consumer (aws autoscaling describe-lifecycle-hooks --auto-scaling-group-name ` +
      `${group}), or complete the action: aws autoscaling complete-lifecycle-action --auto-scaling-group-name ` +
      `${group} --lifecycle-hook-name <hook> --instance-id ${longest.held.instanceId} --lifecycle-action-result CONTINUE`,
    notify: true,
  };
}

/**
 * Why nothing is told of the group's instances in Pending:Wait, for the explanation: each within the warm-up since
 * its launch, or of no known launch time (and why: the activities' read failed, or their newest page names none).
 */
function untold(hook: NonNullable<CapacityState['inLaunchHook']>, warmup: number): string {
  const unknown = hook.instances.filter((held) => held.launchedAt === undefined).map((h) => h.instanceId);
  const known = hook.instances.length - unknown.length;
  const parts: string[] = [];
  if (known > 0) parts.push(`${known} in Pending:Wait within the ${warmup} s warm-up since launch`);
  if (unknown.length > 0) {
    const why = hook.activitiesUnread
      ? `the group's scaling activities could not be read (${hook.activitiesUnread})`
      : `the group's newest scaling activities name no launch of ${unknown.length === 1 ? 'it' : 'them'}`;
    parts.push(
      `${unknown.length} in Pending:Wait (${named(unknown)}) of unknown launch time, not judged: ${why}; not told`,
    );
  }
  return parts.join('; ');
}

/** The first few ids, and an ellipsis for the rest. */
function named(ids: readonly string[]): string {
  return `${ids.slice(0, IDS_NAMED).join(', ')}${ids.length > IDS_NAMED ? ', …' : ''}`;
}

function secondsText(seconds: number): string {
  return seconds < 120 ? `${Math.round(seconds)} s` : `${Math.round(seconds / 60)} min`;
}
