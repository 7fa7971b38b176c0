import table from './onDemandPrices.json' with { type: 'json' };
import type { PriceTable } from './priceTable';

/** The price table bundled with the functions (refresh it with `npx scalepilot prices`). */
export const bundledPrices: PriceTable = table as PriceTable;
