// `npm run bench:plans`: the plan rows alone (bench/planBench.ts), with the plan keys' defaults chosen
// leave-one-out: the headroom quantile among 0.8, 0.95 and 0.99, and with `--hold-choice` the scale-in hold
// among 0, 15, 30 and 60 minutes (each candidate is a run of every shared trace: the hold's choice, made on
// every fold at 60, is re-run on request). Writes bench/plan-results.md and the choices' pages. The extra traces
// are bench/traces/, or the folder after `--extra`.
import { resolve } from 'node:path';
import { examplePlanBench, examplePlanChoices } from './examplePlanBench';

const ROOT = resolve(import.meta.dirname, '..');
const extraAt = process.argv.indexOf('--extra');
const summary = await examplePlanBench(ROOT, {
  ...(extraAt > 0 ? { extra: resolve(process.argv[extraAt + 1] ?? '') } : {}),
  choices: process.argv.includes('--no-choice')
    ? []
    : examplePlanChoices(process.argv.includes('--hold-choice')),
  reports: process.argv.includes('--reports'),
  progress: (line) => process.stdout.write(`${line}\n`),
});
process.stdout.write(`${summary.join('\n')}\nwrote bench/plan-results.md\n`);
