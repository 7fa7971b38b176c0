// `npm run soak -- --days N --seed S`: the three scalers and predict through N randomized virtual days on
// the AWS behaviour layer (tests/harness/awsBehaviour), the invariants of issue 21 checked after every
// step. Prints, last, one JSON line: the seed, days, steps, violations and how often each behaviour played.
import { Command, InvalidArgumentError } from 'commander';
import { runSoak, timings } from '../tests/harness/awsBehaviour/soak/runSoak';

const number = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a number > 0`);
  return n;
};
const options = new Command('soak')
  .description('run the scalers through randomized virtual days against the AWS behaviour layer')
  .option('--days <n>', 'virtual days', number('--days'), 1)
  .option(
    '--seed <n>',
    'seed of the commands and of the layer (replays a run)',
    (v) => Number.parseInt(v, 10),
    Date.now() % 1_000_000,
  )
  .option('--step <minutes>', 'virtual minutes between two runs of the functions', number('--step'), 4)
  .option('--quiet', 'print the JSON line only')
  .parse()
  .opts<{ days: number; seed: number; step: number; quiet?: boolean }>();

process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
const started = Date.now();
// Stopped before the end (Ctrl-C, a CI timeout): the soak so far, as the last line, marked as interrupted.
let sofar: { minute: number; steps: number; violations: number; behaviours: object } | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    const { minute = 0, ...rest } = sofar ?? {};
    console.log(
      JSON.stringify({
        seed: options.seed,
        days: options.days,
        interruptedAtDay: Math.round((minute / 1440) * 100) / 100,
        ...rest,
      }),
    );
    process.exit(130);
  });
const result = await runSoak({
  onStep: (at) => {
    sofar = at;
  },
  days: options.days,
  seed: options.seed,
  stepMinutes: options.step,
  onProgress: (line) => {
    if (!options.quiet) console.error(line);
  },
});
if (!options.quiet)
  console.error(
    `${result.steps} steps in ${Math.round((Date.now() - started) / 1000)} s of real time (${[...timings].map(([k, v]) => `${k} ${Math.round(v / 1000)} s`).join(', ')})`,
  );
for (const failure of result.failures)
  console.error(
    `✖ soak failed (seed ${result.seed}): ${failure}\n  replay: npm run soak -- --days ${result.days} --seed ${result.seed}`,
  );
const { failures: _, ...line } = result;
console.log(JSON.stringify(line));
process.exitCode = result.violations > 0 ? 1 : 0;
