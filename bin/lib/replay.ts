import { CloudWatchMetricsReader } from '../../shared/adapters/CloudWatchMetricsReader';
import type { AlarmDefinition } from '../../shared/policy/alarmDefinitions';
import type { TargetKind } from '../../shared/policy/schema';
import type { Clock } from '../../shared/ports';
import type { AlarmStateValue } from '../../shared/simulate/alarmState';
import type { Scenario, Timeline } from '../../shared/simulate/engine';
import type { MinuteSeries } from '../../shared/simulate/trace';
import type { Evaluation } from '../../shared/usecases/evaluateTargets';
import { startAwsBehaviour } from '../../tests/harness/awsBehaviour/awsBehaviour';
import { DrivenWorlds } from './drivenWorlds';
import { type AlarmStateRecord, evaluateAlarms } from './evaluateAlarms';
import type { LocalAccount } from './localAccount';
import { MinuteMetrics } from './minuteMetrics';
import type { PlanReplay } from './planReplay';
import { alarmEvent } from './replayEvents';
import { ReplayFunctions } from './replayFunctions';

/** The clock the replayed handlers receive through the `Clock` port: it moves only when the replay says. */
export class VirtualClock implements Clock {
  constructor(private time: number) {}
  now(): Date {
    return new Date(this.time);
  }
  set(time: number): void {
    this.time = time;
  }
}

/** One decision a handler returned, with the virtual minute and what invoked it. */
export interface ReplayedDecision {
  readonly minute: number;
  readonly functionName: string;
  readonly trigger: 'alarm' | 'schedule';
  readonly alarmName?: string;
  readonly evaluation: Evaluation;
}

export interface ReplayProgress {
  readonly minute: number;
  readonly minutes: number;
  readonly now: Date;
  /** Ordered capacity of each replayed target now. */
  readonly ordered: ReadonlyMap<string, number>;
}

export interface ReplayOptions {
  /** The replayed window on the one-minute grid; minute 0 is its first minute. */
  readonly series: MinuteSeries;
  /** Targets driven by the trace, each with its backtest scenario (unit capacity, T, delay). */
  readonly driven: ReadonlyMap<string, Scenario>;
  /**
   * A plan to play (planReplay.ts): its demand published from the trace, each driven member loaded with what
   * it sees of it, predict on its hourly schedule, and AWS's lifecycles (a replica `creating`, a reshard
   * `modifying`) played by the AWS behaviour layer, moto showing both done at once.
   */
  readonly plan?: PlanReplay;
  /** A run of the predict function (hourly, and at the first minute): each target's outcome. */
  readonly onPrediction?: (outcomes: readonly PredictOutcome[], minute: number) => void;
  /** Virtual seconds per real second; 0 runs as fast as the emulator answers. */
  readonly speed: number;
  readonly signal?: AbortSignal;
  readonly onDecision?: (d: ReplayedDecision) => void;
  readonly onAlarm?: (alarm: AlarmDefinition, state: AlarmStateValue, minute: number) => void;
  readonly onMinute?: (p: ReplayProgress) => void;
  readonly onError?: (functionName: string, error: unknown, minute: number) => void;
  /** A run of the cost function (daily at 08:00 UTC, hourly for the forecast when the policy asks). */
  readonly onCostCheck?: (
    check: 'daily' | 'forecast',
    notes: readonly string[],
    alerts: number,
    minute: number,
  ) => void;
}

export interface ReplayResult {
  /** Per driven target, the timeline the emulator lived through (the backtest's `Timeline`). */
  readonly timelines: ReadonlyMap<string, Timeline>;
  readonly decisions: readonly ReplayedDecision[];
  /** Minutes replayed (fewer than the series when stopped early). */
  readonly minutes: number;
}

/** One target's outcome of a predict run, as the function returns it. */
export interface PredictOutcome {
  readonly target: string;
  readonly reason: string;
  readonly message: string;
  readonly floorNow: number;
}

/**
 * Replays a trace through the local account in virtual time. Each minute: publish the last minute's
 * metrics with PutMetricData, evaluate every alarm from its definition and the metrics read back with
 * GetMetricData (CloudWatch's job; moto does not evaluate alarms), set the changed states and deliver
 * real-shaped alarm events, deliver the one-minute schedule, all to the deployed functions' handlers run
 * in-process (Lambda Invoke in moto needs Docker) with the virtual clock.
 *
 * The world the trace describes: a driven target's load is the trace; its capacity is what the emulator's
 * resource says, serving after the scenario's provisioning delay as in the backtest (moto's instances are
 * InService at once); every one of its rules reads the utilisation that implies. Targets the trace does not
 * drive read steady values between their thresholds, so their functions run and decide "no change".
 * The cost function runs on its schedule against the demo account's Cost Explorer data (bin/lib/localCosts).
 */
export async function replay(local: LocalAccount, options: ReplayOptions): Promise<ReplayResult> {
  const { series } = options;
  const n = series.load.length;
  const clock = new VirtualClock(series.start);
  const functions = new ReplayFunctions(local, clock, options);
  const worlds = new DrivenWorlds(local, options, clock);
  const metrics = new MinuteMetrics(local, worlds, options.plan);
  // AWS's lifecycles for the plan's slow members: a replica `creating`, a reshard `modifying`, each as long as
  // the member's scenario delay (moto shows both done at once, and answers a reshard with HTTP 500).
  const layer = options.plan
    ? await startAwsBehaviour({
        clock,
        emulator: local.emulator,
        rates: false,
        rds: { createMinutes: minutes(local, options.plan, 'rds-replicas') },
        cache: { minutesPerShard: minutes(local, options.plan, 'cache-shards') },
      })
    : undefined;
  const alarmStates = new Map<string, AlarmStateRecord>();
  const metricsReader = new CloudWatchMetricsReader(local.emulator.aws);
  const observe = async (m: number) => {
    await worlds.observe(m);
    options.onMinute?.({ minute: m, minutes: n, now: clock.now(), ordered: worlds.ordered(m) });
  };

  await observe(0);
  const began = Date.now();
  let m = 1;
  for (; m < n; m += 1) {
    if (options.signal?.aborted) break;
    if (options.speed > 0) {
      const due = began + ((m * 60) / options.speed) * 1000;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
    }
    const now = series.start + m * 60_000;
    clock.set(now);
    await metrics.publish(m, new Date(now - 60_000), series.load[m - 1] as number);
    await evaluateAlarms(local, metricsReader, now, alarmStates, async (alarm, state, previous) => {
      options.onAlarm?.(alarm, state.state, m);
      if (state.state === 'INSUFFICIENT_DATA') return; // the generated alarms have no actions for it
      const event = alarmEvent(alarm, state, previous);
      await functions.invoke(alarm.functionName, event, m, { trigger: 'alarm', alarmName: alarm.alarmName });
    });
    await functions.schedule(now, m);
    await functions.predictIfDue(now, m);
    await functions.costIfDue(now, m);
    await observe(m);
  }
  worlds.stop();
  await layer?.stop();
  return { timelines: worlds.timelines(m), decisions: functions.decisions, minutes: m };
}

/** The plan member of a kind's scenario delay, in minutes: the layer's fixed duration for its operations. */
function minutes(local: LocalAccount, plan: PlanReplay | undefined, kind: TargetKind): [number, number] {
  const member = local.policy.targets.find((t) => t.kind === kind && plan?.members.has(t.name));
  const delay = member ? plan?.members.get(member.name)?.delay : undefined;
  return delay === undefined ? (kind === 'rds-replicas' ? [10, 20] : [4, 12]) : [delay, delay];
}
