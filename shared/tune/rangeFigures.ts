import type { Timeline } from '../simulate/engine';
import type { RunFigures } from './looSelection';

/**
 * Cost (unit-hours) and overload minutes of a timeline over the minutes [from, to), by the backtest's
 * definitions. A policy only ever looks back, so a run over the whole trace scored on a range is the run that
 * range would have had with the history before it: one run per candidate serves every fold.
 */
export function rangeFigures(t: Timeline, from: number, to: number): RunFigures {
  let ordered = 0;
  let overload = 0;
  for (let m = Math.max(0, from); m < Math.min(to, t.ordered.length); m += 1) {
    ordered += t.ordered[m] as number;
    if ((t.utilisation[m] as number) > 1.0) overload += 1;
  }
  return { cost: ordered / 60, overload };
}
