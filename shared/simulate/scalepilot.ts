import { DecisionMemo } from '../decision/DecisionMemo';
import { decideCapacity } from '../decision/decideCapacity';
import { historySeconds } from '../decision/nextHistory';
import type { Decision, DecisionInput, MetricReading, ScalingHistory } from '../decision/types';
import type { Target } from '../policy/schema';
import type { PolicyFactory, PolicyView, Scenario, SimPolicy, SimReason } from './engine';
import { HistoryKeeper } from './HistoryKeeper';
import { MetricWindow } from './MetricWindow';
import { MinuteClock } from './MinuteClock';
import { type FloorSettings, floorPlanner } from './predictive';

/** How the backtest's Scalepilot runs: its name, and the predictive floors' settings (none: reactive only). */
export interface ScalepilotOptions {
  readonly name?: string;
  readonly floors?: FloorSettings;
  /**
   * Skip `decideCapacity` at a minute whose inputs are the minute before's (DecisionMemo.ts; default true).
   * False calls it every minute: the reference the memo's parity test holds it to.
   */
  readonly memo?: boolean;
  /** Called after every minute's decision, with the history as recorded after it (tests, tools). */
  readonly onDecision?: (minute: number, decision: Decision, history: ScalingHistory) => void;
}

/**
 * Scalepilot itself: every minute, the very `decideCapacity` the Lambdas run, on the utilisation (in %)
 * of the minute before, with a history kept as the ledger keeps it. With floors, the predict function's
 * hourly run too: a forecast from the load before that minute (never after), its floors passed to each
 * minute's decision as `floor`.
 */
export function scalepilot(target: Target, options: ScalepilotOptions = {}): PolicyFactory {
  return () => {
    let run: ScalepilotRun | undefined;
    const policy: SimPolicy = {
      name: options.name ?? 'scalepilot',
      decide(view, s, now) {
        run ??= new ScalepilotRun(target, s, options);
        return run.decide(view, now);
      },
      explain: () => (run as ScalepilotRun).explain(),
      ...(options.floors
        ? {
            floor: () => run?.floorNow,
            forecast: () => run?.forecastNow() ?? { value: Number.NaN, upper: Number.NaN },
          }
        : {}),
    };
    return policy;
  };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * One metric read per period and statistic, as long as the longest evaluation window among its rules (the
 * seeds' one-minute rules: one read of one datapoint, shared).
 */
function metricReads(target: Target): { rules: string[]; window: MetricWindow }[] {
  const byKey = new Map<string, Target['rules'][number][]>();
  for (const rule of target.rules) {
    const key = `${rule.metric.periodSeconds} ${rule.metric.statistic}`;
    byKey.set(key, [...(byKey.get(key) ?? []), rule]);
  }
  return [...byKey.values()].map((rules) => {
    const { periodSeconds, statistic } = (rules[0] as Target['rules'][number]).metric;
    const periods = Math.max(...rules.map((r) => r.evaluationPeriods));
    return { rules: rules.map((r) => r.name), window: new MetricWindow(periodSeconds, periods, statistic) };
  });
}

/**
 * One simulated target, minute after minute. `decideCapacity`'s input is built once and updated in place: each
 * rule's datapoints of its last evaluation periods (MetricWindow: a reading per minute, or per period of the
 * rule's metric), the state, the floor in force and the history (a HistoryKeeper, equal to what `nextHistory`
 * keeps). So a minute costs the decision itself, not the copying around it.
 */
class ScalepilotRun {
  private readonly input: Mutable<DecisionInput>;
  private readonly state: { current: number; serving: number; liveMin: number; liveMax: number };
  private readonly readings: Record<string, MetricReading[]>;
  /** Each rule's metric read: rules with the same period and statistic share one. */
  private readonly reads: { rules: string[]; window: MetricWindow }[];
  private readonly keeper: HistoryKeeper;
  private readonly planner: ReturnType<typeof floorPlanner> | undefined;
  /** `now` as the decision reads it (MinuteClock.ts: the minute before's Date stamps the newest reading). */
  private readonly clock = new MinuteClock();
  private minute = 0;
  private last: Decision | undefined;
  floorNow: number | undefined;

  /** The decision memo (undefined: `decideCapacity` every minute); a field, not a closure per run, at the hot call. */
  private readonly memo: DecisionMemo | undefined;
  /** The view of the minute being decided, and its load read through it (the forecasts read the past only). */
  private view: PolicyView | undefined;
  private readonly loadBefore = (j: number): number => (this.view as PolicyView).load(j);
  private readonly onDecision: ScalepilotOptions['onDecision'];

  constructor(target: Target, s: Scenario, options: ScalepilotOptions) {
    const { floors } = options;
    this.memo = options.memo === false ? undefined : new DecisionMemo();
    this.onDecision = options.onDecision;
    this.reads = metricReads(target);
    this.readings = {};
    this.state = { current: 0, serving: 0, liveMin: s.min, liveMax: s.max };
    this.keeper = new HistoryKeeper(historySeconds(target));
    this.input = {
      target,
      policyMaxUnitsPerDecision: Math.max(1, s.max - s.min),
      state: this.state,
      readings: target.rules.length > 0 ? this.readings : {},
      history: this.keeper.history,
      now: new Date(0),
      // The backtest reads a decision's reason and message, never its explanation: it pays nothing for one.
      explain: false,
    };
    this.planner = floors
      ? floorPlanner(floors, target, { unitCapacity: s.unitCapacity, max: s.max }, s.load.length, s.load)
      : undefined;
  }

  decide(view: PolicyView, now: number): number {
    const m = view.minute;
    this.minute = m;
    this.input.now = this.clock.tick(now);
    // The complete periods before this minute, as GetMetricData gives them (timestamps at period starts).
    for (let r = 0; r < this.reads.length; r += 1) {
      const read = this.reads[r] as (typeof this.reads)[number];
      const window = read.window.at(view, now, this.clock);
      for (let k = 0; k < read.rules.length; k += 1) this.readings[read.rules[k] as string] = window;
    }
    this.state.current = view.ordered;
    this.state.serving = view.serving;
    this.view = view;
    const floor = this.planner?.at(m, now, this.loadBefore);
    this.floorNow = floor?.units;
    this.input.floor = floor;
    const decision = this.memo ? this.memo.decide(this.input) : decideCapacity(this.input);
    this.keeper.record(decision, now, true, this.clock);
    this.onDecision?.(m, decision, this.keeper.history);
    this.last = decision;
    return decision.desired;
  }

  forecastNow(): { value: number; upper: number } {
    return this.planner?.forecastAt(this.minute) ?? { value: Number.NaN, upper: Number.NaN };
  }

  /**
   * The reason code and message `decideCapacity` returned for the minute just decided; a floor's decision also
   * names the forecast load behind it and the headroom it was planned with (the floor's source names the rest:
   * measured or the policy's buffer, known events).
   */
  explain(): SimReason {
    const d = this.last as Decision;
    const { value, upper } = this.forecastNow();
    const behind =
      d.reason === 'PredictiveFloor' && Number.isFinite(value) && value > 0
        ? `; the forecast load for this minute ${Number(value.toPrecision(4))} × headroom ${(upper / value).toFixed(2)} = ${Number(upper.toPrecision(4))} planned for`
        : '';
    return {
      reason: d.reason,
      message: `${d.message}${behind}`,
      ...(d.explain ? { explain: d.explain } : {}),
    };
  }
}
