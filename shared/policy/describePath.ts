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
