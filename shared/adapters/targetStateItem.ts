import { MAX_FAILED_REMOVALS } from '../decision/cacheShardRemovals';
import type { PendingIntent } from '../decision/types';
import type { TargetRecord, TargetUpdate } from '../ports';

// A target's STATE item (lease, history, intent, failures, notices, floors, the scaling policies that
// refused it) and WINDOW item (its recommendations) as DynamoLedger stores them: the update a TargetUpdate
// makes, and the record read back.

/** The STATE item as stored. */
export interface StoredState {
  leaseExpiresAt?: number;
  /** Kept here before the recommendation window got an item of its own (`WINDOW`); read when that is absent. */
  recommendations?: { at: string; desired: number }[];
  lastScaleOutAt?: string;
  lastScaleInAt?: string;
  changes?: { at: string; from: number; to: number }[];
  intent?: Omit<PendingIntent, 'at'> & { at: string };
  failures?: number;
  backoffUntil?: string;
  lastNotice?: string;
  noticesToldAt?: Record<string, string>;
  /** Unit id → when AWS kept it on a removal (at most MAX_STORED_FAILED_REMOVALS, the newest). */
  failedRemovals?: Record<string, string>;
  /** The group's own scaling policies that refused it (at most MAX_STORED_POLICY_ARNS). */
  scalingPolicyArns?: string[];
  floors?: {
    start: string;
    stepMinutes: number;
    units: number[];
    madeAt: string;
    source: string;
    stepSources?: { sources: string[]; index: number[] };
  };
}

/** The WINDOW item as stored (`writeId`: absent on an item written before items had one). */
export interface StoredWindow {
  recommendations?: { at: string; desired: number }[];
  writeId?: string;
}

/** The STATE item's update expression for a TargetUpdate; fenced on the lease's token when one is given. */
export function stateUpdate(update: TargetUpdate, now: Date) {
  const parts = new UpdateParts();
  if (update.history) historyParts(parts, update.history);
  if (update.clearIntent) parts.remove('intent');
  else if (update.intentRecorded) parts.set('intent.recorded', ':recorded', true);
  if (update.failures) {
    parts.set('failures', ':failures', update.failures.count);
    parts.setOrRemove('backoffUntil', ':backoff', update.failures.backoffUntil?.toISOString());
  }
  if (update.lastNotice !== undefined)
    parts.setOrRemove('lastNotice', ':notice', update.lastNotice ?? undefined);
  if (update.noticesToldAt) {
    const told = Object.entries(update.noticesToldAt).map(([key, at]) => [key, at.toISOString()]);
    parts.set('noticesToldAt', ':told', Object.fromEntries(told));
  }
  if (update.failedRemovals) failedRemovalParts(parts, update.failedRemovals);
  if (update.scalingPolicyArns !== undefined) {
    const kept = (update.scalingPolicyArns ?? []).slice(0, MAX_STORED_POLICY_ARNS);
    parts.setOrRemove('scalingPolicyArns', ':policyArns', kept.length > 0 ? [...kept] : undefined);
  }
  const { values } = parts;
  let condition: string | undefined;
  if (update.lease) {
    condition = 'leaseToken = :token AND leaseExpiresAt >= :now';
    values[':token'] = update.lease.token;
    values[':now'] = now.getTime();
  }
  const expression = parts.expression();
  // DynamoDB refuses an empty update: touch the item's failure count, which every update may set.
  return {
    expression: expression || 'SET failures = if_not_exists(failures, :zero)',
    condition,
    values: expression ? values : { ...values, ':zero': 0 },
  };
}

/**
 * The history's part of the update, written whole: a last scale time it no longer has (a rolled-back change)
 * goes. Its recommendations go to the target's WINDOW item, in the same transaction.
 */
function historyParts(parts: UpdateParts, history: NonNullable<TargetUpdate['history']>): void {
  const changes = history.changes.map((c) => ({ at: c.at.toISOString(), from: c.from, to: c.to }));
  parts.set('changes', ':changes', changes);
  parts.remove('recommendations');
  parts.setOrRemove('lastScaleOutAt', ':out', history.lastScaleOutAt?.toISOString());
  parts.setOrRemove('lastScaleInAt', ':in', history.lastScaleInAt?.toISOString());
}

/**
 * The most failed removals the STATE item keeps, the newest: whatever a kind asks to remember, the item stays
 * bounded (each entry is a unit id and a timestamp: about 60 bytes for a cache shard, 100 for an RDS instance id).
 * The same bound the kind remembers within (one number: a kind remembering more would be cut here unsaid).
 */
export const MAX_STORED_FAILED_REMOVALS = MAX_FAILED_REMOVALS;

/**
 * The most ARNs of a group's own scaling policies the STATE item keeps: one still there keeps the group
 * refused on the first look, so a few are enough; when all of those are gone the group's lease path reads every
 * policy again (and keeps the new ones). Five ARNs of about 150 bytes, a tenth of a DescribePolicies call.
 */
export const MAX_STORED_POLICY_ARNS = 5;

/** The failed removals, written whole (the newest MAX_STORED_FAILED_REMOVALS); none removes the attribute. */
function failedRemovalParts(parts: UpdateParts, failed: Readonly<Record<string, Date>>): void {
  const newest = Object.entries(failed)
    .sort((a, b) => b[1].getTime() - a[1].getTime())
    .slice(0, MAX_STORED_FAILED_REMOVALS)
    .map(([id, at]) => [id, at.toISOString()]);
  parts.setOrRemove(
    'failedRemovals',
    ':failedRemovals',
    newest.length > 0 ? Object.fromEntries(newest) : undefined,
  );
}

/** The SET and REMOVE clauses of an update expression, and its values. */
class UpdateParts {
  readonly values: Record<string, unknown> = {};
  private readonly sets: string[] = [];
  private readonly removes: string[] = [];

  set(path: string, placeholder: string, value: unknown): void {
    this.sets.push(`${path} = ${placeholder}`);
    this.values[placeholder] = value;
  }

  remove(path: string): void {
    this.removes.push(path);
  }

  /** Set when there is a value, removed when there is none. */
  setOrRemove(path: string, placeholder: string, value: unknown): void {
    if (value === undefined) this.remove(path);
    else this.set(path, placeholder, value);
  }

  expression(): string {
    return [
      this.sets.length > 0 ? `SET ${this.sets.join(', ')}` : '',
      this.removes.length > 0 ? `REMOVE ${this.removes.join(', ')}` : '',
    ]
      .filter(Boolean)
      .join(' ');
  }
}

/** A target's record from its stored STATE and WINDOW items (either may be missing). */
export function targetRecord(stored: StoredState, window: StoredWindow | undefined): TargetRecord {
  return {
    history: {
      ...(stored.lastScaleOutAt ? { lastScaleOutAt: new Date(stored.lastScaleOutAt) } : {}),
      ...(stored.lastScaleInAt ? { lastScaleInAt: new Date(stored.lastScaleInAt) } : {}),
      recommendations: (window?.recommendations ?? stored.recommendations ?? []).map((r) => ({
        at: new Date(r.at),
        desired: r.desired,
      })),
      changes: (stored.changes ?? []).map((c) => ({ at: new Date(c.at), from: c.from, to: c.to })),
    },
    ...(window?.writeId ? { windowWriteId: window.writeId } : {}),
    ...(stored.intent ? { intent: { ...stored.intent, at: new Date(stored.intent.at) } } : {}),
    failures: stored.failures ?? 0,
    ...(stored.backoffUntil ? { backoffUntil: new Date(stored.backoffUntil) } : {}),
    ...(stored.lastNotice ? { lastNotice: stored.lastNotice } : {}),
    ...(stored.noticesToldAt
      ? {
          noticesToldAt: Object.fromEntries(
            Object.entries(stored.noticesToldAt).map(([key, at]) => [key, new Date(at)]),
          ),
        }
      : {}),
    ...(stored.failedRemovals
      ? {
          failedRemovals: Object.fromEntries(
            Object.entries(stored.failedRemovals).map(([id, at]) => [id, new Date(at)]),
          ),
        }
      : {}),
    ...(typeof stored.leaseExpiresAt === 'number' ? { leaseExpiresAt: new Date(stored.leaseExpiresAt) } : {}),
    ...(stored.scalingPolicyArns?.length ? { scalingPolicyArns: stored.scalingPolicyArns } : {}),
    ...(stored.floors
      ? {
          floors: {
            ...stored.floors,
            start: new Date(stored.floors.start),
            madeAt: new Date(stored.floors.madeAt),
          },
        }
      : {}),
  };
}
