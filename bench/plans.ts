// `npm run bench:plans`: the plan rows alone (bench/planBench.ts), with the scale-in hold chosen leave-one-out
// among 0, 15, 30 and 60 minutes; writes bench/plan-results.md and bench/plan-hold-choice.md. The extra traces
// are bench/traces/, or the folder after `--extra`.
import { resolve } from 'node:path';
import { planBench } from './planBench';

const ROOT = resolve(import.meta.dirname, '..');
const extraAt = process.argv.indexOf('--extra');
const extra = extraAt > 0 ? resolve(process.argv[extraAt + 1] ?? '') : resolve(ROOT, 'bench/traces');
const summary = await planBench({
  root: ROOT,
  sets: [
    { name: 'The shared traces (../shared/traces)', dir: resolve(ROOT, '../shared/traces') },
    { name: 'Extra public traces, not used to choose any default', dir: extra },
  ],
  holds: process.argv.includes('--no-hold-choice') ? undefined : [0, 15, 30, 60],
  reports: process.argv.includes('--reports'),
  progress: (line) => process.stdout.write(`${line}\n`),
});
process.stdout.write(`${summary.join('\n')}\nwrote bench/plan-results.md\n`);
