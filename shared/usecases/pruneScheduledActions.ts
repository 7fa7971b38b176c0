import type { PauseState } from '../decision/pauseState';
import {
  clearOfTakenMinutes,
  FORECAST_ACTION_PREFIX,
  heldSetBack,
  isHeldSetBack,
  othersStartMinutes,
  type ScheduledMinSize,
  setBack,
  targetOfAction,
} from '../decision/scheduledFloors';
import type { Decision, ReasonCode } from '../decision/types';
import { predictiveGroups } from '../policy/predictiveGroups';
import type { Policy } from '../policy/schema';
import type { Clock, GroupScheduledAction, Ledger, ScheduledActionsPort } from '../ports';
import { PREDICT_DEADLINE_MARGIN_MS, predictOutOfTime } from './deferPredictions';
import type { LogSink } from './evaluate/types';

/** What pruning needs: the policy, the groups, the ledger for the record, a log, and the run's deadline. */
export interface PruneDeps {
  readonly policy: Policy;
  readonly groups: ScheduledActionsPort;
  readonly ledger: Pick<Ledger, 'record' | 'recordMany'>;
  /** The time an action is planned from (a run's start may be minutes past). */
  readonly clock: Clock;
  readonly log: LogSink;
  /** The run's remaining time (the Lambda context's); absent (tests, the CLI), pruning takes what it needs. */
  readonly deadline?: { remainingMs(): number };
}

/** What a run prunes by its kill switch: what the policy no longer produces, all of the forecast's, or nothing. */
export type PruneMode = 'leftovers' | 'all' | 'none';

/** Running: the leftovers; paused: every action of the forecast's, unless with keep-schedule; unreadable: none. */
export function pruneMode(killSwitch: PauseState): PruneMode {
  if (killSwitch.state === 'unknown') return 'none';
  if (killSwitch.state === 'paused') return killSwitch.keepSchedule ? 'none' : 'all';
  return 'leftovers';
}

/** The share of a run's time (past its deadline margin) its pruning may take before its targets; they keep the rest. */
export const PRUNE_SHARE = 0.5;

/**
 * A predict run over every target prunes first, before its targets take its time: the scheduled actions the
 * policy no longer produces are deleted. The policy alone says which (producingGroups), so the run prunes
 * whichever targets it then reaches or defers, and a deferred target that is still predictive keeps its
 * actions (it is among the producing ones). While the kill switch pauses the stage, every one of the
 * forecast's goes (AWS runs them whatever the switch says: a switch set by hand, not by `scalepilot pause`,
 * left up to 48 hours of them to fire), unless it was paused with `keep-schedule`. Not while the switch cannot
 * be read; not for a run asked for some targets only. Pruning is AWS calls, so against a deadline it starts
 * none within PREDICT_DEADLINE_MARGIN_MS of it and, before a running stage's targets (`beforeTargets`), takes
 * at most PRUNE_SHARE of the time past that margin (a paused run's targets write nothing: it may take it all);
 * what it had no time for is recorded `Deferred`, and the next hourly run deletes it. A failure is the run's
 * failure, reported with its targets' (and so retried, then dead-lettered and alarmed).
 */
export async function pruneForRun(
  deps: PruneDeps,
  run: { readonly targets?: readonly string[]; readonly beforeTargets?: boolean },
  killSwitch: PauseState,
  now: Date,
): Promise<{ target: string; error: unknown }[]> {
  const mode = pruneMode(killSwitch);
  if (run.targets || mode === 'none') return [];
  const keepMs = run.beforeTargets && mode === 'leftovers' ? targetsShare(deps) : 0;
  const outOfTime = () => predictOutOfTime(deps, keepMs);
  try {
    if (killSwitch.state === 'paused')
      await pruneScheduledActions(deps, new Map(), now, {
        because: pausedReason(killSwitch.value),
        outOfTime,
      });
    else await pruneScheduledActions(deps, producingGroups(deps.policy), now, { outOfTime });
    return [];
  } catch (error) {
    deps.log.error('scheduled actions not pruned', {
      error: error instanceof Error ? { name: error.name, message: error.message } : String(error),
    });
    return [{ target: '(scheduled actions)', error }];
  }
}

/** The time the targets keep from a pruning before them: what PRUNE_SHARE leaves of the run's past its margin. */
function targetsShare(deps: Pick<PruneDeps, 'deadline'>): number {
  if (!deps.deadline) return 0;
  return Math.max(0, deps.deadline.remainingMs() - PREDICT_DEADLINE_MARGIN_MS) * (1 - PRUNE_SHARE);
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
 * reason when given (a paused stage: nothing is produced, every action goes). Once `outOfTime` says so, it
 * starts no more AWS calls (the listing stops at its next page): the targets left are recorded `Deferred`.
 */
export async function pruneScheduledActions(
  deps: PruneDeps,
  producing: ReadonlyMap<string, string>,
  now: Date,
  options: { readonly because?: string; readonly outOfTime?: () => boolean } = {},
): Promise<Pruned[]> {
  const { because, outOfTime = () => false } = options;
  const { policy, groups } = deps;
  if (outOfTime()) {
    deps.log.warn('scheduled actions not pruned: the run is near its deadline; the next run prunes');
    return [];
  }
  const policyGroups = new Set(
    policy.targets.flatMap((t) => (t.kind === 'asg' ? [t.autoScalingGroupName] : [])),
  );
  // Another stage's, or a group that is neither in the policy nor tagged as ours: not this stack's to clean.
  const mayClean = (group: string, live: GroupState | undefined) =>
    !(live?.owner === 'other' || (live?.owner === undefined && !policyGroups.has(group)));
  const seen = new Map<string, GroupState>();
  const pruned: Pruned[] = [];
  const leftovers = await leftoverActions(groups, producing, outOfTime);
  // Out of time once listed, the listing may have stopped short of the last page: nothing more is started.
  const cut = outOfTime();
  let next = 0;
  for (; next < leftovers.length && !outOfTime(); next += 1) {
    const leftover = leftovers[next] as Leftover;
    const { group } = leftover;
    if (!seen.has(group)) seen.set(group, await groups.group(group));
    const live = seen.get(group);
    if (!mayClean(group, live)) continue;
    const done = !mayWriteActions(policy, group, live)
      ? await leaveOne(deps, leftover, live, now)
      : because
        ? await holdOne(deps, leftover, live, { now, because })
        : await pruneOne(deps, leftover, live, now);
    if (done) pruned.push(done);
  }
  // Unchecked, a group counts as ours when it is the policy's: recorded `Deferred` under another stage's
  // target name, a record would tell of actions this stack will never delete.
  const ours = (group: string) =>
    seen.has(group) ? mayClean(group, seen.get(group)) : policyGroups.has(group);
  if (cut || next < leftovers.length) await deferPruning(deps, leftovers.slice(next), ours, { now, because });
  return pruned;
}

type GroupState = Awaited<ReturnType<ScheduledActionsPort['group']>>;

/** A target's actions on a group that the policy no longer produces there. */
export interface Leftover {
  readonly target: string;
  readonly group: string;
  readonly actions: GroupScheduledAction[];
}

async function leftoverActions(
  groups: ScheduledActionsPort,
  producing: ReadonlyMap<string, string>,
  outOfTime: () => boolean,
): Promise<Leftover[]> {
  const leftovers = new Map<string, Leftover>();
  for (const action of await groups.ownedActions(FORECAST_ACTION_PREFIX, outOfTime)) {
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
 * raised once the actions that would have lowered it are gone (AWS keeps no old value to return to): one action
 * a minute ahead sets it back to the target's `capacity.min` (its lowest action's MinSize when the group has
 * left the policy). A set-back a pause held (holdOne) is such a leftover: after `resume` it is brought forward
 * so, also in dry run (a dry run leaves the stack's earlier actions to fire at their times, and the pause had
 * only held this one; it deletes nothing else).
 */
async function pruneOne(
  deps: PruneDeps,
  { target, group, actions }: Leftover,
  live: GroupState | undefined,
  now: Date,
): Promise<Pruned> {
  const { policy, groups } = deps;
  const names = actions.map((a) => a.name);
  const inPolicy = policy.targets.find((t) => t.name === target);
  const why = reasonFor(policy, inPolicy, group);
  const dryRun = inPolicy?.dryRun ?? policy.dryRun;
  const liveMin = live?.minSize;
  const at = deps.clock.now();
  const held = actions.filter((a) => isHeldSetBack(a, at)).map((a) => a.name);
  const released = dryRun && held.length > 0;
  const planned = restoredMinSize(deps, { target, group, actions }, liveMin, inPolicy);
  const restore = planned && (!dryRun || released) && (await clearOfOthers(groups, target, group, planned));
  if (!dryRun || released) await groups.replace(group, restore ? [restore] : [], dryRun ? held : names);
  const back = planned
    ? `; MinSize ${liveMin} ${restore ? 'goes' : 'would go'} back to ${(restore || planned).minSize} at ${(restore || planned).start.toISOString().slice(11, 16)}Z`
    : '';
  const others = names.length - held.length;
  const what = !dryRun
    ? `deleted ${names.length} scheduled MinSize action(s) of ${target} on group ${group}: ${why}`
    : released
      ? `dry run: brought forward the set-back a pause held for ${target} on group ${group} (${why}; a dry run leaves the stack's earlier actions to fire, and the pause had only held this one)${others > 0 ? `; would delete the ${others} other scheduled MinSize action(s)` : ''}`
      : `dry run: would delete ${names.length} scheduled MinSize action(s) of ${target} on group ${group}: ${why}`;
  const decision = pruneDecision(target, 'ScheduledActionsRemoved', `${what}${back}`);
  await deps.ledger.record(decision, { trigger: 'forecast', applied: !dryRun || released, dryRun, now });
  deps.log.info('scheduled actions pruned', { target, group, count: names.length, dryRun, released, why });
  return { target, group, names, deleted: !dryRun, why };
}

/**
 * Paused: a target's forecast actions on a group go (AWS runs them whatever the switch says), and a MinSize they
 * already raised stays where it is (paused is frozen). AWS keeps no old MinSize, and the set-back among the
 * deleted actions was the only way back: so it is held, one action HELD_SETBACK_DAYS ahead that sets MinSize to
 * the target's `capacity.min` and does not fire while paused. The first run after `resume` finds it and brings it
 * forward (pruneOne) when the target no longer produces, or the target's new schedule replaces it (mirrorFloors).
 * Putting it changes no capacity: it fires a year on, and lowering MinSize never lowers desired. A group already
 * as a pause leaves it (the held set-back alone) is left as it is: no call, no record. Dry run: nothing written.
 */
async function holdOne(
  deps: PruneDeps,
  leftover: Leftover,
  live: GroupState | undefined,
  { now, because }: { readonly now: Date; readonly because: string },
): Promise<Pruned | undefined> {
  const { policy, groups } = deps;
  const { target, group } = leftover;
  const inPolicy = policy.targets.find((t) => t.name === target);
  const dryRun = inPolicy?.dryRun ?? policy.dryRun;
  const plan = await planHold(
    groups,
    leftover,
    live?.minSize,
    baselineOf(leftover, inPolicy),
    deps.clock.now(),
  );
  if (!plan) return undefined;
  const { names, hold } = plan;
  if (!dryRun) await groups.replace(group, hold ? [hold] : [], names);
  const held = hold
    ? `; MinSize ${live?.minSize} stays while paused; its set-back to ${hold.minSize} is held at ${hold.start.toISOString().slice(0, 16)}Z, and the first run after resume brings it forward`
    : '';
  const decision = pruneDecision(
    target,
    'ScheduledActionsRemoved',
    `${dryRun ? 'dry run: would delete' : 'deleted'} ${names.length} scheduled MinSize action(s) of ${target} on group ${group}: ${because}${held}`,
  );
  await deps.ledger.record(decision, { trigger: 'forecast', applied: !dryRun, dryRun, now });
  deps.log.info('scheduled actions pruned', { target, group, count: names.length, dryRun, why: because });
  return { target, group, names, deleted: !dryRun, why: because };
}

/**
 * What a pause does with one target's forecast actions on a group: the names to delete, and the set-back to hold
 * when MinSize stands above `baseline` (none to put when the one held already is as wanted); undefined when the
 * group is already as a pause leaves it. `scalepilot pause` (bin/lib/pauseSchedule.ts) and a paused run share it.
 */
export async function planHold(
  groups: Pick<ScheduledActionsPort, 'scheduledActions'>,
  { target, group, actions }: Leftover,
  liveMin: number | undefined,
  baseline: number | undefined,
  now: Date,
): Promise<{ names: string[]; hold?: ScheduledMinSize } | undefined> {
  const raised = baseline !== undefined && liveMin !== undefined && liveMin > baseline;
  const kept = raised ? actions.find((a) => isHeldSetBack(a, now) && a.minSize === baseline) : undefined;
  const names = actions.filter((a) => a !== kept).map((a) => a.name);
  if (names.length === 0) return undefined;
  if (!raised || kept) return { names };
  const hold = await clearOfOthers(groups, target, group, heldSetBack(target, now, baseline));
  return hold ? { names, hold } : { names };
}

/**
 * The leftovers a run had no time for: those on a group known to be this stack's are recorded `Deferred` (one
 * batch, no AWS call), the rest only counted in the log. They fire at their times until the next run deletes
 * them (or until the last of them: 48 hours ahead at most).
 */
async function deferPruning(
  deps: PruneDeps,
  leftovers: readonly Leftover[],
  ours: (group: string) => boolean,
  { now, because }: { readonly now: Date; readonly because: string | undefined },
): Promise<void> {
  const { policy } = deps;
  const recorded = leftovers.filter((l) => ours(l.group));
  deps.log.warn('scheduled actions not pruned: the run is near its deadline; the next run prunes', {
    deferred: recorded.length,
    unchecked: leftovers.length - recorded.length,
  });
  if (recorded.length === 0) return;
  await deps.ledger.recordMany(
    recorded.map(({ target, group, actions }) => {
      const inPolicy = policy.targets.find((t) => t.name === target);
      const why = because ?? reasonFor(policy, inPolicy, group);
      const dryRun = inPolicy?.dryRun ?? policy.dryRun;
      const message = `${dryRun ? 'dry run: ' : ''}not deleted yet: ${actions.length} scheduled MinSize action(s) of ${target} on group ${group} (${why}); the run had no time left for them, they fire at their times until the next run deletes them`;
      return {
        decision: pruneDecision(target, 'Deferred', message),
        context: { trigger: 'forecast', applied: false, dryRun, now },
      };
    }),
  );
}

/** A pruning's record: no capacity changed by it (`direction: none`); the message says what and why. */
function pruneDecision(target: string, reason: ReasonCode, message: string): Decision {
  return {
    target,
    kind: 'asg',
    current: 0,
    desired: 0,
    recommendation: 0,
    direction: 'none',
    reason,
    message,
    metrics: {},
  };
}

/** The action moved off a minute another action of the group starts at (AWS takes one action a start time). */
async function clearOfOthers(
  groups: Pick<ScheduledActionsPort, 'scheduledActions'>,
  target: string,
  group: string,
  action: { name: string; start: Date; minSize: number },
) {
  const taken = othersStartMinutes(await groups.scheduledActions(group), target);
  return clearOfTakenMinutes(target, [action], taken)[0];
}

/** The action that sets a raised MinSize back, a whole minute at least 60 s ahead (AWS refuses starts past); or none. */
function restoredMinSize(
  deps: PruneDeps,
  leftover: Leftover,
  liveMin: number | undefined,
  inPolicy: Policy['targets'][number] | undefined,
): { name: string; start: Date; minSize: number } | undefined {
  return setBack(leftover.target, liveMin, baselineOf(leftover, inPolicy), deps.clock.now());
}

/**
 * The MinSize a target's actions on a group return to: the target's `capacity.min` while it scales that group,
 * else the lowest its actions planned (a schedule ends at its baseline; a held set-back is the baseline alone).
 */
export function baselineOf(
  { group, actions }: Pick<Leftover, 'group' | 'actions'>,
  inPolicy: Policy['targets'][number] | undefined,
): number | undefined {
  if (inPolicy?.kind === 'asg' && inPolicy.autoScalingGroupName === group) return inPolicy.capacity.min;
  const planned = actions.flatMap((a) => (a.minSize === undefined ? [] : [a.minSize]));
  return planned.length > 0 ? Math.min(...planned) : undefined;
}

/**
 * Whether the predict role may write (delete and put) scheduled actions on the group (infra/predictPermissions.ts
 * grants both alike): one carrying this stage's ownership tag, or by the policy's grant, which exists only while
 * some target is predictive or in a plan (a predictive target's or plan member's group by name, a group tagged
 * for the stage by tag).
 */
function mayWriteActions(policy: Policy, group: string, live: GroupState | undefined): boolean {
  if (live?.owner === 'this') return true;
  const granted = predictiveGroups(policy);
  if (granted.length === 0) return false;
  return policy.fleet.grantGroupsBy === 'tag' ? live?.stageTagged === true : granted.includes(group);
}

/**
 * A target's actions left on a group of the policy the role may not write (its ownership tag was removed, and the
 * policy grants none there): a delete or put would be AccessDenied, failing the run each hour with nothing said.
 * Recorded `ScheduledActionsLeft`, with the commands that delete them and set a MinSize they raised back.
 */
async function leaveOne(
  deps: PruneDeps,
  { target, group, actions }: Leftover,
  live: GroupState | undefined,
  now: Date,
): Promise<Pruned> {
  const { policy } = deps;
  const names = actions.map((a) => a.name);
  const inPolicy = policy.targets.find((t) => t.name === target);
  const why = reasonFor(policy, inPolicy, group);
  const planned = restoredMinSize(deps, { target, group, actions }, live?.minSize, inPolicy);
  const minSize = planned
    ? `, and \`aws autoscaling update-auto-scaling-group --auto-scaling-group-name ${group} --min-size ${planned.minSize}\` sets the MinSize they raised (${live?.minSize}) back`
    : '';
  const decision = pruneDecision(
    target,
    'ScheduledActionsLeft',
    `${names.length} scheduled MinSize action(s) of ${target} left on group ${group} (${why}): the predict role may not write that group (it carries no ownership tag of this stage, and the policy grants none); \`aws autoscaling batch-delete-scheduled-action --auto-scaling-group-name ${group} --scheduled-action-names ${names.join(' ')}\` deletes them${minSize}`,
  );
  await deps.ledger.record(decision, { trigger: 'forecast', applied: false, dryRun: false, now });
  deps.log.warn('scheduled actions left: the role may not write the group', {
    target,
    group,
    count: names.length,
  });
  return { target, group, names, deleted: false, why };
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
