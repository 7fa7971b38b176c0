import type { Statement } from './functionPermissions';

/**
 * The statements with every group that allows the same actions under the same condition written as one, its
 * resources listed together (in first-seen order, each once): the same grant, since a statement's resources
 * are alternatives. Built per target, the roles grew by a statement a target (a group's SetDesiredCapacity, its
 * scheduled actions) and passed IAM's 10,240 characters for a role's inline policies at a few dozen targets.
 */
export function mergeStatements(statements: readonly Statement[]): Statement[] {
  const merged = new Map<
    string,
    { statement: Statement; resources: unknown[]; seen: Set<string>; count: number }
  >();
  for (const statement of statements) {
    const key = JSON.stringify([statement.Effect, [...statement.Action].sort(), statement.Condition ?? null]);
    const entry = merged.get(key) ?? { statement, resources: [], seen: new Set<string>(), count: 0 };
    entry.count += 1;
    merged.set(key, entry);
    for (const resource of Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource]) {
      const text = JSON.stringify(resource);
      if (entry.seen.has(text)) continue;
      entry.seen.add(text);
      entry.resources.push(resource);
    }
  }
  // A statement merged with none stays as it was written.
  return [...merged.values()].map(({ statement, resources, count }) =>
    count === 1 ? statement : { ...statement, Resource: resources.length === 1 ? resources[0] : resources },
  );
}
