import type { Decision } from '../types';
import { decidePlan } from './decidePlan';
import type { MemberPlan, PlanMemberState, PlanModel, PlanNotice } from './types';

/** One member as `scalepilot plan` shows it: its sizes, what the plan asks and why, its lead time. */
export interface MemberOverview extends MemberPlan {
  readonly kind: string;
  readonly unit: string;
  readonly leadMinutes: number;
  readonly leadSource: string;
  /** Why its state is not known (not described, no fresh record), if so. */
  readonly unknown?: string;
}

/** One of the plan's next moves, in order, with the member's lead time and the members it waits for. */
export interface OverviewStep {
  readonly member: string;
  readonly from: number;
  readonly to: number;
  readonly direction: 'out' | 'in';
  readonly leadMinutes: number;
  /** Readiness gates: members that must serve first (a step of theirs comes before this one, or holds it). */
  readonly waitsFor: readonly string[];
}

/** A plan as `scalepilot plan` shows it. */
export interface PlanOverview {
  readonly plan: string;
  readonly demand?: number;
  readonly sizedFor?: number;
  /** In scale-out order, slowest first. */
  readonly members: readonly MemberOverview[];
  /** Readiness gates holding a member now, as its own decision says (reason ReadinessGate). */
  readonly gates: readonly { readonly member: string; readonly message: string }[];
  /** Growth slowest first, then shrinking fastest first. */
  readonly steps: readonly OverviewStep[];
  readonly notices: readonly PlanNotice[];
}

/**
 * A plan's overview (pure): the plan's decision (decidePlan.ts) on every member's state (each described now
 * where it could be, else as its record says), the readiness gates the members' own decisions are held at,
 * and the order of the next steps, each with its lead time and the members it waits for.
 */
export function planOverview(input: {
  readonly model: PlanModel;
  readonly demand: number | undefined;
  readonly highestDemand?: number;
  readonly states: Readonly<Record<string, PlanMemberState>>;
  readonly unknown: Readonly<Record<string, string>>;
  /** Each member's decision as its scaler would take it now (the walk's, with the plan in it). */
  readonly decisions: ReadonlyMap<string, Pick<Decision, 'reason' | 'message'>>;
  readonly now: Date;
}): PlanOverview {
  const { model } = input;
  const planned = decidePlan({
    model,
    demand: input.demand,
    ...(input.highestDemand !== undefined ? { highestDemand: input.highestDemand } : {}),
    members: input.states,
    now: input.now,
  });
  const byName = new Map(model.members.map((m) => [m.name, m]));
  const members = planned.members.map((p): MemberOverview => {
    const m = byName.get(p.member);
    const unknown = input.unknown[p.member];
    return {
      ...p,
      kind: m?.kind ?? '',
      unit: m?.unit ?? '',
      leadMinutes: m?.leadMinutes ?? 0,
      leadSource: m?.leadSource ?? '',
      ...(unknown !== undefined && input.states[p.member] === undefined ? { unknown } : {}),
    };
  });
  const gates = model.members.flatMap((m) => {
    const decision = input.decisions.get(m.name);
    return decision?.reason === 'ReadinessGate' ? [{ member: m.name, message: decision.message }] : [];
  });
  const growing = new Set(planned.steps.filter((s) => s.direction === 'out').map((s) => s.member));
  const held = new Set(gates.map((g) => g.member));
  // A member whose state is unknown has no step to show (decidePlan reads it as 0 ordered).
  const known = planned.steps.filter((s) => input.states[s.member] !== undefined);
  const steps = known.map((s): OverviewStep => {
    const m = byName.get(s.member);
    // A gate matters on the way out: the member waits for those still growing, or all it waits for when held.
    const waitsFor =
      s.direction === 'out' ? (m?.waitFor ?? []).filter((w) => growing.has(w) || held.has(s.member)) : [];
    return { ...s, leadMinutes: m?.leadMinutes ?? 0, waitsFor };
  });
  return {
    plan: planned.plan,
    ...(planned.demand !== undefined ? { demand: planned.demand } : {}),
    ...(planned.sizedFor !== undefined ? { sizedFor: planned.sizedFor } : {}),
    members,
    gates,
    steps,
    notices: planned.notices,
  };
}

/** The steps on one line: "1. events-db 2 → 3 (15 min lead)  2. api 6 → 9 (5 min), waits for events-db". */
export function stepsText(steps: readonly OverviewStep[]): string {
  if (steps.length === 0) return 'no steps: every member has what the plan asks';
  return steps
    .map(
      (s, i) =>
        `${i + 1}. ${s.member} ${s.from} → ${s.to} (${s.leadMinutes} min${i === 0 ? ' lead' : ''})${
          s.waitsFor.length > 0 ? `, waits for ${s.waitsFor.join(', ')}` : ''
        }`,
    )
    .join('  ');
}
