import { join } from 'node:path';
import type { Command } from 'commander';
import { PriceListReader } from '../../shared/adapters/PriceListReader';
import { REGION_CODE } from '../../shared/policy/awsLocations';
import { loadPolicyFile } from '../../shared/policy/loadPolicyFile';
import { awsFrom, CliUsageError, writeOptionFile } from '../lib/cliOptions';
import { priceTableToRefresh } from '../lib/priceTableToRefresh';
import { projectRoot } from '../lib/projectRoot';
import { type RegionPrices, refreshRegionPrices } from '../lib/refreshRegionPrices';
import { wantedPriceTypes } from '../lib/wantedPriceTypes';

/** The table bundled with the functions: refreshed in place by default, and where a new `--out` file starts. */
const BUNDLED_TABLE = join(projectRoot(), 'shared/cost/onDemandPrices.json');

/** Adds `scalepilot prices` to the CLI. */
export function registerPrices(program: Command): void {
  program
    .command('prices')
    .description(
      'refresh the bundled on-demand price table from the AWS Price List API, per engine (for the cost of scaling)',
    )
    .option('--regions <list>', 'comma-separated AWS Region codes', 'us-east-1')
    .option(
      '--policy <file>',
      "also price this policy's instance types, and its classes and node types at every engine",
    )
    .option(
      '--out <file>',
      'where to write the table (refreshed in place; a new file starts from the bundled one)',
      BUNDLED_TABLE,
    )
    .action(async (options: { regions: string; policy?: string; out: string }) => {
      const regions = regionCodes(options.regions);
      const table = priceTableToRefresh(options.out, BUNDLED_TABLE);
      const wanted = wantedPriceTypes(table, options.policy ? loadPolicyFile(options.policy).targets : []);
      // The Price List API answers in us-east-1 (PriceListReader calls it there): no region of the operator's needed.
      const reader = new PriceListReader(await awsFrom({ region: 'us-east-1' }));
      const prices: Record<string, RegionPrices> = { ...table.regions };
      let found = 0;
      for (const region of regions) {
        const refreshed = await refreshRegionPrices(
          region,
          table.regions[region],
          wanted,
          (family, type) => reader.onDemandPrice(family, region, type),
          (line) => console.error(line),
        );
        // A family with no type (an engine neither the table nor the policy prices) is left out.
        prices[region] = Object.fromEntries(
          Object.entries(refreshed.prices).filter(([, types]) => Object.keys(types ?? {}).length > 0),
        );
        found += refreshed.found;
        console.log(`${region}: ${refreshed.found} prices read`);
      }
      // Not one price read (the API unreachable, or answering in a shape this reader does not know): the table
      // stays as it was rather than being written back with nothing new.
      if (found === 0)
        throw new CliUsageError(`no on-demand price found for any type: ${options.out} is left as it was`);
      writeOptionFile(
        '--out',
        options.out,
        `${JSON.stringify({ ...table, fetched: new Date().toISOString(), regions: prices }, null, 2)}\n`,
      );
      console.log(`wrote ${options.out}`);
    });
}

/**
 * `--regions`: AWS Region codes, checked before any request. A wildcard or a typo (`*`, `us-east`) was asked of
 * the Price List API, which has nothing under it, and written into the table as a region of its own.
 */
function regionCodes(list: string): string[] {
  const regions = list
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  const bad = regions.find((r) => !REGION_CODE.test(r));
  if (bad !== undefined || regions.length === 0)
    throw new CliUsageError(
      `--regions: "${bad ?? list}" is not a list of AWS Region codes (e.g. us-east-1,eu-west-1)`,
    );
  return regions;
}
