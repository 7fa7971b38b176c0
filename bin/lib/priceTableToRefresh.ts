import { existsSync } from 'node:fs';
import { PRICE_FAMILIES, type PriceTable } from '../../shared/cost/priceTable';
import { isRecord } from '../../shared/policy/describePath';
import { CliUsageError, checkCreatableFile, readOptionFile, readWritableFile } from './cliOptions';

/** A price table as `prices` reads and writes it (its other keys, such as `fetched`, kept). */
export type PriceTableFile = PriceTable & Record<string, unknown>;

/**
 * The table `scalepilot prices` refreshes and writes to `file` (`--out`), read, and `file` checked writable,
 * before any request: the file itself when it exists (refreshed in place, keeping what it had), else the bundled
 * table `bundled` (a new file gets its types and, where a price is not found now, its prices).
 */
export function priceTableToRefresh(file: string, bundled: string): PriceTableFile {
  if (existsSync(file)) return parsed('--out', file, readWritableFile('--out', file));
  checkCreatableFile('--out', file);
  return parsed('the bundled price table', bundled, readOptionFile('the bundled price table', bundled));
}

function parsed(option: string, file: string, text: string): PriceTableFile {
  let table: unknown;
  try {
    table = JSON.parse(text);
  } catch (error) {
    throw new CliUsageError(`${option}: ${file}: not a price table (${(error as Error).message})`, {
      cause: error,
    });
  }
  // JSON of another shape (`{}`, `null`, a list) failed later as a TypeError with a stack trace.
  const problem = shapeProblem(table);
  if (problem) throw new CliUsageError(`${option}: ${file}: not a price table (${problem})`);
  return table as PriceTableFile;
}

const FAMILIES: readonly string[] = PRICE_FAMILIES;
/** The families as a message names them: EC2's, each engine's, and an older table's two. */
const NAMED = `price families (${FAMILIES.join(', ')})`;

/** What keeps a parsed JSON value from being a price table, at its place, or undefined. */
function shapeProblem(table: unknown): string | undefined {
  if (!isRecord(table)) return 'expected an object with "regions"';
  if (!isRecord(table.regions)) return '"regions" is not an object of regions';
  for (const [region, families] of Object.entries(table.regions)) {
    if (!isRecord(families)) return `regions["${region}"] is not an object of ${NAMED}`;
    for (const [family, types] of Object.entries(families)) {
      if (!FAMILIES.includes(family)) return `regions["${region}"].${family}: not one of the ${NAMED}`;
      if (!isRecord(types)) return `regions["${region}"].${family} is not an object of types`;
      for (const [type, price] of Object.entries(types))
        if (typeof price !== 'number' || !Number.isFinite(price) || price < 0)
          return `regions["${region}"].${family}["${type}"] is not a price in USD an hour`;
    }
  }
  return undefined;
}
