import type { PlanMemberRecord } from '../../decision/plans/types';
import type { CapacityState, Decision, ScalingHistory } from '../../decision/types';
import type { Target } from '../../policy/schema';
import type { TargetUpdate, WriteId } from '../../ports';
import type { EvaluationRun } from './EvaluationRun';

/** A decision to record without a lease: a target that changes nothing this run. */
export interface UnleasedDecision {
  readonly target: Target;
  readonly decision: Decision;
  /** The target's recommendation window after this decision; absent: left as it is. */
  readonly recommendations?: ScalingHistory['recommendations'];
  /** The window's write it follows from, as the first look read it (none: absent). */
  readonly windowWriteId?: WriteId;
  readonly state?: CapacityState;
  /** A plan member's state after the decision, for the other members' scalers. */
  readonly plan?: PlanMemberRecord;
  /** The plan state's write it follows from, as the batch read it (none: absent). */
  readonly planWriteId?: WriteId;
}

/**
 * The record step for the targets that change nothing (no lease taken): their decisions written in
 * batches, each with its recommendation window (and a plan member's state), which replace only what the run
 * read (a leased run's write since stands: Ledger.recordMany). A batch that cannot be written fails its
 * targets' evaluations, not the others'.
 */
export async function recordUnleased(
  run: EvaluationRun,
  decisions: readonly UnleasedDecision[],
  now: Date,
): Promise<void> {
  if (decisions.length === 0) return;
  await run.guard(
    decisions.map((d) => d.target.name),
    async () => {
      await run.deps.ledger.recordMany(
        decisions.map((d) => ({
          decision: d.decision,
          context: { ...run.context(d.target, now), applied: false },
          ...(d.recommendations ? { recommendations: d.recommendations } : {}),
          ...(d.windowWriteId ? { windowWriteId: d.windowWriteId } : {}),
          ...(d.plan ? { plan: d.plan } : {}),
          ...(d.planWriteId ? { planWriteId: d.planWriteId } : {}),
        })),
      );
      for (const d of decisions) run.recorded(d.decision, false, run.dryRun(d.target), d.state);
    },
  );
}

/**
 * The record step under a lease: the decision and the target's state it leads to, in one transaction
 * fenced on the lease's token (a holder whose lease was taken over writes nothing: LeaseLostError). `now`
 * is the time under the lease: the fence compares the lease's expiry with it.
 */
export async function recordLeased(
  run: EvaluationRun,
  target: Target,
  decision: Decision,
  applied: boolean,
  update: TargetUpdate,
  now: Date,
  state?: CapacityState,
): Promise<void> {
  await run.deps.ledger.record(decision, { ...run.context(target, now), applied }, update);
  run.recorded(decision, applied, run.dryRun(target), state);
}
