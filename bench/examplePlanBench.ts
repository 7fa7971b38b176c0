import { resolve } from 'node:path';
import { type PlanChoice, planBench } from './planBench';

/** The plan keys whose defaults the bench chooses leave-one-out (the hold only on request: four runs of every trace). */
export function examplePlanChoices(withHold: boolean): PlanChoice[] {
  return [
    {
      key: 'headroomQuantile',
      values: [0.8, 0.95, 0.99],
      what: 'the headroom quantile of the plan’s floors',
      unit: '',
      file: 'plan-quantile-choice.md',
    },
    ...(withHold
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
}

/**
 * The example plan's rows on the shared traces and the extra ones, written to bench/plan-results.md with the
 * choices' pages: `npm run bench` and `npm run bench:plans` both run this, so both write the same page.
 */
export function examplePlanBench(
  root: string,
  options: { extra?: string; choices: PlanChoice[]; reports: boolean; progress?: (line: string) => void },
) {
  return planBench({
    root,
    sets: [
      { name: 'The shared traces (../shared/traces)', dir: resolve(root, '../shared/traces') },
      {
        name: 'Extra public traces, not used to choose any default',
        dir: options.extra ?? resolve(root, 'bench/traces'),
      },
    ],
    choices: options.choices,
    reports: options.reports,
    ...(options.progress ? { progress: options.progress } : {}),
  });
}
