import { capacityPortByKind } from '../../shared/adapters/capacityPorts';
import { PRIMARY_METRIC } from '../../shared/decision/cacheShardReads';
import type { CacheShardsObservation } from '../../shared/decision/cacheShards';
import type { TargetKind } from '../../shared/policy/schema';
import { metricDimensions } from '../../shared/policy/targetResource';
import { kindScaler } from '../../shared/usecases/evaluateTargets';
import type { DrivenWorlds } from './drivenWorlds';
import type { LocalAccount } from './localAccount';
import { demandPoint, type PlanReplay } from './planReplay';
import { drivenValue, steadyValue } from './replayValues';

type Datapoint = Parameters<LocalAccount['account']['putMetrics']>[0][number];

/**
 * What the account's metrics show for minute m − 1 (at minute m the scalers see the past only). Each rule's
 * metric goes to the target's own dimensions (what its alarms watch) and, for kinds that read their units'
 * own metrics (each replica, each cache node), to every metric the kind asks for, as AWS publishes them;
 * a plan's demand metric too.
 */
export class MinuteMetrics {
  private readonly scalers: Record<TargetKind, ReturnType<typeof kindScaler>>;

  constructor(
    private readonly local: LocalAccount,
    private readonly worlds: DrivenWorlds,
    private readonly plan: PlanReplay | undefined,
  ) {
    this.scalers = Object.fromEntries(
      (Object.keys(capacityPortByKind) as TargetKind[]).map((kind) => [
        kind,
        kindScaler(capacityPortByKind[kind](local.emulator.aws)),
      ]),
    ) as Record<TargetKind, ReturnType<typeof kindScaler>>;
  }

  /** Publishes minute m − 1's datapoints, stamped at `previousMinute`; `demand` is the trace's load then. */
  async publish(m: number, previousMinute: Date, demand: number): Promise<void> {
    const points: Datapoint[] = [];
    for (const target of this.local.policy.targets) {
      const world = this.worlds.get(target.name);
      const { resource, model } = this.scalers[target.kind];
      const observation = model.metricsFor ? await resource.observe(target) : undefined;
      for (const rule of target.rules) {
        const value = world
          ? drivenValue(rule, world.timeline.utilisation[m - 1] as number, world.scenario.targetUtilisation)
          : steadyValue(rule);
        const own = { ...rule.metric, dimensions: metricDimensions(target, rule.metric.dimensions) };
        const perUnit =
          model.metricsFor && observation !== undefined ? model.metricsFor(target, rule, observation) : [];
        // A unit's other series (a replica's lag, a cache node's host CPU) reads healthy: 0; a cache node's
        // IsMaster 1 on its shard's first member (the emulator never fails a shard over).
        for (const metric of [own, ...perUnit])
          points.push({
            metric,
            value:
              metric.name === rule.metric.name
                ? value
                : metric.name === PRIMARY_METRIC
                  ? Number(firstMembers(observation).has(metric.dimensions.CacheClusterId ?? ''))
                  : 0,
            timestamp: previousMinute,
          });
      }
    }
    if (this.plan) points.push(demandPoint(this.plan, demand, previousMinute));
    await this.local.account.putMetrics(points);
  }
}

/** Each cache shard's first member (nothing for another kind's observation). */
function firstMembers(observation: unknown): Set<string> {
  const shards = (observation as Partial<CacheShardsObservation> | undefined)?.shards ?? [];
  return new Set(shards.flatMap((s) => (s.nodes[0] ? [s.nodes[0].id] : [])));
}
