import { decideCapacity } from '../decision/decideCapacity';
import { historySeconds } from '../decision/nextHistory';
import type { Decision, DecisionInput, MetricReading } from '../decision/types';
import { validatePolicy } from '../policy/parsePolicy';
import type { Target } from '../policy/schema';
import type { PolicyFactory, PolicyView, Scenario, SimPolicy, SimReason } from './engine';
import { HistoryKeeper } from './HistoryKeeper';
import { type FloorSettings, floorPlanner } from './predictive';

/** The seeds' policy as Scalepilot runs it (step 70/30, +2/−1, cooldowns 300/600 s, windows 60/300 s). */
export function seedTarget(s: Scenario, delayMinutes: number): Target {
  const policy = validatePolicy({
    version: 1,
    maxUnitsPerDecision: Math.max(1, s.max - s.min),
    targets: [
      {
        name: 'backtest',
        kind: 'asg',
        autoScalingGroupName: 'backtest',
        capacity: { min: s.min, max: s.max },
        instanceWarmupSeconds: Math.max(60, delayMinutes * 60),
        rules: [
          {
            name: 'utilisation',
            type: 'step',
            metric: { namespace: 'Backtest', name: 'Utilisation' },
            scaleOut: [{ above: 70, add: 2 }],
            scaleIn: [{ below: 30, remove: 1 }],
          },
        ],
      },
    ],
  });
  return policy.targets[0] as Target;
}

/** How the backtest's Scalepilot runs: its name, and the predictive floors' settings (none: reactive only). */
export interface ScalepilotOptions {
  readonly name?: string;
  readonly floors?: FloorSettings;
}

/**
 * Scalepilot itself: every minute, the very `decideCapacity` the Lambdas run, on the utilisation (in %)
 * of the minute before, with a history kept as the ledger keeps it. With floors, the predict function's
 * hourly run too: a forecast from the load before that minute (never after), its floors passed to each
 * minute's decision as `floor`.
 */
export function scalepilot(target?: Target, options: ScalepilotOptions = {}): PolicyFactory {
  return () => {
    let run: ScalepilotRun | undefined;
    const policy: SimPolicy = {
      name: options.name ?? 'scalepilot',
      decide(view, s, now) {
        run ??= new ScalepilotRun(target ?? seedTarget(s, s.delay), s, options.floors);
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
 * One simulated target, minute after minute. `decideCapacity`'s input is built once and updated in place: the
 * datapoints of the last evaluation periods (a reading per minute, its time at the minute's start), the state,
 * the floor in force and the history (a HistoryKeeper, equal to what `nextHistory` keeps). So a minute costs the
 * decision itself, not the copying around it.
 */
class ScalepilotRun {
  private readonly input: Mutable<DecisionInput>;
  private readonly state: { current: number; serving: number; liveMin: number; liveMax: number };
  private readonly readings: Record<string, MetricReading[]>;
  /** One reading per minute of the longest evaluation window, oldest first. */
  private readonly pool: { value: number; timestamp: Date }[];
  private readonly windows: MetricReading[][];
  private readonly keeper: HistoryKeeper;
  private readonly planner: ReturnType<typeof floorPlanner> | undefined;
  private readonly now = new Date(0);
  private minute = 0;
  private last: Decision | undefined;
  floorNow: number | undefined;

  constructor(
    private readonly target: Target,
    s: Scenario,
    floors: FloorSettings | undefined,
  ) {
    const periods = Math.max(1, ...target.rules.map((r) => r.evaluationPeriods));
    this.pool = Array.from({ length: periods }, () => ({ value: 0, timestamp: new Date(0) }));
    // The first minutes see fewer datapoints than the window holds: one array per length, sharing the readings.
    this.windows = Array.from({ length: periods + 1 }, (_, k) => this.pool.slice(periods - k));
    this.readings = {};
    this.state = { current: 0, serving: 0, liveMin: s.min, liveMax: s.max };
    this.keeper = new HistoryKeeper(historySeconds(target));
    this.input = {
      target,
      policyMaxUnitsPerDecision: Math.max(1, s.max - s.min),
      state: this.state,
      readings: target.rules.length > 0 ? this.readings : {},
      history: this.keeper.history,
      now: this.now,
    };
    this.planner = floors
      ? floorPlanner(floors, target, { unitCapacity: s.unitCapacity, max: s.max }, s.load.length, s.load)
      : undefined;
  }

  decide(view: PolicyView, now: number): number {
    const m = view.minute;
    this.minute = m;
    this.now.setTime(now);
    // The complete minutes before this one, as GetMetricData gives them (timestamps at period starts).
    const count = Math.min(m, this.pool.length);
    const window = this.windows[count] as MetricReading[];
    for (let i = 0; i < count; i += 1) {
      const reading = window[i] as { value: number; timestamp: Date };
      const j = m - count + i;
      reading.value = view.utilisation(j) * 100;
      reading.timestamp.setTime(now - (m - j) * 60_000);
    }
    for (const rule of this.target.rules) this.readings[rule.name] = window;
    this.state.current = view.ordered;
    this.state.serving = view.serving;
    const floor = this.planner?.at(m, now, view.load);
    this.floorNow = floor?.units;
    this.input.floor = floor;
    const decision = decideCapacity(this.input);
    this.keeper.record(decision, now, true);
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
