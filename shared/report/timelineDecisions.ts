import type { Scenario, Timeline } from '../simulate/engine';
import { type DecisionMark, formatNumber } from './chartWindow';

/** The reason code the report gives the oracle's changes: it knows each minute's load, nothing reacts. */
export const PERFECT_FORESIGHT = 'PerfectForesight';

/**
 * A policy's decisions with their reasons: those the run recorded (the functions' own, or the simulated
 * policy's `explain`) when there are any; otherwise read off its ordered capacity: the oracle's as perfect
 * foresight, any other's as a scale-out or scale-in with the utilisation it had seen the minute before.
 */
export function timelineDecisions(
  t: Timeline,
  load: ArrayLike<number>,
  s: Pick<Scenario, 'unitCapacity' | 'targetUtilisation'>,
  loadUnit: string,
  recorded?: readonly DecisionMark[],
): DecisionMark[] {
  if (recorded) return [...recorded];
  if (t.decisions) return t.decisions.map((d) => ({ ...d }));
  const marks: DecisionMark[] = [];
  for (let m = 1; m < t.ordered.length; m += 1) {
    const from = t.ordered[m - 1] as number;
    const to = t.ordered[m] as number;
    if (to === from) continue;
    marks.push({
      minute: m,
      from,
      to,
      ...derivedReason(t.policy, m, to > from, load, t.serving, s, loadUnit),
    });
  }
  return marks;
}

function derivedReason(
  policy: string,
  m: number,
  out: boolean,
  load: ArrayLike<number>,
  serving: ArrayLike<number>,
  s: Pick<Scenario, 'unitCapacity' | 'targetUtilisation'>,
  loadUnit: string,
): { reason: string; message: string } {
  const target = Math.round(s.targetUtilisation * 100);
  if (policy === 'oracle')
    return {
      reason: PERFECT_FORESIGHT,
      message: `perfect foresight: knows this minute's load (${formatNumber(load[m] as number)} ${loadUnit}) and has what it needs at ${target}% at once, with no provisioning delay; the yardstick, not a policy anyone can run`,
    };
  const before = load[m - 1] as number;
  const used = before / ((serving[m - 1] as number) * s.unitCapacity);
  return {
    reason: out ? 'ScaleOut' : 'ScaleIn',
    message: `read off its capacity: utilisation ${Number.isFinite(used) ? (100 * used).toFixed(0) : '∞'}% the minute before, against ${target}% (load ${formatNumber(before)} ${loadUnit})`,
  };
}
