import { describe, expect, it } from 'vitest';
import { refreshRegionPrices } from '../../../bin/lib/refreshRegionPrices';

// `scalepilot prices` per region: a lookup that finds nothing keeps the table's price (it wrote the region back
// without it, and with every lookup failing, wrote it back empty).
const wanted = {
  ec2: new Set(['m7g.large', 't3.micro']),
  rds: new Set(['db.r7g.large']),
  elasticache: new Set<string>(),
};
const previous = {
  ec2: { 'm7g.large': 0.08, 't3.micro': 0.01 },
  rds: { 'db.r7g.large': 0.2 },
  elasticache: {},
};

describe('refreshRegionPrices', () => {
  it.each([
    {
      name: 'every price found: the new ones',
      lookup: { 'm7g.large': 0.09, 't3.micro': 0.02, 'db.r7g.large': 0.25 },
      want: { ec2: { 'm7g.large': 0.09, 't3.micro': 0.02 }, rds: { 'db.r7g.large': 0.25 }, elasticache: {} },
      found: 3,
      said: [],
    },
    {
      name: 'one not found: the table keeps its price, and says so',
      lookup: { 'm7g.large': 0.09, 'db.r7g.large': 0.25 },
      want: { ec2: { 'm7g.large': 0.09, 't3.micro': 0.01 }, rds: { 'db.r7g.large': 0.25 }, elasticache: {} },
      found: 2,
      said: ["us-east-1: no on-demand price for t3.micro now: the table's 0.01 USD an hour is kept"],
    },
    {
      name: 'none found: every price kept, found 0 (the command then writes nothing)',
      lookup: {},
      want: previous,
      found: 0,
      said: expect.arrayContaining([expect.stringContaining('m7g.large now')]),
    },
  ])('$name', async ({ lookup, want, found, said }) => {
    const lines: string[] = [];
    const result = await refreshRegionPrices(
      'us-east-1',
      previous,
      wanted,
      async (_family, type) => (lookup as Record<string, number>)[type],
      (line) => lines.push(line),
    );
    expect(result).toEqual({ prices: want, found });
    expect(lines).toEqual(said);
  });

  it('a type new to the table and not found is said, and left out', async () => {
    const lines: string[] = [];
    const result = await refreshRegionPrices(
      'eu-west-1',
      undefined,
      { ec2: new Set(['x9.huge']), rds: new Set(), elasticache: new Set() },
      async () => undefined,
      (line) => lines.push(line),
    );
    expect(result.prices.ec2).toEqual({});
    expect(lines).toEqual(['eu-west-1: no on-demand price for x9.huge']);
  });
});
