import type { PauseState } from '../decision/pauseState';
import {
  clearOfTakenMinutes,
  FORECAST_ACTION_PREFIX,
  firstStartMs,
  forecastActionName,
  othersStartMinutes,
  targetOfAction,
} from '../decision/scheduledFloors';
import type { Decision } from '../decision/types';
import type { Policy } from '../policy/schema';
import type { Clock, GroupScheduledAction, Ledger, ScheduledActionsPort } from '../ports';

/** What pruning needs: the policy, the groups, the ledger for the record, and a log. */
export interface PruneDeps {
  readonly policy: Policy;
  readonly groups: ScheduledActionsPort;
  readonly ledger: Pick<Ledger, 'record'>;
  /** The time an action is planned from (a run's start may be minutes past). */
  readonly clock: Clock;
  readonly log: {
    info(message: string, ...extra: Record<string, unknown>[]): void;
    error(message: string, ...extra: Record<string, unknown>[]): void;
  };
}

/**
 * After a predict run over every target, the scheduled actions the policy no longer produces are deleted;
 * while the kill switch pauses the stage, every one of the forecast's (AWS runs them whatever the switch says:
 * a switch set by hand, not by `scalepilot pause`, left up to 48 hours of them to fire), unless it was paused
 * with `keep-schedule`. Not while the switch cannot be read; not for a run asked for some targets only; not for
 * a run that stopped at its deadline (`stopped`: it deferred targets, or has no time left): pruning reads every
 * group's actions in the account, which a run past its margin has no time for, and a timeout would have
 * Lambda retry the whole run. The next hourly run prunes. A failure is the run's failure, reported with its
 * targets' (and so retried, then dead-lettered and alarmed).
 */
export async function pruneAfterRun(
  deps: PruneDeps,
  run: { readonly targets?: readonly string[]; readonly stopped?: boolean },
  killSwitch: PauseState,
  now: Date,
): Promise<{ target: string; error: unknown }[]> {
  if (run.targets || run.stopped || killSwitch.state === 'unknown') return [];
  if (killSwitch.state === 'paused' && killSwitch.keepSchedule) return [];
  try {
    if (killSwitch.state === 'paused')
      await pruneScheduledActions(deps, new Map(), now, pausedReason(killSwitch.value));
    else await pruneScheduledActions(deps, producingGroups(deps.policy), now);
    return [];
  } catch (error) {
    deps.log.error('scheduled actions not pruned', {
      error: error instanceof Error ? { name: error.name, message: error.message } : String(error),
    });
    return [{ target: '(scheduled actions)', error }];
  }
}

/** Why a paused stage's scheduled actions go, as recorded. */
const pausedReason = (value: string) =>
  `the stage is paused (its kill switch reads ${JSON.stringify(value)}; \`scalepilot pause --keep-schedule\` keeps them); the first hourly run after resume places them again`;

/** The targets whose scheduled actions this policy produces, and their groups. */
export function producingGroups(policy: Policy): Map<string, string> {
  const { predictive } = policy;
  if (!predictive.enabled || predictive.mode !== 'forecast-and-scale') return new Map();
  // A plan's members get the plan's floors whether they forecast on their own or not (predictPlans.ts).
  const inPlans = new Set(policy.plans.flatMap((p) => p.members.map((m) => m.target)));
  return new Map(
    policy.targets.flatMap((t) =>
      t.kind === 'asg' && (t.predictive || inPlans.has(t.name)) && !(t.dryRun ?? policy.dryRun)
        ? [[t.name, t.autoScalingGroupName] as const]
        : [],
    ),
  );
}

/** What one run of pruning did or found, per target whose actions were left behind. */
export interface Pruned {
  readonly target: string;
  readonly group: string;
  readonly names: readonly string[];
  readonly deleted: boolean;
  readonly why: string;
}

/**
 * Deletes the scheduled MinSize actions this stack wrote that the current policy no longer produces (issue 20,
 * item 6): a target switched to `forecast-only`, predictive scaling turned off (`enabled: false`, or
 * `predictive: false` on the target), a target removed from the policy, a target now on another group.
 * Before, they stayed in force up to a day, a disabled predictor raising floors all along. The hourly
 * schedule runs whether predictive scaling is on or not, so they go within the hour.
 *
 * Only actions on groups this stack may clean are touched: the policy's own groups, and groups tagged as
 * this stack's (mirrorFloors tags a group before its first action). Another stage's actions, on a group
 * tagged by it, are left alone. A dry run (the policy's, or the target's own) deletes nothing and says what
 * it would delete. Each target's deletion is recorded (`ScheduledActionsRemoved`), with `because` as its
 * reason when given (a paused stage: nothing is produced, every action goes).
 */
export async function pruneScheduledActions(
  deps: PruneDeps,
  producing: ReadonlyMap<string, string>,
  now: Date,
  because?: string,
): Promise<Pruned[]> {
  const { policy, groups } = deps;
  const policyGroups = new Set(
    policy.targets.flatMap((t) => (t.kind === 'asg' ? [t.autoScalingGroupName] : [])),
  );
  const seen = new Map<string, Awaited<ReturnType<ScheduledActionsPort['group']>>>();
  const pruned: Pruned[] = [];
  for (const leftover of await leftoverActions(groups, producing)) {
    const { group } = leftover;
    if (!seen.has(group)) seen.set(group, await groups.group(group));
    const live = seen.get(group);
    // Another stage's, or a group that is neither in the policy nor tagged as ours: not this stack's to clean.
    if (live?.owner === 'other' || (live?.owner === undefined && !policyGroups.has(group))) continue;
    pruned.push(await pruneOne(deps, leftover, live?.minSize, { now, because }));
  }
  return pruned;
}

/** A target's actions on a group that the policy no longer produces there. */
interface Leftover {
  readonly target: string;
  readonly group: string;
  readonly actions: GroupScheduledAction[];
}

async function leftoverActions(
  groups: ScheduledActionsPort,
  producing: ReadonlyMap<string, string>,
): Promise<Leftover[]> {
  const leftovers = new Map<string, Leftover>();
  for (const action of await groups.ownedActions(FORECAST_ACTION_PREFIX)) {
    const target = targetOfAction(action.name);
    if (target === undefined || producing.get(target) === action.group) continue;
    const key = `${target}\u0000${action.group}`;
    const entry = leftovers.get(key) ?? { target, group: action.group, actions: [] };
    entry.actions.push(action);
    leftovers.set(key, entry);
  }
  return [...leftovers.values()];
}

/**
 * Deletes one target's leftover actions on a group and records it. A MinSize an action already raised stays
 * raised once the actions that would have lowered it are gone (AWS keeps no old value to return to): unless
 * the stage is paused (paused is frozen, as `pause` leaves it), one action a minute ahead sets it back to the
 * target's `capacity.min` (its lowest action's MinSize when the group has left the policy).
 */
async function pruneOne(
  deps: PruneDeps,
  { target, group, actions }: Leftover,
  liveMin: number | undefined,
  { now, because }: { readonly now: Date; readonly because: string | undefined },
): Promise<Pruned> {
  const { policy, groups } = deps;
  const names = actions.map((a) => a.name);
  const inPolicy = policy.targets.find((t) => t.name === target);
  const why = because ?? reasonFor(policy, inPolicy, group);
  const dryRun = inPolicy?.dryRun ?? policy.dryRun;
  const planned = because ? undefined : restoredMinSize(deps, { target, group, actions }, liveMin, inPolicy);
  const restore = planned && (await clearOfOthers(groups, target, group, planned));
  if (!dryRun) await groups.replace(group, restore ? [restore] : [], names);
  const back = restore
    ? `; MinSize ${liveMin} ${dryRun ? 'would go' : 'goes'} back to ${restore.minSize} at ${restore.start.toISOString().slice(11, 16)}Z`
    : '';
  const decision: Decision = {
    target,
    kind: 'asg',
    current: 0,
    desired: 0,
    recommendation: 0,
    direction: 'none',
    reason: 'ScheduledActionsRemoved',
    message: `${dryRun ? 'dry run: would delete' : 'deleted'} ${names.length} scheduled MinSize action(s) of ${target} on group ${group}: ${why}${back}`,
    metrics: {},
  };
  await deps.ledger.record(decision, { trigger: 'forecast', applied: !dryRun, dryRun, now });
  deps.log.info('scheduled actions pruned', { target, group, count: names.length, dryRun, why });
  return { target, group, names, deleted: !dryRun, why };
}

/** The action moved off a minute another action of the group starts at (AWS takes one action a start time). */
async function clearOfOthers(
  groups: ScheduledActionsPort,
  target: string,
  group: string,
  action: { name: string; start: Date; minSize: number },
) {
  const taken = othersStartMinutes(await groups.scheduledActions(group));
  return clearOfTakenMinutes(target, [action], taken)[0];
}

/** The action that sets a raised MinSize back, a whole minute at least 60 s ahead (AWS refuses starts past); or none. */
function restoredMinSize(
  deps: PruneDeps,
  { target, group, actions }: Leftover,
  liveMin: number | undefined,
  inPolicy: Policy['targets'][number] | undefined,
): { name: string; start: Date; minSize: number } | undefined {
  const planned = actions.flatMap((a) => (a.minSize === undefined ? [] : [a.minSize]));
  const baseline =
    inPolicy?.kind === 'asg' && inPolicy.autoScalingGroupName === group
      ? inPolicy.capacity.min
      : planned.length > 0
        ? Math.min(...planned)
        : undefined;
  if (baseline === undefined || liveMin === undefined || liveMin <= baseline) return undefined;
  const start = new Date(firstStartMs(deps.clock.now()));
  return { name: forecastActionName(target, start), start, minSize: baseline };
}

function reasonFor(policy: Policy, target: Policy['targets'][number] | undefined, group: string): string {
  if (!target) return 'the target is no longer in the policy';
  if (target.kind !== 'asg' || target.autoScalingGroupName !== group)
    return 'the target no longer scales this group';
  if (!policy.predictive.enabled) return 'predictive scaling is off (predictive.enabled: false)';
  if (!target.predictive) return 'the target has predictive: false';
  if (policy.predictive.mode !== 'forecast-and-scale') return 'predictive scaling is forecast-only';
  return 'the target is dry run';
}
