import { describe, expect, it } from 'vitest';
import { markdownPages, read } from './markdown';

// The README an operator reads in five minutes: at most 200 lines, the two commands first, then what it does.
describe('the README', () => {
  const text = read('README.md');
  const lines = text.trimEnd().split('\n');

  it('is at most 200 lines', () => {
    expect(lines.length).toBeLessThanOrEqual(200);
  });

  it('starts with the two commands: after its title, the first thing is the block of npm start and npm test', () => {
    const [title, ...rest] = lines;
    expect(title).toBe('# Scalepilot');
    const first = rest.findIndex((l) => l.trim() !== '');
    expect(rest[first]).toBe('```sh');
    const block = rest.slice(first + 1, rest.indexOf('```', first + 1));
    expect(block.map((l) => l.replace(/\s+#.*$/, ''))).toEqual([
      'npm install && npm start',
      'npm install && npm test',
    ]);
  });

  it('links every page of docs/ from its Documentation list', () => {
    const list = text.slice(text.indexOf('## Documentation'));
    const linked = new Set([...list.matchAll(/\]\((docs\/[\w-]+\.md)\)/g)].map((m) => m[1]));
    const pages = markdownPages().filter((p) => p.startsWith('docs/'));
    expect(pages.length).toBeGreaterThan(10);
    expect(pages.filter((p) => !linked.has(p))).toEqual([]);
  });
});
