import { randomUUID } from 'node:crypto';
import type { PlanMemberRecord } from '../decision/plans/types';
import type { Decision } from '../decision/types';
import type { DecisionContext, TargetRecord, WriteId } from '../ports';
import type { ConditionalPut } from './dynamoBatches';
import { storedPlanMember } from './planMemberItem';

// The ledger's per-target items that DynamoLedger writes with a decision: its log entry, the target's WINDOW
// and a plan member's PLAN item, and the condition under which a write without a lease may replace the latter.

/** How long decision log entries are kept (DynamoDB TTL). */
export const DECISION_LOG_DAYS = 30;

/** A target's recommendation window outlives its longest window (one day) by a day, then goes (TTL). */
const WINDOW_DAYS = 2;

/** One logged decision as stored (and as read back by `decisions`). */
export interface DecisionLogEntry extends Decision {
  readonly at: string;
  readonly trigger: DecisionContext['trigger'];
  readonly alarmName?: string;
  readonly applied: boolean;
  readonly dryRun: boolean;
}

/** A decision's log entry; `unique` ends its sort key, so no two decisions share an item. */
export function logItem(pk: string, decision: Decision, context: DecisionContext, unique: string) {
  const at = context.now.toISOString();
  const entry: DecisionLogEntry = {
    ...decision,
    at,
    trigger: context.trigger,
    applied: context.applied,
    dryRun: context.dryRun,
    ...(context.alarmName ? { alarmName: context.alarmName } : {}),
  };
  return {
    pk,
    sk: `DECISION#${at}#${unique}`,
    ...entry,
    ttl: Math.floor(context.now.getTime() / 1000) + DECISION_LOG_DAYS * 86400,
  };
}

/**
 * The target's recommendation window, replaced whole. Each write of it (and of a PLAN item) carries a new random
 * `writeId`: a write without a lease names the one its run read, and a random id never comes back (a counter or
 * a time could: two writers counting from one read, two writes in one millisecond).
 */
export function windowItem(
  pk: string,
  recommendations: TargetRecord['history']['recommendations'],
  now: Date,
) {
  return {
    pk,
    sk: 'WINDOW',
    writeId: randomUUID(),
    recommendations: recommendations.map((r) => ({ at: r.at.toISOString(), desired: r.desired })),
    ttl: Math.floor(now.getTime() / 1000) + WINDOW_DAYS * 86400,
  };
}

/** A plan member's state: replaced whole with each decision (a new `writeId`); gone (TTL) a day after its member stopped. */
export function planItem(pk: string, plan: PlanMemberRecord, now: Date) {
  return {
    pk,
    sk: 'PLAN',
    writeId: randomUUID(),
    ...storedPlanMember(plan),
    ttl: Math.floor(now.getTime() / 1000) + WINDOW_DAYS * 86400,
  };
}

/**
 * The condition that a WINDOW or PLAN item is still the write a run read. None read (no item, or one written
 * before items had an id): still none, so an item a leased run created or rewrote since is kept.
 */
export function stillAsRead(writeId: WriteId | undefined): NonNullable<ConditionalPut['condition']> {
  return writeId === undefined
    ? { expression: 'attribute_not_exists(writeId)' }
    : { expression: 'writeId = :read', values: { ':read': writeId } };
}
