import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// `backtest --policy` replays one load series, which stands for one metric, a utilisation in %: a rule on another
// metric, on a count or reading SampleCount is left out of the replay and named on stderr, never fed the utilisation as if it were its own.
// The compiled CLI as an operator starts it (bin/scalepilot); no AWS.
const CLI = new URL('../../../bin/scalepilot', import.meta.url).pathname;
const TRACE = new URL('../../../../shared/traces/ec2_network_in_257a54.csv', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'scalepilot-backtest-rules-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CPU = { namespace: 'AWS/EC2', name: 'CPUUtilization' };
const cpu = { name: 'cpu', type: 'target-tracking', metric: CPU, target: 70 };
const requests = {
  name: 'requests',
  type: 'step',
  metric: {
    namespace: 'AWS/ApplicationELB',
    name: 'RequestCountPerTarget',
    dimensions: { TargetGroup: 'targetgroup/web/0123456789abcdef' },
  },
  scaleOut: [{ above: 1000, add: 2 }],
};

/** A policy file with one group target holding these rules (and the policy's keys in `extra`). */
function policy(
  file: string,
  rules: readonly Record<string, unknown>[],
  extra: Record<string, unknown> = {},
): string {
  const path = join(dir, file);
  const target = {
    name: 'web',
    kind: 'asg',
    autoScalingGroupName: 'web',
    capacity: { min: 1, max: 20 },
    rules,
  };
  writeFileSync(path, JSON.stringify({ version: 1, ...extra, targets: [target] }));
  return path;
}

function backtest(policyFile: string) {
  return spawnSync(process.execPath, [CLI, 'backtest', '--trace', TRACE, '--policy', policyFile, '--json'], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_REGION: 'us-east-1' },
  });
}

// Review s50: `backtest --policy` and `tune --policy` replayed a target without the policy around it: a policy-level
// maxUnitsPerDecision (the scaler's cap where the target sets none) was left out, as if every change were uncapped.
describe('backtest --policy replays the policy’s maxUnitsPerDecision', () => {
  it('a cap of 1 unit a decision replays otherwise than one of 20, and the target’s own cap still wins', () => {
    const scalepilot = (run: ReturnType<typeof backtest>) =>
      (JSON.parse(run.stdout) as { policy: string }[]).find((f) => f.policy === 'scalepilot-reactive');
    const one = backtest(policy('cap-1.yml', [cpu], { maxUnitsPerDecision: 1 }));
    const twenty = backtest(policy('cap-20.yml', [cpu], { maxUnitsPerDecision: 20 }));
    expect(one.status).toBe(0);
    expect(scalepilot(one)).not.toEqual(scalepilot(twenty));
    const ownCap = join(dir, 'own-cap.yml');
    writeFileSync(
      ownCap,
      JSON.stringify({
        version: 1,
        maxUnitsPerDecision: 1,
        targets: [
          {
            name: 'web',
            kind: 'asg',
            autoScalingGroupName: 'web',
            capacity: { min: 1, max: 20 },
            maxUnitsPerDecision: 20,
            rules: [cpu],
          },
        ],
      }),
    );
    expect(scalepilot(backtest(ownCap))).toEqual(scalepilot(twenty));
  });
});

describe('backtest --policy replays only the rules that read the metric the trace stands for', () => {
  it('leaves a request-count rule beside a CPU rule out, in one line on stderr: the figures are the CPU rule alone', () => {
    const both = backtest(policy('both.yml', [cpu, requests]));
    const alone = backtest(policy('alone.yml', [cpu]));
    expect(both.status).toBe(0);
    expect(alone.status).toBe(0);
    expect(both.stderr.trim().split('\n')).toEqual([
      'rule "requests" not replayed: it reads AWS/ApplicationELB/RequestCountPerTarget {TargetGroup=targetgroup/web/0123456789abcdef}, and the trace stands for AWS/EC2/CPUUtilization {AutoScalingGroupName=web} (rule "cpu"); the figures are without it',
    ]);
    expect(alone.stderr).toBe('');
    // stdout stays the JSON figures, equal to those of the CPU rule alone.
    expect(JSON.parse(both.stdout)).toEqual(JSON.parse(alone.stdout));
  });

  it('a request count that tracks first does not lead: it is no utilisation in %, the CPU rule leads and the count is left out', () => {
    const tracking = { ...requests, type: 'target-tracking', target: 1000, scaleOut: undefined };
    const first = backtest(policy('count-first.yml', [tracking, cpu]));
    const alone = backtest(policy('cpu-alone.yml', [cpu]));
    expect(first.status).toBe(0);
    expect(first.stderr.trim().split('\n')).toEqual([
      'rule "requests" not replayed: it reads AWS/ApplicationELB/RequestCountPerTarget {TargetGroup=targetgroup/web/0123456789abcdef}, and the trace stands for AWS/EC2/CPUUtilization {AutoScalingGroupName=web} (rule "cpu"); the figures are without it',
    ]);
    expect(JSON.parse(first.stdout)).toEqual(JSON.parse(alone.stdout));
  });

  it('refuses a target whose only rule is a count (fed a %, a target of 1,000 requests held it at its minimum)', () => {
    const file = policy('count-only.yml', [
      { ...requests, type: 'target-tracking', target: 1000, scaleOut: undefined },
    ]);
    const run = backtest(file);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toEqual([
      `${file}: no rule of target "web" can be replayed on one load trace: rule "requests" reads AWS/ApplicationELB/RequestCountPerTarget {TargetGroup=targetgroup/web/0123456789abcdef}, not a utilisation in % (no percentOf, and its name says no percentage): a backtest knows the load only as a % of what a unit carries`,
    ]);
  });

  it('refuses in one line, exit 1, when no rule can be replayed (all read SampleCount)', () => {
    const counts = { ...CPU, statistic: 'SampleCount' };
    const file = policy('counts.yml', [{ ...cpu, metric: counts }]);
    const run = backtest(file);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toEqual([
      `${file}: no rule of target "web" can be replayed on one load trace: rule "cpu" reads SampleCount (how many datapoints arrived), which a load trace does not carry`,
    ]);
  });
});

describe('backtest --policy says when the floors would not act', () => {
  it.each([
    {
      name: 'predictive scaling off in the policy',
      predictive: { enabled: false },
      says: 'target "web" has predictive: true, and the policy has predictive.enabled: false',
    },
    {
      name: 'a forecast-only policy (the example policy is: the two scalepilot rows were equal, unexplained)',
      predictive: { enabled: true, mode: 'forecast-only' },
      says: 'target "web" has predictive: true, and the policy\'s predictive.mode is forecast-only',
    },
  ])('$name: one line on stderr', ({ name, predictive, says }) => {
    const path = join(dir, `floors-${name.length}.yml`);
    const target = {
      name: 'web',
      kind: 'asg',
      autoScalingGroupName: 'web',
      capacity: { min: 1, max: 20 },
      predictive: true,
      rules: [cpu],
    };
    writeFileSync(
      path,
      JSON.stringify({ version: 1, targets: [target], ...(predictive ? { predictive } : {}) }),
    );
    const run = backtest(path);
    expect(run.status).toBe(0);
    expect(run.stderr.trim()).toBe(
      `${says}: the scalepilot row replays no floors, the same as scalepilot-reactive (forecast-and-scale replays them)`,
    );
  });
});
