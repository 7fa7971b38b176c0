import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The checkout the CLI runs from: the nearest folder above this module with Scalepilot's package.json. A module's
 * own folder says nothing fixed about it (bin/lib/ through tsx, dist/build-…/chunks/ compiled).
 */
export function projectRoot(from: string = import.meta.dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (
      existsSync(file) &&
      (JSON.parse(readFileSync(file, 'utf8')) as { name?: string }).name === 'scalepilot'
    )
      return dir;
    if (dirname(dir) === dir) throw new Error(`no Scalepilot checkout above ${from}`);
  }
}
