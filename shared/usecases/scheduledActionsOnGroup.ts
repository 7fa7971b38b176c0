import { MAX_SCHEDULED_ACTIONS, type ScheduledMinSize } from '../decision/scheduledFloors';
import type { FloorSchedule } from '../decision/types';
import { GROUP_STAGE_TAG, SCHEDULE_OWNER_TAG } from '../policy/fleetSchema';
import type { AsgTarget, Policy } from '../policy/schema';
import type { Clock, Ledger, ScheduledActionsPort } from '../ports';
import { mirrorFloors } from './mirrorFloors';
import { replaceWithSetBack } from './replaceWithSetBack';
import { scalerHold } from './scalerHold';

/** What predict left on a target's group this run, and the words its record says it in. */
export interface GroupActions {
  /** For the record, after the floors' span: the actions put, or why none (and what became of earlier ones). */
  readonly note: string;
  /** The scheduled MinSize actions the group holds after the run (its floors mirrored). */
  readonly scheduledActions?: readonly ScheduledMinSize[];
  /** Where the 125-action budget cut the schedule off, when it did. */
  readonly budgetCut?: { readonly cutAt: Date; readonly budget: number };
}

/** A dry run's: no scheduled actions put or deleted (a caller may skip reading the group for it). */
export const DRY_RUN: GroupActions = { note: '; dry run: no scheduled actions' };

/** The group as predict reads it (ScheduledActionsPort.group). */
type Group = Awaited<ReturnType<ScheduledActionsPort['group']>>;

/** This stage's earlier actions taken off a group, and the set-back put in their place (replaceWithSetBack). */
type Withdrawn = Awaited<ReturnType<typeof replaceWithSetBack>>;

/**
 * Whether a grant by tag (fleet.grantGroupsBy: tag) keeps predict off the group: the role may put scheduled
 * actions only on a group tagged with the stage, and this one is not (pure). Granted by name: never.
 */
export function untaggedForGrant(policy: Policy, group: { readonly stageTagged?: boolean }): boolean {
  return policy.fleet.grantGroupsBy === 'tag' && !group.stageTagged;
}

/**
 * May predict put its floors on the group as scheduled MinSize actions, and what it did there: the one chain for
 * a target forecasting on its own (predictTarget) and a plan member that does not (predictPlans), walked in this
 * order, the first check with an opinion deciding. A dry run writes nothing. A group not tagged for a grant by
 * tag gets none (the role would refuse them, failing the run every hour), and this stage's earlier ones there
 * give way to the set-back of a MinSize they raised. A group carrying another stage's gets none, and theirs stay
 * (two stages would replace each other's every hour). A group whose scale-outs the scaler holds gets no raise
 * (it would pull desired up around the hold), this stage's earlier ones giving way to the set-back. Otherwise
 * the floors are mirrored, nearest first, within the group's 125 actions.
 */
export async function scheduledActionsOnGroup(
  deps: {
    readonly policy: Policy;
    readonly groups: ScheduledActionsPort;
    readonly clock: Clock;
    readonly ledger: Pick<Ledger, 'read'>;
  },
  target: AsgTarget,
  group: Group,
  floors: FloorSchedule | undefined,
  dryRun: boolean,
): Promise<GroupActions> {
  if (dryRun) return DRY_RUN;
  // First: granted by tag, the role refuses every put on this group whatever else holds there.
  if (untaggedForGrant(deps.policy, group))
    return { note: untaggedNote(target, await replaceWithSetBack(deps, target, group)) };
  // Not replaceWithSetBack here: the actions are the other stage's to keep (they share our name prefix).
  if (group.owner === 'other') return { note: anotherStageNote(target, group.otherStage ?? 'another') };
  const why = await scalerHold(deps, target, group);
  if (why) return { note: heldNote(target, { why, ...(await replaceWithSetBack(deps, target, group)) }) };
  const mirrored = await mirrorFloors(deps.groups, target, floors, group, deps.clock);
  const budgetCut = mirrored.cutAt ? { cutAt: mirrored.cutAt, budget: mirrored.budget } : undefined;
  return {
    note: mirroredNote(mirrored.actions.length, budgetCut),
    scheduledActions: mirrored.actions,
    ...(budgetCut ? { budgetCut } : {}),
  };
}

/** How many actions went on the group's MinSize, and where the budget cut them off, when it did. */
function mirroredNote(count: number, budgetCut: GroupActions['budgetCut']): string {
  const cut = budgetCut
    ? ` (room for ${budgetCut.budget} of the group's ${MAX_SCHEDULED_ACTIONS}: the nearest hours, MinSize back at the baseline from ${budgetCut.cutAt.toISOString()}; the ledger's floors cover the rest)`
    : '';
  return `; ${count} scheduled action(s) on MinSize${cut}`;
}

/** Why a group granted by tag got no scheduled actions (it lacks the stage's tag), and what became of earlier ones. */
function untaggedNote(target: AsgTarget, withdrawn: Withdrawn): string {
  return `; no scheduled actions: group ${target.autoScalingGroupName} is not tagged ${GROUP_STAGE_TAG} with this stage's name, which the role's grant needs (fleet.grantGroupsBy: tag)${removedActions(withdrawn)}`;
}

/** Why a group the scaler holds got no MinSize raise, and what became of this stage's earlier actions. */
function heldNote(target: AsgTarget, held: { readonly why: string } & Withdrawn): string {
  return `; no scheduled actions: the scaler holds group ${target.autoScalingGroupName}'s scale-outs (${held.why}), and a MinSize raise would pull its desired capacity up around that${removedActions(held)}`;
}

/** Why a group carrying another stage's scheduled actions got none from this one. */
function anotherStageNote(target: AsgTarget, stage: string): string {
  return `; no scheduled actions: group ${target.autoScalingGroupName} carries stage ${stage}'s (tagged ${SCHEDULE_OWNER_TAG}=${stage}), and two stages would replace each other's every hour: leave it to one stage's policy, or delete that tag if stage ${stage} is gone`;
}

/** The scheduled actions this stage had written on the group, deleted, and the set-back of a MinSize they raised. */
function removedActions({ removed, minSize, setBack }: Withdrawn): string {
  if (removed === 0) return '';
  const after = setBack
    ? `its MinSize ${minSize} goes back to ${setBack.minSize} at ${setBack.start.toISOString().slice(11, 16)}Z`
    : `its MinSize stays at ${minSize}, which they did not raise`;
  return `; deleted the ${removed} scheduled MinSize action(s) this stage wrote on it before (the stage no longer manages it): ${after}`;
}
