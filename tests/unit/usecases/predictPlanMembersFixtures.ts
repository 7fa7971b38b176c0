import { FORECAST_ACTION_PREFIX, forecastActionName } from '../../../shared/decision/scheduledFloors';
import { validatePolicy } from '../../../shared/policy/parsePolicy';
import type { Policy } from '../../../shared/policy/schema';
import type { MetricHistoryReader, MetricQuery } from '../../../shared/ports';
import type { PredictDeps } from '../../../shared/usecases/predictTargets';
import { capturedLog, testClock } from '../../harness/fixtures';
import { InMemoryLedger } from '../../harness/inMemoryPorts';
import {
  CollectedForecastMetrics,
  CollectedTrustNotices,
  InMemoryScheduledActions,
  SyntheticHistory,
} from '../../harness/predictPorts';

// A plan whose members are two groups: `api` (group g), which may forecast on its own too, and `workers` (group
// g2), which never does. Shared by predictPausedOnItsWay.test.ts and predictPlanMemberUntagged.test.ts.

export const MIN = 60_000;
const DAY = 1440 * MIN;
export const T0 = Date.parse('2026-12-04T17:00:00Z');

/** The plan's demand: 1,000 requests a minute, 4,500 from 18:00 to 19:00 every day (the rush). */
const demand = (t: number) => ((t % DAY) / MIN >= 18 * 60 && (t % DAY) / MIN < 19 * 60 ? 4500 : 1000);

/**
 * The demand metric reads the rush (from `demandSince` on), every target's own rule a quiet `ownLoad` (30% on 4
 * instances); `onRead` is told of each read. Shared with predictPlans.test.ts.
 */
export class PlanHistory implements MetricHistoryReader {
  readonly demand: SyntheticHistory;
  own: SyntheticHistory;
  private readonly onRead: () => void;
  constructor({
    ownLoad = 120,
    demandSince = Number.NEGATIVE_INFINITY,
    onRead = () => {},
  }: { ownLoad?: number; demandSince?: number; onRead?: () => void } = {}) {
    this.demand = new SyntheticHistory(demand, () => 1, demandSince);
    this.own = new SyntheticHistory(() => ownLoad);
    this.onRead = onRead;
  }
  async history(queries: readonly MetricQuery[], start: Date, end: Date) {
    this.onRead();
    const isDemand = (q: MetricQuery) => q.metric.name === 'RequestCount';
    const [a, b] = await Promise.all([
      this.demand.history(queries.filter(isDemand), start, end),
      this.own.history(
        queries.filter((q) => !isDemand(q)),
        start,
        end,
      ),
    ]);
    return new Map([...a, ...b]);
  }
}

/** A step rule on the group's CPU, named `name` (shared with predictPlans.test.ts). */
export const step = (name: string) => ({
  name,
  type: 'step',
  metric: { namespace: 'AWS/EC2', name: 'CPUUtilization', statistic: 'Average' },
  scaleOut: [{ above: 70, add: 2 }],
  scaleIn: [{ below: 30, remove: 1 }],
});

/** The plan `rush` over api and workers; `apiPredictive`: api forecasts on its own too. */
export function planPolicy({
  apiPredictive,
  grantGroupsBy = 'name',
}: {
  apiPredictive: boolean;
  grantGroupsBy?: 'name' | 'tag';
}): Policy {
  return validatePolicy({
    version: 1,
    fleet: { grantGroupsBy },
    targets: [
      {
        name: 'api',
        kind: 'asg',
        autoScalingGroupName: 'g',
        capacity: { min: 2, max: 10 },
        instanceWarmupSeconds: 300,
        predictive: apiPredictive,
        rules: [step('cpu')],
      },
      {
        name: 'workers',
        kind: 'asg',
        autoScalingGroupName: 'g2',
        capacity: { min: 1, max: 10 },
        rules: [step('cpu')],
      },
    ],
    predictive: { enabled: true, mode: 'forecast-and-scale', lookbackDays: 3, capacityBufferPercent: 0 },
    plans: [
      {
        name: 'rush',
        demand: {
          metric: {
            namespace: 'AWS/ApplicationELB',
            name: 'RequestCount',
            statistic: 'Sum',
            dimensions: { LoadBalancer: 'app/lb/1' },
          },
        },
        members: [
          { target: 'api', unitsPerDemand: 0.002, leadTimeMinutes: 0 },
          { target: 'workers', ratio: { member: 'api', per: 3 }, leadTimeMinutes: 0 },
        ],
      },
    ],
  });
}

/** Groups g and g2 in memory, each tagged with the stage (`scalepilot:stage`) or not, as the adapter reports it. */
export class StageTaggedGroups extends InMemoryScheduledActions {
  readonly stageTagged = new Set<string>();
  constructor() {
    super();
    this.others.set('g2', { actions: new Map(), minSize: 1 });
  }
  override async group(name = this.name) {
    return { ...(await super.group(name)), stageTagged: this.stageTagged.has(name) };
  }
  /** The forecast's actions on a group (by name prefix: an operator's are not among them). */
  ours(group: string) {
    const actions = group === this.name ? this.actions : (this.others.get(group)?.actions ?? new Map());
    return [...actions.keys()].filter((n) => n.startsWith(FORECAST_ACTION_PREFIX)).sort();
  }
  /** An earlier run's `count` actions of `target` on `group`, an hour apart. */
  putEarlier(group: string, target: string, count = 3) {
    const actions = group === this.name ? this.actions : this.others.get(group)?.actions;
    for (let i = 1; i <= count; i += 1) {
      const name = forecastActionName(target, new Date(T0 + i * 60 * MIN));
      actions?.set(name, { name, start: new Date(T0 + i * 60 * MIN), minSize: 5 });
    }
  }
}

/** A predict run's ports: the plan's history (`onRead` at each history read), the groups, a ledger, a clock. */
export function setUpPlanRun(policy: Policy, onRead?: () => void) {
  const clock = testClock(new Date(T0));
  const ledger = new InMemoryLedger();
  const groups = new StageTaggedGroups();
  const deps: PredictDeps = {
    policy,
    history: new PlanHistory({ onRead }),
    ledger,
    groups,
    publisher: new CollectedForecastMetrics(),
    notifier: new CollectedTrustNotices(),
    clock,
    log: capturedLog().sink,
  };
  return { deps, clock, ledger, groups };
}
