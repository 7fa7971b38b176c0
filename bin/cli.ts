import { Command } from 'commander';
import { PolicyValidationError } from '../shared/errors';
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
import { registerTune } from './commands/tune';
import { registerValidate } from './commands/validate';

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
  registerTune,
])
  register(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof PolicyValidationError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
