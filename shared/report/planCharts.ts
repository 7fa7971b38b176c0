import type { TargetKind } from '../policy/schema';
import { capacityChart } from './capacityChart';
import type { DecisionMark } from './chartWindow';
import type { Chart } from './render';

/** One member's run, as a plan report draws it. */
export interface PlanChartMember {
  readonly name: string;
  readonly kind: TargetKind;
  /** `instances`, `read replicas`, `shards`. */
  readonly unitName: string;
  /** The demand one unit serves at 100%. */
  readonly unitCapacity: number;
  /** The utilisation the member is sized for (0–1): its load is drawn as the units it needs at it. */
  readonly targetUtilisation: number;
  /** The load this member saw (the entry: the demand; the others: what the entry served). */
  readonly load: ArrayLike<number>;
  readonly ordered: ArrayLike<number>;
  readonly serving: ArrayLike<number>;
  readonly decisions?: readonly DecisionMark[];
  /** The demand forecast and the demand the floors planned for (the entry's chart draws it). */
  readonly forecast?: { readonly value: ArrayLike<number>; readonly upper: ArrayLike<number> };
}

export interface PlanChartInput {
  /** Names the trace, the plan and the policy. */
  readonly title: string;
  readonly subtitle?: string;
  /** Epoch ms of minute 0. */
  readonly start: number;
  readonly loadUnit: string;
  /** In the plan's order, the entry first. */
  readonly members: readonly PlanChartMember[];
  readonly window?: { readonly from: number; readonly to: number };
  /** Top of each member's value axis in units, by member name: charts meant to be compared share them. */
  readonly unitsMax?: Readonly<Record<string, number>>;
}

/**
 * A plan policy's run as one chart per member, stacked on one time axis (same window, same width): each with
 * the load it saw, its capacity ordered and serving, its overload shaded and its decisions marked with their
 * reasons. `stackCharts` of the result is the PNG.
 */
export async function planCharts(input: PlanChartInput): Promise<Chart[]> {
  const charts: Chart[] = [];
  for (const [i, member] of input.members.entries())
    charts.push(
      await capacityChart({
        title: `${input.title} · ${member.name} (${member.kind})`,
        ...(i === 0 && input.subtitle ? { subtitle: input.subtitle } : {}),
        series: {
          start: input.start,
          unitCapacity: member.unitCapacity,
          targetUtilisation: member.targetUtilisation,
          unitName: member.unitName,
          loadUnit: input.loadUnit,
          load: member.load,
          ordered: member.ordered,
          serving: member.serving,
          ...(member.forecast ? { forecast: member.forecast.value, upper: member.forecast.upper } : {}),
          decisions: member.decisions ?? [],
        },
        ...(input.window ? { window: input.window } : {}),
        ...(input.unitsMax?.[member.name] ? { unitsMax: input.unitsMax[member.name] } : {}),
      }),
    );
  return charts;
}
