import type { PriceFamily } from '../../shared/cost/scalingCost';

export type RegionPrices = Record<PriceFamily, Record<string, number>>;

/**
 * One region's prices refreshed from the Price List API (`lookup`): each wanted type at its price now, or, when
 * none is found (a type the region does not sell, a lookup that failed), at the price the table had, said in a
 * line; a refresh never drops a price it could not replace. `found` counts the prices read now.
 */
export async function refreshRegionPrices(
  region: string,
  previous: Partial<RegionPrices> | undefined,
  wanted: Readonly<Record<PriceFamily, ReadonlySet<string>>>,
  lookup: (family: PriceFamily, type: string) => Promise<number | undefined>,
  say: (line: string) => void,
): Promise<{ prices: RegionPrices; found: number }> {
  const prices: RegionPrices = { ec2: {}, rds: {}, elasticache: {} };
  let found = 0;
  for (const family of Object.keys(prices) as PriceFamily[])
    for (const type of [...wanted[family]].sort()) {
      const price = await lookup(family, type);
      const before = previous?.[family]?.[type];
      if (price !== undefined) {
        prices[family][type] = price;
        found += 1;
      } else if (before !== undefined) {
        prices[family][type] = before;
        say(`${region}: no on-demand price for ${type} now: the table's ${before} USD an hour is kept`);
      } else say(`${region}: no on-demand price for ${type}`);
    }
  return { prices, found };
}
