// Types of bin/build.mjs for the TypeScript that imports it (bench/speed.ts, tests/unit/bin/backtestStartup.test.ts).
/** V8's compiler settings a `scalepilot backtest` process runs with. */
export declare const BACKTEST_V8_FLAGS: readonly string[];
/** The current build when it is newer than its sources, else undefined. */
export declare function currentBuild(): { entry: string } | undefined;
/** Builds the CLI into a new folder of dist/ and makes it the current one. */
export declare function build(): Promise<{ entry: string }>;
/** esbuild's options for the CLI's build into `outdir` (tests/unit/bin/backtestStartup.test.ts). */
export declare function buildOptions(outdir: string): import('esbuild').BuildOptions & { metafile: true };
