import type { PendingIntent } from '../decision/types';
import type { TargetRecord, TargetUpdate } from '../ports';

// A target's STATE item (lease, history, intent, failures, notices, floors) and WINDOW item (its
// recommendations) as DynamoLedger stores them: the update a TargetUpdate makes, and the record read back.

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
  floors?: { start: string; stepMinutes: number; units: number[]; madeAt: string; source: string };
}

/** The WINDOW item as stored. */
export interface StoredWindow {
  recommendations?: { at: string; desired: number }[];
}

/** The STATE item's update expression for a TargetUpdate; fenced on the lease's token when one is given. */
export function stateUpdate(update: TargetUpdate, now: Date) {
  const set: string[] = [];
  const remove: string[] = [];
  const values: Record<string, unknown> = {};
  const { history } = update;
  if (history) {
    // The recommendations go to the target's WINDOW item, in the same transaction.
    set.push('changes = :changes');
    remove.push('recommendations');
    values[':changes'] = history.changes.map((c) => ({ at: c.at.toISOString(), from: c.from, to: c.to }));
    // The history is written whole: a last scale time it no longer has (a rolled-back change) goes.
    if (history.lastScaleOutAt) {
      set.push('lastScaleOutAt = :out');
      values[':out'] = history.lastScaleOutAt.toISOString();
    } else remove.push('lastScaleOutAt');
    if (history.lastScaleInAt) {
      set.push('lastScaleInAt = :in');
      values[':in'] = history.lastScaleInAt.toISOString();
    } else remove.push('lastScaleInAt');
  }
  if (update.clearIntent) remove.push('intent');
  else if (update.intentRecorded) {
    set.push('intent.recorded = :recorded');
    values[':recorded'] = true;
  }
  if (update.failures) {
    set.push('failures = :failures');
    values[':failures'] = update.failures.count;
    if (update.failures.backoffUntil) {
      set.push('backoffUntil = :backoff');
      values[':backoff'] = update.failures.backoffUntil.toISOString();
    } else remove.push('backoffUntil');
  }
  if (update.lastNotice === null) remove.push('lastNotice');
  else if (update.lastNotice !== undefined) {
    set.push('lastNotice = :notice');
    values[':notice'] = update.lastNotice;
  }
  if (update.noticesToldAt) {
    set.push('noticesToldAt = :told');
    values[':told'] = Object.fromEntries(
      Object.entries(update.noticesToldAt).map(([key, at]) => [key, at.toISOString()]),
    );
  }
  let condition: string | undefined;
  if (update.lease) {
    condition = 'leaseToken = :token AND leaseExpiresAt >= :now';
    values[':token'] = update.lease.token;
    values[':now'] = now.getTime();
  }
  const expression = [
    set.length > 0 ? `SET ${set.join(', ')}` : '',
    remove.length > 0 ? `REMOVE ${remove.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join(' ');
  // DynamoDB refuses an empty update: touch the item's failure count, which every update may set.
  return {
    expression: expression || 'SET failures = if_not_exists(failures, :zero)',
    condition,
    values: expression ? values : { ...values, ':zero': 0 },
  };
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
    ...(typeof stored.leaseExpiresAt === 'number' ? { leaseExpiresAt: new Date(stored.leaseExpiresAt) } : {}),
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
