import { MAX_REPLICA_NUMBER, replicaPrefix } from '../decision/rdsReplicasNames';
import type { PolicyProblem } from '../errors';
import { describePath, isRecord } from './describePath';

/**
 * The IAM resource patterns of a source's replica names (issue 20, item 1): `<prefix>?` and `<prefix>??`,
 * one and two characters after `<source>-sp-` (replica numbers run 1..99), so the RDS role can reach
 * nothing whose name runs on past them (`db-sp-main` is outside `db-sp-??`).
 */
export function replicaNamePatterns(source: string): string[] {
  const prefix = replicaPrefix(source);
  return Array.from({ length: String(MAX_REPLICA_NUMBER).length }, (_, i) => `${prefix}${'?'.repeat(i + 1)}`);
}

/** Whether `id` matches one of `source`'s replica name patterns, as IAM matches it (`?`: one character). */
export function matchesReplicaNames(source: string, id: string): boolean {
  const prefix = replicaPrefix(source);
  const rest = id.toLowerCase().length - prefix.length;
  return id.toLowerCase().startsWith(prefix) && rest >= 1 && rest <= String(MAX_REPLICA_NUMBER).length;
}

/**
 * The RDS targets whose names another target's role could reach: a source (or Aurora cluster) identifier
 * that matches the replica name patterns of a target (its own included), or two long sources whose hashed
 * replica prefixes collide. (Replica names of two distinct prefixes never match each other's patterns: both
 * prefixes end in `-sp-`, so they would have to be equal.) Each is one line naming both targets: the role of the second may tag and delete what matches
 * its patterns, so the first's source or replicas would be within its reach. Reads the raw document
 * defensively, as checkMeaning does.
 */
export function checkReplicaNames(raw: unknown): PolicyProblem[] {
  if (!isRecord(raw) || !Array.isArray(raw.targets)) return [];
  const sources = raw.targets.flatMap((t, i) =>
    isRecord(t) && t.kind === 'rds-replicas' && typeof t.sourceDbInstanceIdentifier === 'string'
      ? [{ i, name: String(t.name), source: t.sourceDbInstanceIdentifier.toLowerCase() }]
      : [],
  );
  const problems: PolicyProblem[] = [];
  for (const named of sources)
    for (const other of sources) {
      const patterns = replicaNamePatterns(other.source).join(', ');
      const reach = `targets[${other.i}] "${other.name}" (its replica names ${patterns})`;
      const path = describePath(raw, ['targets', named.i, 'sourceDbInstanceIdentifier']);
      if (matchesReplicaNames(other.source, named.source))
        problems.push({
          path,
          message: `"${named.source}" matches the replica names of ${reach}: that target's role could tag and delete it; rename the source or manage it in another stack`,
        });
      // Two long sources whose shortened, hashed prefixes collide would share their replica names.
      else if (named.source !== other.source && replicaPrefix(named.source) === replicaPrefix(other.source))
        problems.push({
          path,
          message: `"${named.source}" has the same replica names as ${reach}: each target's role could tag and delete the other's replicas; rename one source`,
        });
    }
  return problems;
}
