import type { Target } from '../policy/schema';
import { unitByKind } from '../policy/targetResource';
import type { ScalingCost } from './types';

/** On-demand USD per hour by region, then by price family, then by type (shared/cost/onDemandPrices.json). */
export interface PriceTable {
  readonly regions: Readonly<Record<string, Readonly<Record<PriceFamily, Readonly<Record<string, number>>>>>>;
}
export type PriceFamily = 'ec2' | 'rds' | 'elasticache';

const familyByKind = { asg: 'ec2', 'rds-replicas': 'rds', 'cache-shards': 'elasticache' } as const;

/** One applied change from the decision log. */
export interface AppliedChange {
  readonly at: Date;
  readonly from: number;
  readonly to: number;
}

/**
 * Unit-hours above `min` over [from, to), from the target's applied changes (any order). Before the first
 * change in the window the capacity is what the last earlier change left, or the first change's `from`.
 */
export function unitHoursAbove(changes: readonly AppliedChange[], min: number, from: Date, to: Date): number {
  const sorted = [...changes].sort((a, b) => a.at.getTime() - b.at.getTime());
  const before = sorted.filter((c) => c.at < from).at(-1);
  const inside = sorted.filter((c) => c.at >= from && c.at < to);
  let level = before?.to ?? inside[0]?.from ?? min;
  let since = from.getTime();
  let sum = 0;
  for (const change of inside) {
    sum += Math.max(0, level - min) * (change.at.getTime() - since);
    level = change.to;
    since = change.at.getTime();
  }
  sum += Math.max(0, level - min) * (to.getTime() - since);
  return sum / 3_600_000;
}

/**
 * What one unit is as read from the resource (a replication group's node type and replicas per shard),
 * for what the policy leaves unset: the policy's own values win.
 */
export interface LiveUnit {
  readonly type?: string;
  readonly replicasPerShard?: number;
  /**
   * A group that counts its capacity in another unit than instances (vCPUs, MiB, instance weights), as its
   * decisions recorded it: a unit-hour is then no instance-hour, and is not priced.
   */
  readonly countedIn?: string;
}

/** A cache-shards target whose node type or replicas per shard the policy leaves to the group. */
export function needsLiveUnit(target: Target): boolean {
  return target.kind === 'cache-shards' && (!target.nodeType || target.replicasPerShard === undefined);
}

/** The priced type of one unit and how many of it a unit is (a shard is a primary and its replicas). */
function unitType(target: Target, live: LiveUnit = {}): { type?: string; count: number } {
  if (target.kind === 'asg') return { type: target.instanceType, count: 1 };
  if (target.kind === 'rds-replicas') return { type: target.replicaInstanceClass, count: 1 };
  return {
    type: target.nodeType ?? live.type,
    count: 1 + (target.replicasPerShard ?? live.replicasPerShard ?? 1),
  };
}

/** USD per unit-hour of a target (a shard counts its nodes), or why there is no price. */
export function unitPrice(
  target: Target,
  region: string,
  prices: PriceTable,
  live?: LiveUnit,
): { usdPerUnitHour: number; unitType: string } | { note: string; unitType?: string } {
  if (target.kind === 'asg' && live?.countedIn !== undefined)
    return { note: `no price: the group counts its capacity in ${live.countedIn}, not instances` };
  const { type, count } = unitType(target, live);
  const key = { asg: 'instanceType', 'rds-replicas': 'replicaInstanceClass', 'cache-shards': 'nodeType' }[
    target.kind
  ];
  if (!type) return { note: `no price: set ${key} on the target` };
  const price = prices.regions[region]?.[familyByKind[target.kind]]?.[type];
  if (price === undefined)
    return {
      unitType: type,
      note: `no price for ${type} in ${region}: run npx scalepilot prices --regions ${region}`,
    };
  return { usdPerUnitHour: price * count, unitType: count > 1 ? `${count} × ${type}` : type };
}

/** What the capacity Scalepilot added to one target cost over a day. */
export function scalingCost(
  target: Target,
  changes: readonly AppliedChange[],
  day: { from: Date; to: Date },
  region: string,
  prices: PriceTable,
  live?: LiveUnit,
): ScalingCost {
  const unitHours = unitHoursAbove(changes, target.capacity.min, day.from, day.to);
  const unit = target.kind === 'asg' && live?.countedIn ? live.countedIn : unitByKind[target.kind];
  const base = { target: target.name, kind: target.kind, unitHours, unit };
  const price = unitPrice(target, region, prices, live);
  if ('note' in price) return { ...base, ...price };
  return { ...base, ...price, usd: unitHours * price.usdPerUnitHour };
}
