import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { TuneCommandError, tuneCommand, tuneTraceRows } from '../../../bin/lib/tuneCommand';
import { loadPolicyFile } from '../../../shared/policy/loadPolicyFile';
import { validatePolicy } from '../../../shared/policy/parsePolicy';

const dir = mkdtempSync(join(tmpdir(), 'tune-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  process.exitCode = undefined;
});

/** A trace of `days` at 5 minutes: a daily wave with a burst every 3 hours. */
function trace(days: number): string {
  const rows = ['timestamp,value'];
  for (let i = 0; i < days * 288; i += 1) {
    const m = i * 5;
    const value = 50 + 30 * Math.sin((2 * Math.PI * m) / 1440) + (m % 180 < 10 ? 40 : 0) + ((i * 37) % 11);
    rows.push(
      `${new Date(Date.parse('2026-03-02T00:00:00Z') + m * 60_000).toISOString()},${value.toFixed(2)}`,
    );
  }
  const file = join(dir, `trace-${days}.csv`);
  writeFileSync(file, `${rows.join('\n')}\n`);
  return file;
}

const POLICY = `
version: 1
predictive: { enabled: true, mode: forecast-and-scale }
targets:
  - name: reports-db
    kind: rds-replicas
    sourceDbInstanceIdentifier: reports
    capacity: { min: 1, max: 6 }
    predictive: true
    rules:
      - name: cpu
        type: target-tracking
        metric: { namespace: AWS/RDS, name: CPUUtilization }
        target: 60
`;

async function run(file: string, options: Parameters<typeof tuneCommand>[2]) {
  const lines: string[] = [];
  const errors: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
  const error = vi.spyOn(console, 'error').mockImplementation((line: string) => void errors.push(line));
  try {
    return {
      result: tuneCommand(tuneTraceRows(file), file, options),
      out: lines.join('\n'),
      err: errors.join('\n'),
    };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

describe('scalepilot tune', () => {
  it('says above the change which part missed its goal on the validation part (the floors on the ELB trace), and only that part', async () => {
    const file = new URL('../../../../shared/traces/elb_request_count_8c0756.csv', import.meta.url).pathname;
    const { out } = await run(file, { kind: 'asg', perIntervalCount: true });
    const header = out.slice(0, out.indexOf('targets:'));
    const figures = out.slice(out.indexOf('on the validation part'));
    expect(figures).toMatch(/ {2}rules alone: .*: met\)/);
    expect(figures).toMatch(
      / {2}with floors: {3}(overload [\d.]+×, cost [\d.]+×) \(goal ≤ 0.4× at ≤ 1×: missed\)/,
    );
    const missed = /with floors: {3}(overload [\d.]+×, cost [\d.]+×)/.exec(figures)?.[1];
    expect(header).toContain(
      `# its floors missed their goal on the validation part: ${missed} target tracking's (goal ≤ 0.4× at ≤ 1×);`,
    );
    expect(header).not.toContain('its rules missed');
    // Still YAML that parses: the notes are comments.
    expect(parse(out.slice(0, out.indexOf('\non the validation part')))).toHaveProperty('targets');
  }, 60_000);

  it("recommends a change to the policy's target as YAML that merges into the policy and validates, with its validation figures and spread", async () => {
    const policyFile = join(dir, 'scalepilot.yml');
    writeFileSync(policyFile, POLICY);
    const { out } = await run(trace(4), { kind: 'rds-replicas', policy: policyFile });
    expect(out).toContain('rds-replicas target "reports-db": searched on 2026-03-02T00:00 to ');
    const yaml = out.slice(out.indexOf('targets:'), out.indexOf('\non the validation part'));
    const change = parse(yaml);
    expect(change.targets[0]).toMatchObject({
      name: 'reports-db',
      rules: [{ name: 'cpu', type: 'target-tracking', floorTarget: expect.any(Number) }],
    });
    expect(typeof change.predictive.tuning.enabled).toBe('boolean');
    expect([1, 1.5, 2]).toContain(change.predictive.trustMaseRatio);
    // Pasted over the policy's target, the change is a valid policy.
    const policy = parse(POLICY);
    policy.targets[0] = { ...policy.targets[0], ...change.targets[0] };
    policy.predictive = { ...policy.predictive, ...change.predictive };
    expect(() => validatePolicy(policy)).not.toThrow();
    expect(out).toMatch(/rules alone: +overload [\d.]+×, cost [\d.]+× \(goal ≤ 1× at ≤ 1×: (met|missed)\)/);
    expect(out).toMatch(/with floors: +overload [\d.]+×, cost [\d.]+× \(goal ≤ 0\.25× at ≤ 1\.05×/);
    expect(out).toMatch(/spread: rules overload [\d.]+–[\d.]+×, cost [\d.]+–[\d.]+×/);
  });

  it('tunes a cache-shards target of a policy, which needs its CPU and its memory rule though a trace replays one (defect: every candidate was refused as invalid)', async () => {
    const policyFile = join(dir, 'cache.yml');
    writeFileSync(
      policyFile,
      `
version: 1
targets:
  - name: sessions
    kind: cache-shards
    replicationGroupId: sessions
    capacity: { min: 3, max: 12 }
    rules:
      - name: engine-cpu
        type: target-tracking
        metric: { namespace: AWS/ElastiCache, name: EngineCPUUtilization }
        target: 70
      - name: memory
        type: step
        metric: { namespace: AWS/ElastiCache, name: DatabaseMemoryUsagePercentage }
        scaleOut: [{ above: 80, add: 1 }]
        scaleIn: [{ below: 40, remove: 1 }]
`,
    );
    const { out, err } = await run(trace(4), { kind: 'cache-shards', policy: policyFile });
    expect(err).toBe('');
    const change = parse(out.slice(out.indexOf('targets:'), out.indexOf('\non the validation part')));
    expect(change.targets[0].rules.map((r: { name: string }) => r.name)).toEqual(['engine-cpu', 'memory']);
  });

  it("prints the rate limits it tested, replacing the policy's (a limit the candidate ran without was kept on paste)", async () => {
    const policyFile = join(dir, 'limited.yml');
    const limited = parse(POLICY);
    limited.targets[0].rateLimits = {
      scaleOut: [{ type: 'units', value: 1, periodSeconds: 60 }],
      scaleIn: [{ type: 'percent', value: 10, periodSeconds: 60 }],
    };
    writeFileSync(policyFile, JSON.stringify(limited));
    const { out } = await run(trace(4), { kind: 'rds-replicas', policy: policyFile });
    const change = parse(out.slice(out.indexOf('targets:'), out.indexOf('\non the validation part')));
    expect(change.targets[0].rateLimits.scaleOut).toEqual([]);
    expect(Array.isArray(change.targets[0].rateLimits.scaleIn)).toBe(true);
    expect(out).toContain('its rateLimits replace yours too');
  });

  it('says when the policy is forecast-only: the floors it recommends would not act', async () => {
    const policyFile = join(dir, 'forecast-only.yml');
    writeFileSync(policyFile, POLICY.replace('mode: forecast-and-scale', 'mode: forecast-only'));
    const { out } = await run(trace(4), { kind: 'rds-replicas', policy: policyFile });
    expect(out).toContain(
      "note: the policy's predictive.mode is forecast-only: these floors act only once it is forecast-and-scale",
    );
  });

  it("says the predictive section is the policy's: pasted, it moves the other predictive targets' floors too", async () => {
    const twoTargets = parse(POLICY);
    twoTargets.targets.push(
      { ...twoTargets.targets[0], name: 'orders-db', sourceDbInstanceIdentifier: 'orders' },
      { ...twoTargets.targets[0], name: 'audit-db', sourceDbInstanceIdentifier: 'audit', predictive: false },
    );
    const policyFile = join(dir, 'two-predictive.yml');
    writeFileSync(policyFile, JSON.stringify(twoTargets));
    const { out } = await run(trace(4), { kind: 'rds-replicas', policy: policyFile, target: 'reports-db' });
    expect(out).toContain(
      'note: predictive is the policy\'s section, for every predictive target: pasted, it changes the floors of "orders-db" too, tuned on "reports-db" alone',
    );
    const alone = join(dir, 'one-predictive.yml');
    writeFileSync(alone, POLICY);
    expect((await run(trace(4), { kind: 'rds-replicas', policy: alone })).out).not.toContain(
      "the policy's section",
    );
  });

  describe('a target with several rules: the one tuned varies, the others stay in the replay and in the change', () => {
    /** POLICY's target with one more rule after its CPU rule. */
    function withRule(file: string, rule: Record<string, unknown>): string {
      const policy = parse(POLICY);
      policy.targets[0].rules.push(rule);
      const policyFile = join(dir, file);
      writeFileSync(policyFile, JSON.stringify(policy));
      return policyFile;
    }
    const rulesOf = (out: string) =>
      parse(out.slice(out.indexOf('targets:'), out.indexOf('\non the validation part'))).targets[0].rules;
    let alone: Awaited<ReturnType<typeof run>> | undefined;
    const firstRuleAlone = async () => {
      const policyFile = join(dir, 'one-rule.yml');
      writeFileSync(policyFile, POLICY);
      alone ??= await run(trace(4), { kind: 'rds-replicas', policy: policyFile });
      return alone;
    };

    it('a second rule on the same metric runs in every candidate and is printed as it is', async () => {
      const burst = {
        name: 'cpu-burst',
        type: 'step',
        metric: { namespace: 'AWS/RDS', name: 'CPUUtilization' },
        scaleOut: [{ above: 80, add: 2 }],
      };
      const policyFile = withRule('two-rules.yml', burst);
      const { result, out } = await run(trace(4), { kind: 'rds-replicas', policy: policyFile });
      if (result.status !== 'recommended') throw new Error(result.message);
      const rules = rulesOf(out);
      expect(rules.map((r: { name: string }) => r.name)).toEqual(['cpu', 'cpu-burst']);
      expect(rules[1]).toEqual(loadPolicyFile(policyFile).targets[0]?.rules[1]);
      expect(out).toContain('# is yours with rule "cpu" tuned, the others as they are');
      expect(out).not.toContain('not replayed');
      // The burst rule acted in the replay: the rules' figures are not the first rule's alone.
      const one = await firstRuleAlone();
      if (one.result.status !== 'recommended') throw new Error(one.result.message);
      expect(result.reactiveRatios).not.toEqual(one.result.reactiveRatios);
      // Pasted over the policy's target, the change keeps both rules and validates.
      const policy = JSON.parse(readFileSync(policyFile, 'utf8'));
      policy.targets[0] = {
        ...policy.targets[0],
        ...parse(out.slice(out.indexOf('targets:'), out.indexOf('\non the validation part'))).targets[0],
      };
      expect(validatePolicy(policy).targets[0]?.rules.map((r) => r.name)).toEqual(['cpu', 'cpu-burst']);
    });

    it('a rule on another metric is named in one line, left out of the replay, and kept in the change', async () => {
      const iops = {
        name: 'read-iops',
        type: 'step',
        metric: { namespace: 'AWS/RDS', name: 'ReadIOPS' },
        scaleOut: [{ above: 5000, add: 1 }],
      };
      const policyFile = withRule('other-metric.yml', iops);
      const { result, out } = await run(trace(4), { kind: 'rds-replicas', policy: policyFile });
      if (result.status !== 'recommended') throw new Error(result.message);
      const said = out.split('\n').filter((line) => line.includes('not replayed'));
      expect(said).toEqual([
        'rule "read-iops" not replayed: it reads AWS/RDS/ReadIOPS {DBInstanceIdentifier=reports}, and the trace stands for AWS/RDS/CPUUtilization {DBInstanceIdentifier=reports} (rule "cpu", the one tuned); tuned without it, kept as it is',
      ]);
      expect(rulesOf(out).map((r: { name: string }) => r.name)).toEqual(['cpu', 'read-iops']);
      // Tuned as if it were not there: the very figures of the first rule alone.
      const one = await firstRuleAlone();
      if (one.result.status !== 'recommended') throw new Error(one.result.message);
      expect(result.reactiveRatios).toEqual(one.result.reactiveRatios);
      expect(result.reactive).toEqual(one.result.reactive);
    });

    it('refuses in one line on stderr when no rule can be replayed', async () => {
      const policy = parse(POLICY);
      policy.targets[0].rules[0].metric.statistic = 'SampleCount';
      const policyFile = join(dir, 'counts.yml');
      writeFileSync(policyFile, JSON.stringify(policy));
      const file = trace(4);
      const { result, out, err } = await run(file, { kind: 'rds-replicas', policy: policyFile });
      expect(result.status).toBe('refused');
      expect(err).toBe(
        `${file}: no recommendation: no rule of target "reports-db" can be replayed on one load trace: rule "cpu" reads SampleCount (how many datapoints arrived), which a load trace does not carry`,
      );
      expect(out).toBe('');
      expect(process.exitCode).toBe(1);
    });
  });

  it('--json gives each part of the history its times beside its minutes from the start', async () => {
    const { out } = await run(trace(3), { kind: 'asg', json: true });
    const printed = JSON.parse(out);
    expect(printed.search).toEqual({
      from: 0,
      to: 2880,
      fromTime: '2026-03-02T00:00:00.000Z',
      toTime: '2026-03-04T00:00:00.000Z',
    });
    expect(printed.validation).toMatchObject({ from: 2880, fromTime: '2026-03-04T00:00:00.000Z' });
    expect(printed.folds).toHaveLength(3);
    for (const fold of printed.folds)
      expect(Date.parse(fold.validation.fromTime)).toBe(
        Date.parse('2026-03-02T00:00:00Z') + fold.validation.from * 60_000,
      );
  });

  it('refuses to recommend from too little history, says why on stderr (not into a redirected change), and exits 1', async () => {
    const { result, out, err } = await run(trace(2), { kind: 'asg' });
    expect(result.status).toBe('refused');
    expect(err).toContain('no recommendation: 2.0 days of history: tune needs at least 3');
    expect(out).toBe('');
    expect(process.exitCode).toBe(1);
  });

  it.each([
    {
      // 12 hours of data and one row three days on spanned enough days: the replay held the last value over the
      // gap, and every goal was "met" (found in review).
      name: 'a span long enough, but 12 hours of data and one row three days on',
      rows: (file: string) => {
        const lines = readFileSync(file, 'utf8').trim().split('\n');
        const head = lines.slice(0, 1 + 144);
        return [...head, `${new Date(Date.parse('2026-03-05T12:00:00Z')).toISOString()},50`];
      },
      says: 'no recommendation: the history has no data for 72.1 h after 2026-03-02T11:55:00.000Z (at most 6 h)',
    },
    {
      name: 'a load that never changes',
      rows: (file: string) =>
        readFileSync(file, 'utf8')
          .trim()
          .split('\n')
          .map((line, i) => (i === 0 ? line : `${line.split(',')[0]},0`)),
      says: 'no recommendation: the load is 0 throughout',
    },
  ])('refuses a history it would tune on held or flat values: $name', async ({ rows, says }) => {
    const file = join(dir, `held-${says.length}.csv`);
    writeFileSync(file, `${rows(trace(4)).join('\n')}\n`);
    const { result, err } = await run(file, { kind: 'asg' });
    expect(result.status).toBe('refused');
    expect(err).toContain(says);
    expect(process.exitCode).toBe(1);
  });

  it('takes a CloudWatch history with a quiet night (a metric publishes nothing without traffic): no gap refusal', async () => {
    const lines = readFileSync(trace(4), 'utf8').trim().split('\n');
    // Eight hours without a datapoint in the middle of the second day.
    const quiet = lines.filter((_line, i) => i === 0 || i < 288 + 72 || i > 288 + 72 + 96);
    const file = join(dir, 'quiet-night.csv');
    writeFileSync(file, `${quiet.join('\n')}\n`);
    expect((await run(file, { kind: 'asg' })).err).toContain('the history has no data for 8.2 h');
    const { result, err } = await run(file, { kind: 'asg', cloudwatch: true });
    expect(err).not.toContain('no data for');
    expect(result.status).not.toBe('refused');
  });

  it.each([
    { name: 'an unknown kind', options: { kind: 'lambda' }, says: '--kind: unknown kind "lambda"' },
    {
      name: 'a policy without a target of the kind',
      options: { kind: 'cache-shards', policy: 'POLICY' },
      says: 'no cache-shards target (targets: reports-db (rds-replicas))',
    },
  ])('bad options are one-line errors: $name', async ({ options, says }) => {
    const policyFile = join(dir, 'other.yml');
    writeFileSync(policyFile, POLICY);
    const o = { ...options, ...(options.policy ? { policy: policyFile } : {}) };
    const file = trace(3);
    expect(() => tuneCommand(tuneTraceRows(file), file, o)).toThrow(TuneCommandError);
    expect(() => tuneCommand(tuneTraceRows(file), file, o)).toThrow(says);
  });

  it('a missing trace file is a one-line error naming it', () => {
    expect(() => tuneTraceRows(join(dir, 'nope.csv'))).toThrow(
      /tune --trace: .*nope\.csv: cannot be read \(no such file\)/,
    );
  });
});
