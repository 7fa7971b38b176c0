/** Renders a path into the raw policy the way operators read it: `targets[2] "api".capacity.max`. */
export function describePath(raw: unknown, path: readonly PropertyKey[]): string {
  let out = '';
  let node: unknown = raw;
  for (const key of path) {
    if (typeof key === 'number') {
      out += `[${key}]`;
      node = Array.isArray(node) ? node[key] : undefined;
      const label = labelOf(node);
      if (label !== undefined) out += ` "${label}"`;
    } else {
      out += out === '' ? String(key) : `.${String(key)}`;
      node = isRecord(node) ? node[String(key)] : undefined;
    }
  }
  return out === '' ? '(top level)' : out;
}

function labelOf(node: unknown): string | undefined {
  return isRecord(node) && typeof node.name === 'string' ? node.name : undefined;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A list's items for the meaning checks, each at its own index: an item that is no record (null, a number) stands
 * as an empty one, which no check finds anything in. Filtering it out moved every later item down one, so their
 * problems named the item before (`members[0].ratio` for `members[1]`); the schema reports the bad item itself.
 */
export function recordsInPlace(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.map((item) => (isRecord(item) ? item : {})) : [];
}
