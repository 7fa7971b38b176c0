// The compiled CLI: bin/cli.ts and everything it imports, bundled by esbuild into dist/ (not committed).
// `npm run build` runs this file, and `npm install` / `npm ci` run it (`prepare`); bin/scalepilot checks the build
// is newer than every source it was made from before it starts, and rebuilds it when not.
//
// Each build goes into a folder of its own (dist/build-<time>-<pid>/) and dist/current.json is switched to it
// last, by a rename: a CLI started during a build, or two builds at once (test files spawning the CLI in
// parallel), always find a whole build. The folders of older builds are removed, the newest few kept (a CLI
// still running loads a command's code from its folder when the command runs).
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist');
const CURRENT = join(DIST, 'current.json');
const KEEP_BUILDS = 3;
/** What else makes a build stale: the dependencies installed (npm writes this file on every install). */
const DEPENDENCIES = 'node_modules/.package-lock.json';

/**
 * V8's optimising compiler settings for a `scalepilot backtest` process (bin/scalepilot sets them before the CLI's
 * code loads). A backtest is a short batch: on the taxi trace about 40% of its CPU time was the optimising
 * compiler on V8's background threads, compiling the decision, the forecaster and the floors, with deep inlining.
 * Inlining less (a smaller cumulative budget), and without loop peeling and escape analysis, cut the whole
 * process's CPU time by about a fifth; code that runs long afterwards is about a tenth slower, so only the
 * backtest command runs with them (docs/backtest.md, Speed).
 */
export const BACKTEST_V8_FLAGS = [
  '--max-inlined-bytecode-size-cumulative=200',
  '--no-turbo-loop-peeling',
  '--no-turbo-escape',
];

/**
 * The build in dist/current.json when it is newer than every file it was made from (project sources and the
 * installed dependencies), else undefined: `{ entry }`, the absolute path of its cli.js.
 */
export function currentBuild() {
  let current;
  try {
    current = JSON.parse(readFileSync(CURRENT, 'utf8'));
  } catch {
    return undefined;
  }
  for (const file of [...current.inputs, DEPENDENCIES]) {
    let modified;
    try {
      modified = statSync(join(ROOT, file)).mtimeMs;
    } catch {
      // A source the build read is gone (renamed, deleted): stale. A project without the npm file: no check.
      if (file === DEPENDENCIES) continue;
      return undefined;
    }
    if (modified > current.startedAt) return undefined;
  }
  return { entry: join(DIST, current.dir, 'cli.js') };
}

/**
 * zod's namespace (`z`) carries every one of its 64 locales (`z.locales`, 340 KB), so bundling `z` bundles them
 * all, and every command that reads a policy (the backtest too) compiled them at start. The CLI's messages are
 * zod's English (its default, which zod's schemas import themselves): `z.locales` is bundled with that one only.
 */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(plugin) {
    plugin.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]v4[\\/]/.test(args.importer)
        ? { path: join(dirname(args.importer), '../locales/en.js'), namespace: 'zod-english-only' }
        : undefined,
    );
    plugin.onLoad({ filter: /.*/, namespace: 'zod-english-only' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(args.path)};`,
      resolveDir: dirname(args.path),
    }));
  },
};

/** esbuild's options for the CLI's build into `outdir` (tests/unit/bin/backtestStartup.test.ts builds with them). */
export function buildOptions(outdir) {
  return {
    entryPoints: [join(ROOT, 'bin/cli.ts')],
    // The metafile's inputs are relative to this folder: the project's, whatever folder the CLI was started in.
    absWorkingDir: ROOT,
    bundle: true,
    // Each command's code is its own chunk, loaded when that command runs.
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outdir,
    chunkNames: 'chunks/[name]-[hash]',
    // CommonJS dependencies bundled into ES modules still call require() for Node's own modules.
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    // A native addon cannot be bundled: the report's PNG renderer is loaded from node_modules.
    external: ['@resvg/resvg-js'],
    plugins: [zodEnglishOnly],
    metafile: true,
    logLevel: 'warning',
  };
}

/** Builds the CLI into a new folder of dist/ and makes it the current one; returns its entry. */
export async function build() {
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch (cause) {
    throw new Error('scalepilot: the CLI must be built and esbuild is not installed: run npm ci', { cause });
  }
  // Sources saved during the build are newer than the time it started: the next start rebuilds.
  const startedAt = Date.now();
  const dir = `build-${startedAt}-${process.pid}`;
  mkdirSync(DIST, { recursive: true });
  const out = join(DIST, dir);
  const result = await esbuild.build(buildOptions(out));
  const inputs = Object.keys(result.metafile.inputs)
    .map((input) => relative(ROOT, resolve(ROOT, input)))
    .filter((input) => !input.split(/[\\/]/).includes('node_modules'));
  const pending = join(DIST, `current-${process.pid}.json`);
  writeFileSync(pending, `${JSON.stringify({ dir, startedAt, inputs }, null, 1)}\n`);
  renameSync(pending, CURRENT);
  removeOldBuilds(dir);
  return { entry: join(out, 'cli.js') };
}

function removeOldBuilds(keep) {
  const builds = readdirSync(DIST)
    .filter((name) => name.startsWith('build-') && name !== keep)
    .sort((a, b) => Number(b.split('-')[1]) - Number(a.split('-')[1]));
  for (const old of builds.slice(KEEP_BUILDS - 1)) rmSync(join(DIST, old), { recursive: true, force: true });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { entry } = await build();
  console.log(`built ${relative(ROOT, entry)}`);
}
