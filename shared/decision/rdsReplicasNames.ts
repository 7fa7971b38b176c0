/**
 * Names of the replicas Scalepilot creates: `<source>-sp-<n>`, deterministic so a retried create is refused
 * by RDS (`DBInstanceAlreadyExists`) instead of making a second replica. A source id too long for that
 * keeps its first characters and gains a hash of the whole id, so two long sources never share a prefix
 * and every name stays a valid RDS identifier (1-63 letters, digits or hyphens, starting with a letter,
 * no `--`, no trailing hyphen). The prefix depends on the source only: the role's IAM ARNs use it.
 */

/** RDS's identifier limit. */
export const MAX_DB_IDENTIFIER = 63;
/** The highest replica number: two digits, far above the 15 replicas RDS allows per source. */
export const MAX_REPLICA_NUMBER = 99;
/** On `DBInstanceAlreadyExists` for someone else's instance, the next numbers tried before giving up. */
export const NAME_ATTEMPTS = 3;

const HASH_LENGTH = 6;

/** FNV-1a (32 bit) of the id, as lowercase hex: stable across runtimes and free of hyphens. */
function shortHash(text: string): string {
  let hash = 0x811c9dc5;
  for (const char of text) {
    hash ^= char.codePointAt(0) ?? 0;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0').slice(0, HASH_LENGTH);
}

/** The prefix of every replica name of `source`: `<source>-sp-`, or `<head>-<hash>-sp-` for long ids. */
export function replicaPrefix(source: string): string {
  const id = source.toLowerCase();
  const room = MAX_DB_IDENTIFIER - String(MAX_REPLICA_NUMBER).length;
  const plain = `${id}-sp-`;
  if (plain.length <= room) return plain;
  const head = id.slice(0, room - '-sp-'.length - HASH_LENGTH - 1).replace(/-+$/, '');
  return `${head}-${shortHash(id)}-sp-`;
}

/** Scalepilot's n-th replica of `source` (n from 1). */
export function replicaId(source: string, n: number): string {
  if (!Number.isInteger(n) || n < 1 || n > MAX_REPLICA_NUMBER)
    throw new RangeError(`replica number ${n} outside 1..${MAX_REPLICA_NUMBER}`);
  return `${replicaPrefix(source)}${n}`;
}

/** The number in a replica name of `source`, or undefined when the id is not one of its replica names. */
export function replicaNumber(source: string, id: string): number | undefined {
  const prefix = replicaPrefix(source);
  if (!id.toLowerCase().startsWith(prefix)) return undefined;
  const rest = id.slice(prefix.length);
  return /^[1-9]\d?$/.test(rest) ? Number(rest) : undefined;
}

/** RDS's rules for a DB instance identifier. */
export function isValidDbIdentifier(id: string): boolean {
  return (
    id.length >= 1 &&
    id.length <= MAX_DB_IDENTIFIER &&
    /^[A-Za-z][A-Za-z0-9-]*$/.test(id) &&
    !id.includes('--') &&
    !id.endsWith('-')
  );
}

/**
 * The names a create tries, in order: the lowest free numbers (`taken`: every instance id seen), at most
 * `NAME_ATTEMPTS`. Empty when all numbers are taken.
 */
export function nameCandidates(source: string, taken: ReadonlySet<string>): string[] {
  const names: string[] = [];
  for (let n = 1; n <= MAX_REPLICA_NUMBER && names.length < NAME_ATTEMPTS; n += 1) {
    const id = replicaId(source, n);
    if (!taken.has(id)) names.push(id);
  }
  return names;
}
