import { decideCapacity } from '../../decision/decideCapacity';
import { floorAt } from '../../decision/floors';
import { kindGateName } from '../../decision/kindGateName';
import type { GateOutcome, KindAction, KindModel } from '../../decision/kindModel';
import type { PauseState } from '../../decision/pauseState';
import { stageTagGate } from '../../decision/stageTagGate';
import type { CapacityState, Decision, GateNote, ReasonCode, ScalingHistory } from '../../decision/types';
import type { Policy, Target } from '../../policy/schema';
import type { TargetRecord } from '../../ports';
import { withheldDecision, withheldReason } from '../readKillSwitch';
import { cannotFollowNotice, decideInPlan, type MemberInPlan } from './decideInPlan';
import type { Decided, TargetReadings } from './types';

/** What one decision is taken on: the target's observation, its readings, its history and floors, now. */
export interface DecideInput {
  readonly policy: Policy;
  readonly model: KindModel<unknown>;
  readonly target: Target;
  readonly observation: unknown;
  readonly state: CapacityState;
  readonly readings: TargetReadings;
  readonly history: ScalingHistory;
  readonly floors: TargetRecord['floors'];
  /** The units AWS kept when asked to remove them (the kind's gates choose others). */
  readonly failedRemovals?: TargetRecord['failedRemovals'];
  /** The kill switch as this run read it (issue 20, item 3): anything but `running` withholds every action. */
  readonly paused: PauseState;
  /** The target's plan, when it is a plan member (issue 24). */
  readonly plan?: MemberInPlan;
  /** The deployed stage, when known: a group of a stage granted by tag must carry its tag (stageTagGate). */
  readonly stage?: string;
  readonly now: Date;
}

/**
 * The decide step (pure): the generic decision (`decideCapacity`; for a plan member, its decision inside its
 * plan: decideInPlan.ts), the kind's gates on it, then the kill switch, which keeps the decision on record but
 * drops its action. Each adds its gate to the explanation. A plan member's floors (predict's, the plan's
 * among them) act whenever predictive scaling acts, whether or not the target forecasts its own load.
 */
export function decideTarget(input: DecideInput): Decided {
  const { policy, model, target, observation, state, readings, history, now } = input;
  const { predictive } = policy;
  const acts =
    predictive.enabled &&
    predictive.mode === 'forecast-and-scale' &&
    (target.predictive || input.plan !== undefined);
  const floor = acts ? floorAt(input.floors, now) : undefined;
  const base = {
    target,
    policyMaxUnitsPerDecision: policy.maxUnitsPerDecision,
    state,
    readings: readings.combined,
    history,
    now,
  };
  const inPlan = input.plan ? decideInPlan(input.plan, base, floor) : undefined;
  const generic = inPlan?.decision ?? decideCapacity({ ...base, ...(floor ? { floor } : {}) });
  // A group the role may not change comes before the kind's gates: nothing else could be carried out.
  const untagged = stageTagGate(policy, target, state, input.stage);
  const gated = gatedDecision(
    generic,
    untagged ??
      model.gate({
        target,
        decision: generic,
        observation,
        history,
        metrics: readings.raw,
        ...(input.failedRemovals ? { failedRemovals: input.failedRemovals } : {}),
        now,
      }),
  );
  const decided =
    input.paused.state === 'running'
      ? withGate(gated, { gate: 'pause', outcome: 'passed', message: 'not paused' })
      : withheld(gated, input.paused);
  if (!input.plan || !inPlan) return { ...decided, state };
  const notice = cannotFollowNotice(input.plan.context, target.name, inPlan.states, gated.decision);
  return { ...decided, state, plan: { levels: inPlan.levels, ...(notice ? { notice } : {}) } };
}

/**
 * The generic decision as the kind's gates leave it, with the one action to carry out, if any; what the gates
 * said of it whatever the outcome (`note`: how the kind read its metrics) ends its message and explanation, and
 * what they record of the kind's own (`record`: a cache group's replicas per shard) is kept with it.
 */
function gatedDecision(generic: Decision, outcome: GateOutcome): Omit<Decided, 'state'> {
  const decided = outcomeOf(generic, outcome);
  const gated = outcome.record
    ? { ...decided, decision: { ...decided.decision, ...outcome.record } }
    : decided;
  const { note } = outcome;
  if (!note) return gated;
  const said = { ...gated.decision, message: `${gated.decision.message}; ${note.message}` };
  return { ...gated, decision: noted(said, note) };
}

function outcomeOf(generic: Decision, outcome: GateOutcome): Omit<Decided, 'state'> {
  if ('skip' in outcome) {
    const decision: Decision = {
      ...generic,
      desired: generic.current,
      direction: 'none',
      reason: outcome.skip,
      message: `${generic.message}; ${outcome.message}`,
    };
    return {
      decision: noted(decision, kindGate(outcome.skip, 'held', outcome.message)),
      ...(outcome.notify ? { notify: true } : {}),
    };
  }
  if ('reason' in outcome) {
    const desired = outcome.act.desired;
    const decision: Decision = {
      ...generic,
      desired,
      direction: desired > generic.current ? 'out' : desired < generic.current ? 'in' : 'none',
      reason: outcome.reason,
      message: `${generic.message}; ${outcome.message}`,
    };
    // The kind carried out something else than the generic decision asked (a drain before a delete).
    const held = desired !== generic.desired ? 'held' : 'passed';
    return {
      decision: noted(decision, kindGate(outcome.reason, held, outcome.message)),
      action: outcome.act,
    };
  }
  return { decision: generic, ...(outcome.act ? { action: outcome.act } : {}) };
}

/**
 * What a stage that may not act records instead of acting (paused, or a switch that could not be read): the
 * decision it would have carried out, reason `Paused` or `PauseUnknown` (readKillSwitch.ts says which, and
 * when it is worth telling).
 */
function withheld(
  gated: Omit<Decided, 'state'>,
  state: Exclude<PauseState, { state: 'running' }>,
): Omit<Decided, 'state'> {
  const why = withheldReason(state);
  if (!gated.action)
    return withGate(gated, { gate: 'pause', outcome: 'passed', message: `${why}, but nothing to carry out` });
  const { decision, notify } = withheldDecision(gated.decision, state);
  return {
    decision: noted(decision, { gate: 'pause', outcome: 'held', reason: decision.reason, message: why }),
    ...(notify ? { notify } : {}),
  };
}

function withGate(gated: Omit<Decided, 'state'>, note: GateNote): Omit<Decided, 'state'> {
  return { ...gated, decision: noted(gated.decision, note) };
}

/** The decision with one more gate in its explanation. */
export function noted(decision: Decision, note: GateNote): Decision {
  const explain = decision.explain ?? { rules: [], gates: [] };
  return { ...decision, explain: { ...explain, gates: [...explain.gates, note] } };
}

function kindGate(reason: ReasonCode, outcome: GateNote['outcome'], message: string): GateNote {
  return { gate: kindGateName(reason), outcome, reason, message };
}

/** The action a decided target would carry out now, and whether it changes capacity or starts an operation. */
export function operationOf(decided: Decided): { action?: KindAction; operation: boolean } {
  const { decision, action } = decided;
  const change = decision.desired !== decision.current;
  return {
    ...(action ? { action } : {}),
    operation: action !== undefined && (change || action.pending === true),
  };
}
