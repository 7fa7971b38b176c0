import type { EngineSeen } from '../decision/types';
import type { CacheShardsTarget, Target } from '../policy/schema';
import { unitByKind } from '../policy/targetResource';
import { pricedCacheEngine, pricedRdsEngine } from './pricedEngine';
import { type EngineFamily, familyPrice, type PriceTable } from './priceTable';
import type { ScalingCost } from './types';

/** One applied change from the decision log. */
export interface AppliedChange {
  readonly at: Date;
  readonly from: number;
  readonly to: number;
  /**
   * A cache group's replicas per shard (the fewest a shard has) the decision saw, and left once applied, when it
   * recorded them (decisions the gates did not take, settlements among them, record none).
   */
  readonly replicas?: { readonly from: number; readonly to: number };
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
  /**
   * What an RDS source or a cache group ran: the engines the day's decisions recorded (one, unless it changed that
   * day), else the group's as read. A replica or node is priced by it, never by another engine's price.
   */
  readonly engines?: readonly EngineSeen[];
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

/** Why a unit has no price, with its type and engine when they are known. */
type NoPrice = { note: string; unitType?: string; engine?: string };

/**
 * The family a target's unit is priced from: EC2's, or its engine's (the one engine it ran: one that changed
 * that day has no one price), with the engine's label; else why there is none.
 */
function familyOf(
  target: Target,
  engines: readonly EngineSeen[] = [],
): { family: 'ec2' | EngineFamily; label?: string } | { note: string } {
  if (target.kind === 'asg') return { family: 'ec2' };
  const whose = target.kind === 'rds-replicas' ? 'the source' : 'the group';
  const priced = engines.map((seen) => ({
    seen,
    price: target.kind === 'rds-replicas' ? pricedRdsEngine(seen) : pricedCacheEngine(seen),
  }));
  const distinct = [
    ...new Map(priced.map((p) => ['family' in p.price ? p.price.family : p.price.note, p])).values(),
  ];
  const [only, ...others] = distinct;
  if (!only)
    return { note: `no price: the engine of ${whose} is not known (no decision that day recorded it)` };
  if (others.length > 0) {
    const names = distinct.map((p) => ('label' in p.price ? p.price.label : p.seen.name));
    return { note: `no price: the engine of ${whose} changed that day (${names.join(', then ')})` };
  }
  return only.price;
}

/** `db.r6g.large (MySQL)`: a type with its engine, where the engine sets the price. */
export function typeWithEngine(type: string, engine: string | undefined): string {
  return engine ? `${type} (${engine})` : type;
}

/** USD per hour of one instance or node of the target's type, at its engine's price, or why there is no price. */
function typePrice(
  target: Target,
  type: string | undefined,
  region: string,
  prices: PriceTable,
  engines: readonly EngineSeen[] | undefined,
): { usd: number; type: string; engine?: string } | NoPrice {
  const key = { asg: 'instanceType', 'rds-replicas': 'replicaInstanceClass', 'cache-shards': 'nodeType' }[
    target.kind
  ];
  if (!type) return { note: `no price: set ${key} on the target` };
  const family = familyOf(target, engines);
  if ('note' in family) return { unitType: type, note: family.note };
  const engine = family.label ? { engine: family.label } : {};
  const price = familyPrice(prices.regions[region], family.family, type);
  if (price === undefined)
    return {
      unitType: type,
      ...engine,
      note: `no price for ${typeWithEngine(type, family.label)} in ${region}: run npx scalepilot prices --regions ${region}`,
    };
  return { usd: price, type, ...engine };
}

/** USD per unit-hour of a target (a shard counts its nodes), at its engine's price, or why there is no price. */
export function unitPrice(
  target: Target,
  region: string,
  prices: PriceTable,
  live?: LiveUnit,
): { usdPerUnitHour: number; unitType: string; engine?: string } | NoPrice {
  if (target.kind === 'asg' && live?.countedIn !== undefined)
    return { note: `no price: the group counts its capacity in ${live.countedIn}, not instances` };
  const { type, count } = unitType(target, live);
  const price = typePrice(target, type, region, prices, live?.engines);
  if ('note' in price) return price;
  return {
    usdPerUnitHour: price.usd * count,
    unitType: count > 1 ? `${count} × ${type}` : price.type,
    ...(price.engine ? { engine: price.engine } : {}),
  };
}

/**
 * A cache group's changes as the nodes above its minimum they leave: a shard is its primary and the fewest replicas
 * a shard has (a replica added by hand to one shard is not Scalepilot's), as each decision recorded them; one that
 * recorded none keeps the last recorded (a settlement between a replica change and the next gated decision), else
 * `replicas` (the policy's or the group's). The minimum is capacity.min shards at read scaling's minimum replicas,
 * or at the replicas the group has when the target does not scale them.
 */
function nodesAboveMinimum(
  target: CacheShardsTarget,
  changes: readonly AppliedChange[],
  replicas: number,
): AppliedChange[] {
  const above = (shards: number, r: number) =>
    shards * (1 + r) - target.capacity.min * (1 + (target.replicaScaling?.min ?? r));
  let last: number | undefined;
  return [...changes]
    .sort((a, b) => a.at.getTime() - b.at.getTime())
    .map((c) => {
      const from = c.replicas?.from ?? last ?? replicas;
      const to = c.replicas?.to ?? from;
      last = to;
      return { at: c.at, from: above(c.from, from), to: above(c.to, to) };
    });
}

/**
 * The cost of a cache group's scaling, priced by the node, as ElastiCache charges it ("charged hourly per node":
 * https://aws.amazon.com/elasticache/pricing/): node-hours above its minimum (nodesAboveMinimum), so a replica
 * read scaling adds on every shard counts, and each hour counts the replicas the group had then.
 */
function cacheScalingCost(
  target: CacheShardsTarget,
  changes: readonly AppliedChange[],
  day: { from: Date; to: Date },
  region: string,
  prices: PriceTable,
  live: LiveUnit = {},
): ScalingCost {
  // A shard's unit is its primary and its replicas (unitType): priced here by the node.
  const { type, count } = unitType(target, live);
  const unitHours = unitHoursAbove(nodesAboveMinimum(target, changes, count - 1), 0, day.from, day.to);
  const base = { target: target.name, kind: target.kind, unitHours, unit: 'node' };
  const price = typePrice(target, type, region, prices, live.engines);
  if ('note' in price) return { ...base, ...price };
  const { engine } = price;
  return {
    ...base,
    unitType: price.type,
    ...(engine ? { engine } : {}),
    usdPerUnitHour: price.usd,
    usd: unitHours * price.usd,
  };
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
  if (target.kind === 'cache-shards') return cacheScalingCost(target, changes, day, region, prices, live);
  const unitHours = unitHoursAbove(changes, target.capacity.min, day.from, day.to);
  const unit = target.kind === 'asg' && live?.countedIn ? live.countedIn : unitByKind[target.kind];
  const base = { target: target.name, kind: target.kind, unitHours, unit };
  const price = unitPrice(target, region, prices, live);
  if ('note' in price) return { ...base, ...price };
  return { ...base, ...price, usd: unitHours * price.usdPerUnitHour };
}
