import type { PlanMemberModel, PlanMemberState, PlanModel } from '../../../../shared/decision/plans/types';

/**
 * The example policy's plan as the decisions read it: api (2..10, one instance per 500 of demand, 5 min),
 * events-db (1..3, one replica per three API instances, 15 min), sessions-cache (3..6, three shards per five
 * API instances, 10 min), a 15-minute scale-in hold. `over` changes members by name.
 */
export function rushPlan(over: Record<string, Partial<PlanMemberModel>> = {}, hold = 15): PlanModel {
  const members: PlanMemberModel[] = [
    {
      name: 'api',
      kind: 'asg',
      unit: 'instance',
      min: 2,
      max: 10,
      leadMinutes: 5,
      leadSource: 'instanceWarmupSeconds',
      follows: { unitsPerDemand: 0.002 },
      waitFor: [],
    },
    {
      name: 'events-db',
      kind: 'rds-replicas',
      unit: 'read replica',
      min: 1,
      max: 3,
      leadMinutes: 15,
      leadSource: 'the rds-replicas default',
      follows: { member: 'api', units: 1, per: 3 },
      waitFor: [],
    },
    {
      name: 'sessions-cache',
      kind: 'cache-shards',
      unit: 'shard',
      min: 3,
      max: 6,
      leadMinutes: 10,
      leadSource: 'the cache-shards default',
      follows: { member: 'api', units: 3, per: 5 },
      waitFor: [],
    },
  ];
  return {
    name: 'rush',
    scaleInHoldMinutes: hold,
    headroomQuantile: 0.95,
    gateTiming: 'serving',
    members: members.map((m) => ({ ...m, ...over[m.name] })),
  };
}

export const T0 = new Date('2026-12-05T18:00:00Z');
export const minutesAgo = (n: number) => new Date(T0.getTime() - n * 60_000);

/** A member with `ordered` units, all serving unless said, and no changes unless given. */
export function member(ordered: number, more: Partial<PlanMemberState> = {}): PlanMemberState {
  return { ordered, serving: ordered, changes: [], ...more };
}
