import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';

/**
 * The generated runs start from one seed, so a fresh `npm run reliability` prints the figures the page
 * shows; `RELIABILITY_SEED=<n>` explores other runs (a failure prints the seed and path to replay it).
 */
export const RELIABILITY_SEED = Number(process.env.RELIABILITY_SEED ?? 20261130);
fc.configureGlobal({ seed: RELIABILITY_SEED });

/** The promises of issue 15, in the order the page lists them. */
export const items = [
  'delivery',
  'bounds',
  'faults',
  'crashes',
  'bad-input',
  'kill-switch',
  'least-privilege',
  'template-checks',
] as const;
export type Item = (typeof items)[number];

/** One measured figure: what was counted, and the count. */
export type Figures = Record<string, string | number>;

/** Where the figures go: `npm run reliability` points RELIABILITY_DIR at a fresh folder; else a temp one. */
export function figuresDir(): string {
  return process.env.RELIABILITY_DIR ?? join(tmpdir(), 'scalepilot-reliability');
}

/**
 * Prints a test's figures and writes them to `<dir>/<item>--<test>.json`, which `bin/reliability.ts` renders
 * into docs/reliability.md. Called after the test's assertions held, so a figure on the page is one a
 * passing test saw.
 */
export function recordFigures(item: Item, test: string, figures: Figures): void {
  const dir = figuresDir();
  mkdirSync(dir, { recursive: true });
  const slug = test
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 80);
  writeFileSync(join(dir, `${item}--${slug}.json`), `${JSON.stringify({ item, test, figures }, null, 2)}\n`);
  const lines = Object.entries(figures).map(([name, value]) => `  ${name}: ${value}`);
  console.log(`[reliability] ${item} — ${test}\n${lines.join('\n')}`);
}
