import { familyLabel, familyPrice, type PriceFamily } from '../../shared/cost/priceTable';
import { typeWithEngine } from '../../shared/cost/scalingCost';

export type RegionPrices = Partial<Record<PriceFamily, Record<string, number>>>;

/**
 * One region's prices refreshed from the Price List API (`lookup`): each wanted type of each family at its price
 * now, or, when none is found (a type the region or engine does not sell, a lookup that failed), at the price the
 * table had (`previous`, a legacy family's for PostgreSQL and Redis OSS), said in a line naming the engine; a
 * refresh never drops a price it could not replace. `found` counts the prices read now. The families written are
 * `wanted`'s.
 */
export async function refreshRegionPrices(
  region: string,
  previous: RegionPrices | undefined,
  wanted: Readonly<Partial<Record<PriceFamily, ReadonlySet<string>>>>,
  lookup: (family: PriceFamily, type: string) => Promise<number | undefined>,
  say: (line: string) => void,
): Promise<{ prices: RegionPrices; found: number }> {
  const prices: RegionPrices = {};
  let found = 0;
  for (const [family, types] of Object.entries(wanted) as [PriceFamily, ReadonlySet<string>][]) {
    const refreshed: Record<string, number> = {};
    prices[family] = refreshed;
    for (const type of [...types].sort()) {
      const price = await lookup(family, type);
      const before = familyPrice(previous, family, type);
      const what = typeWithEngine(type, familyLabel(family));
      if (price !== undefined) {
        refreshed[type] = price;
        found += 1;
      } else if (before !== undefined) {
        refreshed[type] = before;
        say(`${region}: no on-demand price for ${what} now: the table's ${before} USD an hour is kept`);
      } else say(`${region}: no on-demand price for ${what}`);
    }
  }
  return { prices, found };
}
