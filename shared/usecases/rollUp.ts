/**
 * More notices of one kind in one run than one SNS PublishBatch carries: a condition of the fleet (a stage switched
 * to grants by tag with its groups untagged, an event that moved the whole fleet's load), told in one message
 * rather than one a target.
 */
export const ROLL_UP_AT = 10;

/** Targets named in one rolled-up message: its SNS attributes (each target's name, for filter policies) stay small. */
export const TARGETS_PER_ROLLUP = 200;

/**
 * The items `ROLL_UP_AT` or more of which share a key, told together (`TARGETS_PER_ROLLUP` a message, in the order
 * they came), and the rest (`single`, in order). `keyOf` undefined: the item is always told alone. Pure.
 */
export function rollUp<T>(
  items: readonly T[],
  keyOf: (item: T) => string | undefined,
): { single: T[]; together: T[][] } {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    if (key === undefined) continue;
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  const rolled = new Set<T>();
  const together: T[][] = [];
  for (const group of groups.values()) {
    if (group.length < ROLL_UP_AT) continue;
    for (const item of group) rolled.add(item);
    for (let i = 0; i < group.length; i += TARGETS_PER_ROLLUP)
      together.push(group.slice(i, i + TARGETS_PER_ROLLUP));
  }
  return { single: items.filter((item) => !rolled.has(item)), together };
}
