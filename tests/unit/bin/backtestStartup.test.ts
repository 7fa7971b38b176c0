import { resolve } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { buildOptions } from '../../../bin/build.mjs';

const ROOT = resolve(import.meta.dirname, '../../..');

/**
 * The sources an output chunk brings with it: its own, and those of every chunk it imports, following static
 * imports only (`followDynamic` false: what loads before the command runs) or dynamic ones too.
 */
function reached(meta: Metafile, entry: string, followDynamic: boolean): string[] {
  const seen = new Set<string>();
  const visit = (output: string) => {
    if (seen.has(output)) return;
    seen.add(output);
    for (const i of meta.outputs[output]?.imports ?? [])
      if (!i.external && (followDynamic || i.kind === 'import-statement')) visit(i.path);
  };
  visit(entry);
  return [...seen].flatMap((output) => Object.keys(meta.outputs[output]?.inputs ?? {}));
}

/**
 * What only some backtests need: the plan backtest and its report, the SDK (its clients and their HTTP handler), the
 * charts, the progress bar, the YAML reader and zod (a policy file's: the backtest's own target and the predictive
 * defaults are written out, shared/simulate/defaultTarget.ts and shared/policy/predictiveDefaults.ts).
 */
const HEAVY =
  /@aws-sdk|@smithy|node_modules\/vega|shared\/report|planBacktestCommand|cli-progress|node_modules\/yaml|node_modules\/zod/;

// `scalepilot backtest --json` of a trace file starts without these (docs/backtest.md, Speed): a static import of
// any of them in the command's code would load it before every backtest.
describe('scalepilot backtest loads what only some of its runs need when they ask', () => {
  it('its command file and what it imports statically bring none of them; its dynamic imports bring them all', async () => {
    // The CLI's own build (bin/build.mjs), with the command's file as its entry.
    const { metafile } = await build({
      ...buildOptions(resolve(ROOT, 'out')),
      entryPoints: [resolve(ROOT, 'bin/commands/backtest.ts')],
      write: false,
      logLevel: 'silent',
    });
    // The command's own output (each dynamic import is an entry point of its own too).
    const entry = Object.keys(metafile.outputs).find(
      (o) => metafile.outputs[o]?.entryPoint === 'bin/commands/backtest.ts',
    ) as string;
    const atStart = reached(metafile, entry, false).filter((input) => HEAVY.test(input));
    const onRequest = reached(metafile, entry, true).filter((input) => HEAVY.test(input));
    expect(atStart).toEqual([]);
    for (const part of [
      '@aws-sdk',
      '@smithy',
      'node_modules/vega',
      'planBacktestCommand',
      'cli-progress',
      'node_modules/yaml',
      'node_modules/zod',
    ])
      expect(
        onRequest.some((input) => input.includes(part)),
        part,
      ).toBe(true);
    // zod's English is its messages; its other 63 locales are not bundled (bin/build.mjs, zodEnglishOnly).
    const locales = reached(metafile, entry, true).filter((input) => input.includes('zod/v4/locales/'));
    expect(new Set(locales.map((input) => input.replace(/^.*zod\/v4\/locales\//, '')))).toEqual(
      new Set(['en.js']),
    );
  }, 60_000);
});
