import { describe, expect, it } from 'vitest';
import type { TestSpecification, Vitest } from 'vitest/node';
import HeavyFirstSequencer from '../../heavyFirstSequencer';

// What a clean clone gives the sequencer: no remembered durations, only file sizes (larger first); the checkout
// sits under a folder named tests/, which must not make every file heavy.
function sequencer(sizes: Readonly<Record<string, number | undefined>>) {
  const ctx = {
    config: { root: '/ci/tests/repo' },
    cache: {
      getFileTestResults: () => undefined,
      getFileStats: (key: string) => ({ size: sizes[key.slice(1)] ?? 0 }),
    },
  } as unknown as Vitest;
  return new HeavyFirstSequencer(ctx);
}

const spec = (path: string) =>
  ({
    moduleId: `/ci/tests/repo/${path}`,
    project: { name: '', config: { sequence: { groupOrder: 0 }, isolate: true } },
  }) as unknown as TestSpecification;

describe('HeavyFirstSequencer', () => {
  it.each([
    {
      name: 'a small minute-long soak before a large unit file (by size alone it came last)',
      sizes: { 'tests/unit/big.test.ts': 90_000, 'tests/behaviour/soak.test.ts': 2_000 },
      want: ['tests/behaviour/soak.test.ts', 'tests/unit/big.test.ts'],
    },
    {
      name: 'the folders heaviest first: e2e, behaviour, reliability, template, integration, the rest',
      sizes: {
        'tests/unit/a.test.ts': 1,
        'tests/integration/b.test.ts': 1,
        'tests/template/c.test.ts': 1,
        'tests/reliability/d.test.ts': 1,
        'tests/behaviour/e.test.ts': 1,
        'tests/e2e/f.test.ts': 1,
        'tests/property/g.test.ts': 1,
      },
      want: [
        'tests/e2e/f.test.ts',
        'tests/behaviour/e.test.ts',
        'tests/reliability/d.test.ts',
        'tests/template/c.test.ts',
        'tests/integration/b.test.ts',
        'tests/unit/a.test.ts',
        'tests/property/g.test.ts',
      ],
    },
    {
      name: "within a folder, vitest's own order (here: larger first)",
      sizes: { 'tests/integration/small.test.ts': 10, 'tests/integration/large.test.ts': 20 },
      want: ['tests/integration/large.test.ts', 'tests/integration/small.test.ts'],
    },
  ])('orders $name', async ({ sizes, want }) => {
    const files = Object.keys(sizes).map(spec);
    const ordered = await sequencer(sizes).sort(files);
    expect(ordered.map((f) => f.moduleId.replace('/ci/tests/repo/', ''))).toEqual(want);
  });
});
