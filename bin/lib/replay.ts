import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { CloudWatchMetricsReader } from '../../shared/adapters/CloudWatchMetricsReader';
import { capacityPortByKind } from '../../shared/adapters/capacityPorts';
import { costFunction } from '../../shared/lambda/costFunction';
import { predictFunction } from '../../shared/lambda/predictFunction';
import { scalerFunction } from '../../shared/lambda/scalerFunction';
import type { AlarmDefinition } from '../../shared/policy/alarmDefinitions';
import type { Rule, TargetKind } from '../../shared/policy/schema';
import { functionByKind, metricDimensions } from '../../shared/policy/targetResource';
import type { Clock, MetricQuery } from '../../shared/ports';
import { type AlarmStateValue, alarmState } from '../../shared/simulate/alarmState';
import { type Scenario, servingAt, type Timeline } from '../../shared/simulate/engine';
import type { MinuteSeries } from '../../shared/simulate/trace';
import { currentCapacity, type Evaluation, kindScaler } from '../../shared/usecases/evaluateTargets';
import { startAwsBehaviour } from '../../tests/harness/awsBehaviour/awsBehaviour';
import { BootingInstances } from './bootingInstances';
import { COST_FUNCTION, type LocalAccount, PREDICT_FUNCTION } from './localAccount';
import { preloadCosts } from './localCosts';
import { demandPoint, memberLoad, type PlanReplay } from './planReplay';

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

type Handler = (event: unknown, context: Context) => Promise<Evaluation[]>;

/** One target's outcome of a predict run, as the function returns it. */
export interface PredictOutcome {
  readonly target: string;
  readonly reason: string;
  readonly message: string;
  readonly floorNow: number;
}

/** An alarm's state as CloudWatch keeps it: value, reason, and since when. */
type AlarmStateRecord = { state: AlarmStateValue; reason: string; at: string };

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
  const handlers = new Map<string, Handler>();
  for (const [kind, fn] of Object.entries(functionByKind) as [TargetKind, string][]) {
    const deployed = local.functions.get(fn);
    if (!deployed) continue;
    const handler = scalerFunction(
      kind,
      capacityPortByKind[kind],
      { env: deployed.env, policy: local.policy, aws: local.emulator.aws, clock },
      { emf: false },
    );
    handlers.set(fn, handler as unknown as Handler);
  }
  const predictDeployed = options.plan ? local.functions.get(PREDICT_FUNCTION) : undefined;
  const predictHandler = predictDeployed
    ? predictFunction({ env: predictDeployed.env, policy: local.policy, aws: local.emulator.aws, clock })
    : undefined;
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
  const costDeployed = local.functions.get(COST_FUNCTION);
  const costHandler =
    costDeployed && local.policy.cost
      ? costFunction({ env: costDeployed.env, policy: local.policy, aws: local.emulator.aws, clock })
      : undefined;
  // The entry first: what the others see is what it served (planReplay.ts).
  const driven = [...options.driven].sort(([a], [b]) =>
    a === options.plan?.entry ? -1 : b === options.plan?.entry ? 1 : 0,
  );
  const worlds = driven.map(([name, scenario]) => {
    const target = local.policy.targets.find((t) => t.name === name);
    if (!target) throw new Error(`replay: no target "${name}" in the policy`);
    return {
      target,
      scenario,
      capacity: capacityPortByKind[target.kind](local.emulator.aws),
      timeline: {
        policy: 'scalepilot-emulator',
        ordered: new Int32Array(n),
        serving: new Int32Array(n),
        utilisation: new Float64Array(n),
      } satisfies Timeline,
      start: 0,
    };
  });
  const worldOf = new Map(worlds.map((w) => [w.target.name, w]));
  const kindScalers = Object.fromEntries(
    (Object.keys(capacityPortByKind) as TargetKind[]).map((kind) => [
      kind,
      kindScaler(capacityPortByKind[kind](local.emulator.aws)),
    ]),
  ) as Record<TargetKind, ReturnType<typeof kindScaler>>;
  const decisions: ReplayedDecision[] = [];
  const alarmStates = new Map<string, AlarmStateRecord>();
  const metricsReader = new CloudWatchMetricsReader(local.emulator.aws);
  const invoke = async (
    fn: string,
    event: unknown,
    minute: number,
    meta: Omit<ReplayedDecision, 'evaluation' | 'minute' | 'functionName'>,
  ) => {
    const handler = handlers.get(fn);
    const deployed = local.functions.get(fn);
    if (!handler || !deployed) return;
    try {
      for (const evaluation of await handler(event, lambdaContext(deployed.name, deployed.arn))) {
        const d = { minute, functionName: fn, ...meta, evaluation };
        decisions.push(d);
        options.onDecision?.(d);
      }
    } catch (error) {
      options.onError?.(fn, error, minute);
    }
  };

  // moto's instances are InService the moment they are ordered; the emulator answers Pending for the
  // ones still inside the provisioning delay, as AWS would while they boot.
  const booting = new BootingInstances(local);
  const observe = async (m: number) => {
    for (const w of worlds) {
      if (w.target.kind === 'asg') await booting.observe(w.target.autoScalingGroupName, m, w.scenario.delay);
      const ordered = await currentCapacity(w.capacity, w.target, clock.now());
      w.timeline.ordered[m] = ordered;
      if (m === 0) w.start = ordered;
      const serving = servingAt(w.timeline.ordered, m, w.scenario.delay, w.start);
      w.timeline.serving[m] = serving;
      const entry = options.plan ? worldOf.get(options.plan.entry) : undefined;
      const load = options.plan
        ? memberLoad(options.plan, w.target.name, series.load[m] as number, entry?.timeline.serving[m] ?? 0)
        : (series.load[m] as number);
      w.timeline.utilisation[m] = load / (serving * w.scenario.unitCapacity);
    }
    options.onMinute?.({
      minute: m,
      minutes: n,
      now: clock.now(),
      ordered: new Map(worlds.map((w) => [w.target.name, w.timeline.ordered[m] as number])),
    });
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
    const previousMinute = new Date(now - 60_000);
    // Publish what minute m − 1 looked like: at minute m the scalers see the past only. Each rule's metric
    // goes to the target's own dimensions (what its alarms watch) and, for kinds that read their units'
    // own metrics (each replica, each cache node), to every metric the kind asks for, as AWS publishes them.
    const points = [];
    for (const target of local.policy.targets) {
      const world = worldOf.get(target.name);
      const { resource, model } = kindScalers[target.kind];
      const observation = model.metricsFor ? await resource.observe(target) : undefined;
      for (const rule of target.rules) {
        const value = world
          ? drivenValue(rule, world.timeline.utilisation[m - 1] as number, world.scenario.targetUtilisation)
          : steadyValue(rule);
        const own = { ...rule.metric, dimensions: metricDimensions(target, rule.metric.dimensions) };
        const perUnit =
          model.metricsFor && observation !== undefined ? model.metricsFor(target, rule, observation) : [];
        // A unit's other series (a replica's lag) reads healthy: 0.
        for (const metric of [own, ...perUnit])
          points.push({
            metric,
            value: metric.name === rule.metric.name ? value : 0,
            timestamp: previousMinute,
          });
      }
    }
    if (options.plan) points.push(demandPoint(options.plan, series.load[m - 1] as number, previousMinute));
    await local.account.putMetrics(points);
    await evaluateAlarms(local, metricsReader, now, alarmStates, async (alarm, state, previous) => {
      options.onAlarm?.(alarm, state.state, m);
      if (state.state === 'INSUFFICIENT_DATA') return; // the generated alarms have no actions for it
      await invoke(alarm.functionName, alarmEvent(alarm, state, previous), m, {
        trigger: 'alarm',
        alarmName: alarm.alarmName,
      });
    });
    // One schedule rule per function: they run side by side, as the Lambdas do.
    await Promise.all(
      [...handlers.keys()].map((fn) => invoke(fn, scheduleEvent(local, now), m, { trigger: 'schedule' })),
    );
    // predict's hourly schedule, and a first run as the replay starts (the stack was just deployed).
    if (predictHandler && predictDeployed && (m === 1 || now % 3_600_000 === 0)) {
      try {
        const outcomes = (await predictHandler(
          scheduleEvent(local, now),
          // Its own timeout (5 minutes): a forecast over the lookback is slow on a busy emulator.
          lambdaContext(predictDeployed.name, predictDeployed.arn, predictDeployed.timeoutSeconds * 1000),
        )) as PredictOutcome[];
        options.onPrediction?.(outcomes, m);
      } catch (error) {
        options.onError?.(PREDICT_FUNCTION, error, m);
      }
    }
    if (costHandler && costDeployed) {
      // The cost function's schedules: cron(0 8 * * ? *) daily, and rate(1 hour) for the forecast if asked.
      const at = new Date(now);
      const check =
        at.getUTCHours() === 8 && at.getUTCMinutes() === 0
          ? 'daily'
          : local.policy.cost?.hourlyForecast && at.getUTCMinutes() === 0
            ? 'forecast'
            : undefined;
      if (check) {
        try {
          await preloadCosts(local.emulator, local.policy, at);
          const run = await costHandler({ check }, lambdaContext(costDeployed.name, costDeployed.arn));
          options.onCostCheck?.(check, run.notes, run.alerts, m);
        } catch (error) {
          options.onError?.(COST_FUNCTION, error, m);
        }
      }
    }
    await observe(m);
  }
  booting.stop();
  await layer?.stop();
  return {
    timelines: new Map(worlds.map((w) => [w.target.name, sliceTimeline(w.timeline, m)])),
    decisions,
    minutes: m,
  };
}

/** The plan member of a kind's scenario delay, in minutes: the layer's fixed duration for its operations. */
function minutes(local: LocalAccount, plan: PlanReplay | undefined, kind: TargetKind): [number, number] {
  const member = local.policy.targets.find((t) => t.kind === kind && plan?.members.has(t.name));
  const delay = member ? plan?.members.get(member.name)?.delay : undefined;
  return delay === undefined ? (kind === 'rds-replicas' ? [10, 20] : [4, 12]) : [delay, delay];
}

/** CloudWatch's part: evaluate each alarm over its last periods and report the ones whose state changed. */
async function evaluateAlarms(
  local: LocalAccount,
  reader: CloudWatchMetricsReader,
  now: number,
  states: Map<string, AlarmStateRecord>,
  changed: (
    alarm: LocalAccount['alarms'][number],
    state: AlarmStateRecord,
    previous: AlarmStateRecord,
  ) => Promise<void>,
): Promise<void> {
  const span = (a: AlarmDefinition) => a.evaluationPeriods * a.metric.periodSeconds * 1000;
  const longest = Math.max(...local.alarms.map(span));
  // A rule's scale-out and scale-in alarms watch the same metric: read each metric once. (The reader's
  // query ids only name its results, so the metric itself can be the id.)
  const metricKey = (a: AlarmDefinition) => JSON.stringify(a.metric);
  const queries: MetricQuery[] = [...new Map(local.alarms.map((a) => [metricKey(a), a.metric]))].map(
    ([id, metric]) => ({ id, metric }),
  );
  const points = await reader.datapoints(queries, new Date(now - longest), new Date(now));
  for (const alarm of local.alarms) {
    const period = alarm.metric.periodSeconds * 1000;
    const from = now - span(alarm);
    const periods: (number | undefined)[] = new Array(alarm.evaluationPeriods).fill(undefined);
    for (const p of points.get(metricKey(alarm)) ?? []) {
      const k = Math.floor((p.timestamp.getTime() - from) / period);
      if (k >= 0 && k < periods.length) periods[k] = p.value;
    }
    const evaluation = alarmState(alarm, periods);
    const previous = states.get(alarm.alarmName) ?? {
      state: 'INSUFFICIENT_DATA' as const,
      reason: 'Unchecked: Initial alarm creation',
      at: new Date(now).toISOString(),
    };
    if (evaluation.state === previous.state) continue;
    const next = { ...evaluation, at: new Date(now).toISOString() };
    states.set(alarm.alarmName, next);
    await local.account.setAlarmState(alarm.alarmName, evaluation.state, evaluation.reason);
    await changed(alarm, next, previous);
  }
}

/** The value a rule's metric reads at a utilisation: percent for step rules, scaled to the target for target tracking. */
function drivenValue(rule: Rule, utilisation: number, targetUtilisation: number): number {
  const value =
    rule.type === 'step' ? Math.min(100, 100 * utilisation) : (utilisation / targetUtilisation) * rule.target;
  return rawValue(rule, value);
}

/** Midway between the rule's scale-in and scale-out thresholds (or its target): no alarm, no change. */
function steadyValue(rule: Rule): number {
  if (rule.type !== 'step') return rawValue(rule, rule.target);
  const out = Math.min(...rule.scaleOut.map((s) => s.above));
  const inn = Math.max(...rule.scaleIn.map((s) => s.below));
  const value =
    Number.isFinite(out) && Number.isFinite(inn) ? (out + inn) / 2 : Number.isFinite(out) ? out / 2 : inn * 2;
  return rawValue(rule, value);
}

/** A `percentOf` metric is published raw (connections), and read back as a percentage. */
function rawValue(rule: Rule, value: number): number {
  return rule.metric.percentOf === undefined ? value : (value * rule.metric.percentOf) / 100;
}

function sliceTimeline(t: Timeline, minutes: number): Timeline {
  return {
    policy: t.policy,
    ordered: t.ordered.slice(0, minutes),
    serving: t.serving.slice(0, minutes),
    utilisation: t.utilisation.slice(0, minutes),
  };
}

/** The event CloudWatch sends to a Lambda alarm action. */
function alarmEvent(
  alarm: LocalAccount['alarms'][number],
  state: AlarmStateRecord,
  previous: AlarmStateRecord,
) {
  const [, , , region, accountId] = alarm.alarmArn.split(':');
  return {
    source: 'aws.cloudwatch',
    alarmArn: alarm.alarmArn,
    accountId,
    time: state.at,
    region,
    alarmData: {
      alarmName: alarm.alarmName,
      state: { value: state.state, reason: state.reason, timestamp: state.at },
      previousState: { value: previous.state, reason: previous.reason, timestamp: previous.at },
      configuration: {
        description: `${alarm.targetName} ${alarm.ruleName} scale ${alarm.direction}`,
        metrics: [
          {
            id: 'm1',
            metricStat: {
              metric: {
                namespace: alarm.metric.namespace,
                name: alarm.metric.name,
                dimensions: alarm.metric.dimensions,
              },
              period: alarm.metric.periodSeconds,
              stat: alarm.metric.statistic,
            },
            returnData: true,
          },
        ],
      },
    },
  };
}

/** EventBridge's scheduled event for the one-minute rule. */
function scheduleEvent(local: LocalAccount, now: number) {
  const { region } = local.emulator.aws;
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: local.functions.values().next().value?.arn.split(':')[4] ?? '',
    time: new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [`arn:aws:events:${region}:123456789012:rule/${local.stage}-schedule`],
    detail: {},
  };
}

/** The Lambda context the runtime would pass. */
function lambdaContext(functionName: string, arn: string, remainingMs = 60_000): Context {
  return {
    awsRequestId: randomUUID(),
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: arn,
    memoryLimitInMB: '256',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local-replay',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => remainingMs,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}
