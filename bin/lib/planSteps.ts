import type { PlanReplay } from './planReplay';
import type { PredictOutcome, ReplayedDecision } from './replay';

const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);

/**
 * A plan member's change as the local account prints it, the plan's step it is: "10:15  ticket-rush step:
 * events-db 1 → 2 (PredictiveFloor) …"; undefined for a target in no plan (printed as any decision).
 */
export function planStepLine(
  d: ReplayedDecision,
  plan: PlanReplay | undefined,
  start: number,
): string | undefined {
  const x = d.evaluation.decision;
  if (!plan?.members.has(x.target)) return undefined;
  const via = d.trigger === 'alarm' ? `alarm ${d.alarmName}` : 'schedule';
  return `  ${hhmm(start + d.minute * 60_000)}  ${plan.plan.name} step: ${x.target} ${x.current} → ${x.desired}  ${x.reason}  ${x.message} (${via})`;
}

/** A predict run's outcome for the plan's members: the floors each got, slowest first as the plan shifts them. */
export function predictionLines(
  outcomes: readonly PredictOutcome[],
  plan: PlanReplay | undefined,
  now: number,
): string[] {
  return outcomes
    .filter((o) => !plan || plan.members.has(o.target))
    .map((o) => `  ${hhmm(now)}  predict: ${o.target}  ${o.reason}  ${o.message}`);
}
