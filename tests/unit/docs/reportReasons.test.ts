import { describe, expect, it } from 'vitest';
import { baselines } from '../../../shared/simulate/baselines';
import { type Scenario, simulate } from '../../../shared/simulate/engine';
import { read } from './markdown';

// docs/troubleshooting.md's "In reports only" names every reason code a report's yardsticks give: the oracle's and
// each baseline's (it listed the oracle's alone, and a report's StepScaleOut or HpaScaleUp was explained nowhere).
// The codes are the ones the baselines give when run, not a list kept beside them.
const section = (() => {
  const page = read('docs/troubleshooting.md');
  const start = page.indexOf('### In reports only');
  return page.slice(start, page.indexOf('\n### ', start + 1));
})();

/**
 * Load that jumps past what the HPA's rate limit adds in a minute (ScaleUpLimit), then past the maximum
 * (TooManyReplicas), and falls back between: every branch of every baseline.
 */
const load = Array.from({ length: 400 }, (_, m) =>
  m < 60 ? 5 : m < 120 ? 300 : m < 180 ? 5 : m < 240 ? 600 : m < 300 ? 20 : 30 + (m % 7),
);
const scenario: Scenario = {
  load,
  unitCapacity: 10,
  targetUtilisation: 0.5,
  min: 1,
  max: 100,
  delay: 3,
};

/** The reasons a policy gives: those of its decisions, and its explanation (static-peak never changes). */
function reasonsOf(make: (typeof baselines)[number]): string[] {
  const policy = make();
  const decisions = simulate(policy, scenario).decisions ?? [];
  return [
    ...new Set([...decisions.map((d) => d.reason), ...(policy.explain ? [policy.explain().reason] : [])]),
  ];
}

describe('the reasons in reports', () => {
  it.each(baselines.map((make) => ({ name: make().name, make })))('explains $name’s', ({ make }) => {
    const reasons = reasonsOf(make);
    expect(reasons.length).toBeGreaterThan(0);
    for (const reason of reasons) expect(section).toContain(`\`${reason}\``);
  });

  it('finds every reason the HPA model gives (the run reaches each branch)', () => {
    const hpa = baselines.find((make) => make().name === 'hpa');
    expect(hpa && reasonsOf(hpa).sort()).toEqual([
      'HpaScaleDown',
      'HpaScaleUp',
      'ScaleUpLimit',
      'TooManyReplicas',
    ]);
  });
});
