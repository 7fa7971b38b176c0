// `npm run bench:plans`: the plan rows alone (bench/planBench.ts), with the plan keys' defaults chosen
// leave-one-out: the headroom quantile between 0.8 and 0.95, and with `--hold-choice` the scale-in hold
// among 0, 15, 30 and 60 minutes (each candidate is a run of every shared trace: the hold's choice, made on
// every fold at 60, is re-run on request). Writes bench/plan-results.md and the choices' pages. The extra traces
// are bench/traces/, or the folder after `--extra`.
import { resolve } from 'node:path';
import { type PlanChoice, planBench } from './planBench';

const ROOT = resolve(import.meta.dirname, '..');
const extraAt = process.argv.indexOf('--extra');
const extra = extraAt > 0 ? resolve(process.argv[extraAt + 1] ?? '') : resolve(ROOT, 'bench/traces');
const choices: PlanChoice[] = [
  {
    key: 'headroomQuantile',
    values: [0.8, 0.95],
    what: 'the headroom quantile of the plan’s floors',
    unit: '',
    file: 'plan-quantile-choice.md',
  },
  ...(process.argv.includes('--hold-choice')
    ? [
        {
          key: 'scaleInHoldMinutes',
          values: [0, 15, 30, 60],
          what: 'the scale-in hold',
          unit: 'minutes',
          file: 'plan-hold-choice.md',
        } as const,
      ]
    : []),
];
const summary = await planBench({
  root: ROOT,
  sets: [
    { name: 'The shared traces (../shared/traces)', dir: resolve(ROOT, '../shared/traces') },
    { name: 'Extra public traces, not used to choose any default', dir: extra },
  ],
  choices: process.argv.includes('--no-choice') ? [] : choices,
  reports: process.argv.includes('--reports'),
  progress: (line) => process.stdout.write(`${line}\n`),
});
process.stdout.write(`${summary.join('\n')}\nwrote bench/plan-results.md\n`);
