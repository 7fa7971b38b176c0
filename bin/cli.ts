import { Command } from 'commander';
import { ScalingError } from '../shared/errors';
import { registerBacktest } from './commands/backtest';
import { registerCosts } from './commands/costs';
import { registerDecisions } from './commands/decisions';
import { registerForecast } from './commands/forecast';
import { registerKillSwitch } from './commands/killSwitch';
import { registerPlan } from './commands/plan';
import { registerPredict } from './commands/predict';
import { registerPrices } from './commands/prices';
import { registerRelease } from './commands/release';
import { registerSchema } from './commands/schema';
import { registerValidate } from './commands/validate';
import { registerWhy } from './commands/why';

/** The operator CLI: one file per command under bin/commands/, each adding itself here. */
const program = new Command('scalepilot').description('Scalepilot: autoscaling control plane for AWS');
for (const register of [
  registerValidate,
  registerSchema,
  registerPlan,
  registerPredict,
  registerDecisions,
  registerCosts,
  registerPrices,
  registerBacktest,
  registerKillSwitch,
  registerRelease,
  registerForecast,
  registerWhy,
])
  register(program);

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
