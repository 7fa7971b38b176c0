// Reading a rendered chart's SVG as a reader sees it: the texts of a role, the hover titles, a named mark.

export function fromXml(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

/** The texts of every `<g class="mark-text role-<role>">` group, in document order. */
export function texts(svg: string, role: string): string[] {
  return [...svg.matchAll(new RegExp(`<g class="mark-text role-${role}[^"]*"[^>]*>(.*?)</g>`, 'g'))].flatMap(
    (g) => [...(g[1] ?? '').matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((t) => fromXml(t[1] ?? '')),
  );
}

/** The hover titles of the marks (decision marks, scatter points). */
export function titles(svg: string): string[] {
  return [...svg.matchAll(/<title>([^<]*)<\/title>/g)].map((t) => fromXml(t[1] ?? ''));
}

/** The opening tags of the items of a named layer (`<name>_marks`). */
export function markItems(svg: string, name: string): string[] {
  const group = new RegExp(`<g class="mark-[a-z]+ role-mark ${name}_marks"[^>]*>(.*?)</g>`).exec(svg);
  return [...(group?.[1] ?? '').matchAll(/<(path|rect|line)\b[^>]*>/g)].map((m) => m[0]);
}

/** An attribute of a tag, e.g. `fill`. */
export function attribute(tag: string, name: string): string | undefined {
  return new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1];
}
