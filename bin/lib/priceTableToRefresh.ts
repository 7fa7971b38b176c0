import { existsSync } from 'node:fs';
import type { PriceTable } from '../../shared/cost/scalingCost';
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
  try {
    return JSON.parse(text) as PriceTableFile;
  } catch (error) {
    throw new CliUsageError(`${option}: ${file}: not a price table (${(error as Error).message})`, {
      cause: error,
    });
  }
}
