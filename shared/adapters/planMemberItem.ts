import type { PlanMemberRecord } from '../decision/plans/types';

/** A plan member's record as the ledger stores it (its `PLAN` item's attributes; times as ISO strings). */
export interface StoredPlanMember {
  ordered: number;
  serving: number;
  blocked?: string;
  reachable?: number;
  max?: number;
  at: string;
  changes: { at: string; from: number; to: number }[];
  planLevels: { at: string; desired: number }[];
  leadSeconds: number[];
  growing?: { at: string; to: number };
}

/** The item's attributes for a plan member's record. */
export function storedPlanMember(record: PlanMemberRecord): StoredPlanMember {
  return {
    ordered: record.ordered,
    serving: record.serving,
    ...(record.blocked !== undefined ? { blocked: record.blocked } : {}),
    ...(record.reachable !== undefined ? { reachable: record.reachable } : {}),
    ...(record.max !== undefined ? { max: record.max } : {}),
    at: record.at.toISOString(),
    changes: record.changes.map((c) => ({ at: c.at.toISOString(), from: c.from, to: c.to })),
    planLevels: record.planLevels.map((l) => ({ at: l.at.toISOString(), desired: l.desired })),
    leadSeconds: [...record.leadSeconds],
    ...(record.growing ? { growing: { at: record.growing.at.toISOString(), to: record.growing.to } } : {}),
  };
}

/** A plan member's record from its stored item. */
export function planMemberRecord(stored: StoredPlanMember): PlanMemberRecord {
  return {
    ordered: Number(stored.ordered),
    serving: Number(stored.serving),
    ...(stored.blocked !== undefined ? { blocked: stored.blocked } : {}),
    ...(stored.reachable !== undefined ? { reachable: Number(stored.reachable) } : {}),
    ...(stored.max !== undefined ? { max: Number(stored.max) } : {}),
    at: new Date(stored.at),
    changes: (stored.changes ?? []).map((c) => ({
      at: new Date(c.at),
      from: Number(c.from),
      to: Number(c.to),
    })),
    planLevels: (stored.planLevels ?? []).map((l) => ({ at: new Date(l.at), desired: Number(l.desired) })),
    leadSeconds: (stored.leadSeconds ?? []).map(Number),
    ...(stored.growing
      ? { growing: { at: new Date(stored.growing.at), to: Number(stored.growing.to) } }
      : {}),
  };
}
