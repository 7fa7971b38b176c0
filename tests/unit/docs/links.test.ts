import { existsSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';
import { anchors, markdownPages, ROOT, read, relativeLinks, slug } from './markdown';

// Every relative link of README.md and docs/*.md resolves: the file (or folder) exists, and its #anchor is a
// heading of that page by GitHub's rules. Links out of the repository (../shared/…) must exist beside it.
describe('the documentation’s links', () => {
  it.each([
    { heading: 'Forecasts and predictive scaling', want: 'forecasts-and-predictive-scaling' },
    { heading: 'Predictive scaling (the predict function)', want: 'predictive-scaling-the-predict-function' },
    { heading: 'Targets (`targets[]`)', want: 'targets-targets' },
    { heading: 'The local account (`npm start`)', want: 'the-local-account-npm-start' },
    { heading: 'Cost ÷ oracle, 2× — déjà vu', want: 'cost--oracle-2--déjà-vu' },
  ])('makes GitHub’s anchor of "$heading"', ({ heading, want }) => {
    expect(slug(heading)).toBe(want);
  });

  it('numbers a repeated heading’s anchor as GitHub does', () => {
    expect([...anchors('# A\n## B\n## B\n```\n# not a heading\n```\n### B\n')]).toEqual([
      'a',
      'b',
      'b-1',
      'b-2',
    ]);
  });

  it('leaves out links in code and links out of the repository', () => {
    expect(
      relativeLinks('[a](b.md) `[c](d.md)` [e](https://x.org) ![f](g.png "t")\n```\n[h](i.md)\n```\n'),
    ).toEqual(['b.md', 'g.png']);
  });

  for (const page of markdownPages())
    it(`resolves every relative link of ${page}`, () => {
      const broken: string[] = [];
      for (const link of relativeLinks(read(page))) {
        const [path = '', anchor] = link.split('#');
        const target = path === '' ? page : normalize(join(dirname(page), decodeURIComponent(path)));
        const file = join(ROOT, target);
        if (!existsSync(file)) {
          broken.push(`${link}: no ${target}`);
          continue;
        }
        if (anchor !== undefined && !statSync(file).isDirectory() && target.endsWith('.md'))
          if (!anchors(read(target)).has(anchor)) broken.push(`${link}: no heading #${anchor} in ${target}`);
      }
      expect(broken).toEqual([]);
    });
});
