import { Command } from 'commander';
import { ScalingError } from '../shared/errors';
import { strictOptions } from './lib/strictOptions';

type Register = (program: Command) => void;

/**
 * The operator CLI: one file per command under bin/commands/, each adding itself here with one line. A command's
 * file (and what it imports: the SDK, the charts) is loaded only when that command runs, so `scalepilot backtest`
 * never pays for the AWS clients it does not use; a bare `scalepilot`, `help` or an unknown name loads them all.
 */
const commands: Record<string, () => Promise<Register>> = {
  validate: async () => (await import('./commands/validate')).registerValidate,
  schema: async () => (await import('./commands/schema')).registerSchema,
  plan: async () => (await import('./commands/plan')).registerPlan,
  predict: async () => (await import('./commands/predict')).registerPredict,
  decisions: async () => (await import('./commands/decisions')).registerDecisions,
  costs: async () => (await import('./commands/costs')).registerCosts,
  prices: async () => (await import('./commands/prices')).registerPrices,
  backtest: async () => (await import('./commands/backtest')).registerBacktest,
  pause: async () => (await import('./commands/killSwitch')).registerKillSwitch,
  resume: async () => (await import('./commands/killSwitch')).registerKillSwitch,
  release: async () => (await import('./commands/release')).registerRelease,
  forecast: async () => (await import('./commands/forecast')).registerForecast,
  why: async () => (await import('./commands/why')).registerWhy,
  tune: async () => (await import('./commands/tune')).registerTune,
};

// A reader that stops early (`scalepilot schema | head`) closes the pipe: the write then fails with EPIPE, which
// is no fault of the command's. End quietly, with the exit code the command set so far; any other error of
// stdout stays an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(process.exitCode ?? 0);
});

const program = new Command('scalepilot').description('Scalepilot: autoscaling control plane for AWS');
const named = process.argv[2];
const wanted =
  named !== undefined && Object.hasOwn(commands, named) ? [commands[named]] : Object.values(commands);
for (const register of new Set(await Promise.all(wanted.map((load) => (load as () => Promise<Register>)()))))
  register(program);
strictOptions(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // Scalepilot's own errors are for the operator: their message, no stack trace.
  if (error instanceof ScalingError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
