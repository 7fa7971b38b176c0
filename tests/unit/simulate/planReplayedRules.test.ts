import { describe, expect, it } from 'vitest';
import { validatePolicy } from '../../../shared/policy/parsePolicy';
import type { Policy, Target } from '../../../shared/policy/schema';
import { memberReplayedRules, planReplayedRules } from '../../../shared/simulate/planReplayedRules';

// A plan backtest feeds each member its utilisation in %, the member's one measure of how full it is: every rule
// on a share of capacity (CPU, memory, connections as a % of a maximum) is fed it. A rule on SampleCount or on a
// metric that is no utilisation in % (a count per target) would be fed it as if it were its own: it is left out
// of the replay and named, and a member with no rule left is refused.

const CPU = { namespace: 'AWS/EC2', name: 'CPUUtilization' };
const MEMORY = { namespace: 'CWAgent', name: 'mem_used_percent' };
const REQUESTS = {
  namespace: 'AWS/ApplicationELB',
  name: 'RequestCountPerTarget',
  statistic: 'Sum',
  dimensions: { TargetGroup: 'targetgroup/web/0123456789abcdef' },
};
const tracking = (name: string, metric: Record<string, unknown>, target = 70) => ({
  name,
  type: 'target-tracking',
  metric,
  target,
});
const step = (name: string, metric: Record<string, unknown>) => ({
  name,
  type: 'step',
  metric,
  scaleOut: [{ above: 80, add: 2 }],
  scaleIn: [{ below: 30, remove: 1 }],
});

/** A validated policy: group `web` and replicas `db` with these rules, in a plan of both. */
function policyWith(
  web: readonly Record<string, unknown>[],
  db?: readonly Record<string, unknown>[],
): Policy {
  return validatePolicy({
    version: 1,
    targets: [
      { name: 'web', kind: 'asg', autoScalingGroupName: 'web', capacity: { min: 1, max: 20 }, rules: web },
      {
        name: 'db',
        kind: 'rds-replicas',
        sourceDbInstanceIdentifier: 'db',
        capacity: { min: 1, max: 5 },
        rules: db ?? [step('cpu', { namespace: 'AWS/RDS', name: 'CPUUtilization' })],
      },
    ],
    plans: [
      {
        name: 'rush',
        demand: { rule: { member: 'web', rule: (web[0] as { name: string }).name } },
        members: [
          { target: 'web', unitsPerDemand: 0.002 },
          { target: 'db', ratio: { member: 'web', per: 3 } },
        ],
      },
    ],
  });
}
const web = (rules: readonly Record<string, unknown>[]) => policyWith(rules).targets[0] as Target;

const NOT_A_PERCENTAGE =
  'not a utilisation in % (no percentOf, and its name says no percentage): a backtest knows the load only as a % of what a unit carries';

describe('memberReplayedRules: the rules a plan member replays on its utilisation', () => {
  it.each([
    { name: 'a CPU rule alone', rules: [tracking('cpu', CPU)], replayed: ['cpu'], leftOut: [] },
    {
      name: 'a memory rule beside CPU: both read a share of capacity, both fed the utilisation',
      rules: [step('cpu', CPU), step('memory', MEMORY)],
      replayed: ['cpu', 'memory'],
      leftOut: [],
    },
    {
      name: 'a request count per target is no utilisation in %: left out, the CPU rule replays',
      rules: [tracking('requests', REQUESTS, 1000), step('cpu', CPU)],
      replayed: ['cpu'],
      leftOut: [
        `requests: reads AWS/ApplicationELB/RequestCountPerTarget {TargetGroup=targetgroup/web/0123456789abcdef}, ${NOT_A_PERCENTAGE}`,
      ],
    },
    {
      name: 'a SampleCount read counts datapoints, which no trace carries: left out',
      rules: [tracking('cpu', CPU), step('reporting', { ...CPU, statistic: 'SampleCount' })],
      replayed: ['cpu'],
      leftOut: [
        'reporting: reads SampleCount (how many datapoints arrived), which a load trace does not carry',
      ],
    },
    {
      name: 'a count read with percentOf is a utilisation in %',
      rules: [step('connections', { namespace: 'Custom/Web', name: 'Connections', percentOf: 500 })],
      replayed: ['connections'],
      leftOut: [],
    },
    {
      name: "the CloudWatch agent's CPU (cpu_usage_active) is a utilisation in %",
      rules: [tracking('cpu', { namespace: 'CWAgent', name: 'cpu_usage_active' })],
      replayed: ['cpu'],
      leftOut: [],
    },
    {
      name: "a Windows counter named with % (the CloudWatch agent's `% Processor Time`) is one too",
      rules: [tracking('cpu', { namespace: 'CWAgent', name: 'Processor % Processor Time' })],
      replayed: ['cpu'],
      leftOut: [],
    },
  ])('$name', ({ rules, replayed, leftOut }) => {
    const got = memberReplayedRules(web(rules));
    if ('refused' in got) throw new Error(got.refused);
    expect(got.replayed.map((r) => r.name)).toEqual(replayed);
    expect(got.leftOut.map(({ rule, why }) => `${rule.name}: ${why}`)).toEqual(leftOut);
  });

  it.each([
    {
      name: 'only a request count per target',
      rules: [tracking('requests', REQUESTS, 1000)],
      refused: `no rule of target "web" can be replayed on its utilisation: rule "requests" reads AWS/ApplicationELB/RequestCountPerTarget {TargetGroup=targetgroup/web/0123456789abcdef}, ${NOT_A_PERCENTAGE}`,
    },
    {
      name: 'a count and a SampleCount read, each with why',
      rules: [
        step('queue', {
          namespace: 'AWS/SQS',
          name: 'ApproximateNumberOfMessagesVisible',
          dimensions: { QueueName: 'orders' },
        }),
        step('reporting', { ...CPU, statistic: 'SampleCount' }),
      ],
      refused: `no rule of target "web" can be replayed on its utilisation: rule "queue" reads AWS/SQS/ApproximateNumberOfMessagesVisible {QueueName=orders}, ${NOT_A_PERCENTAGE}; rule "reporting" reads SampleCount (how many datapoints arrived), which a load trace does not carry`,
    },
  ])('refuses a member with $name, in one line', ({ rules, refused }) => {
    expect(memberReplayedRules(web(rules))).toEqual({ refused });
  });
});

describe('planReplayedRules: every member of the plan, in lines an operator reads', () => {
  it('keeps each member’s replayed rules, names each rule left out, and leaves the other keys as they are', () => {
    const policy = policyWith([
      tracking('requests', REQUESTS, 1000),
      step('cpu', CPU),
      step('memory', MEMORY),
    ]);
    const got = planReplayedRules(policy, policy.plans[0] as Policy['plans'][number]);
    if ('refused' in got) throw new Error(got.refused.join('\n'));
    expect(got.notes).toEqual([
      `plan rush, member web: rule "requests" not replayed: it reads AWS/ApplicationELB/RequestCountPerTarget {TargetGroup=targetgroup/web/0123456789abcdef}, ${NOT_A_PERCENTAGE}; the figures are without it`,
    ]);
    expect(got.policy.targets.map((t) => [t.name, t.rules.map((r) => r.name)])).toEqual([
      ['web', ['cpu', 'memory']],
      ['db', ['cpu']],
    ]);
    expect({ ...got.policy.targets[0], rules: [] }).toEqual({ ...policy.targets[0], rules: [] });
    expect(got.policy.plans).toBe(policy.plans);
  });

  it('a plan whose members read only utilisations: the policy as it is, no line', () => {
    const policy = policyWith([tracking('cpu', CPU), step('memory', MEMORY)]);
    const got = planReplayedRules(policy, policy.plans[0] as Policy['plans'][number]);
    if ('refused' in got) throw new Error(got.refused.join('\n'));
    expect(got.notes).toEqual([]);
    expect(got.policy.targets).toEqual(policy.targets);
  });

  it('refuses with one line per member none of whose rules can be replayed', () => {
    const policy = policyWith(
      [tracking('requests', REQUESTS, 1000)],
      [step('connections', { namespace: 'AWS/RDS', name: 'DatabaseConnections', statistic: 'Maximum' })],
    );
    expect(planReplayedRules(policy, policy.plans[0] as Policy['plans'][number])).toEqual({
      refused: [
        `plan rush, member web: no rule of target "web" can be replayed on its utilisation: rule "requests" reads AWS/ApplicationELB/RequestCountPerTarget {TargetGroup=targetgroup/web/0123456789abcdef}, ${NOT_A_PERCENTAGE}`,
        `plan rush, member db: no rule of target "db" can be replayed on its utilisation: rule "connections" reads AWS/RDS/DatabaseConnections {DBInstanceIdentifier=db}, ${NOT_A_PERCENTAGE}`,
      ],
    });
  });
});
