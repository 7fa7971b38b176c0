import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { pngSize } from '../../../shared/report/render';
import { EXAMPLE_POLICY } from '../../harness/fixtures';

// `scalepilot backtest --plan` as the operator runs it: the real CLI in a child process, on six hours of
// requests a minute with a rush in the middle (too short for forecasts: the rows run on the rules alone).
const run = promisify(execFile);
const CLI = new URL('../../../bin/scalepilot', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'scalepilot-plan-'));
const trace = join(dir, 'rush.csv');
writeFileSync(
  trace,
  [
    'timestamp,value',
    ...Array.from({ length: 72 }, (_, i) => {
      const at = new Date(Date.parse('2026-12-05T15:00:00Z') + i * 300_000).toISOString();
      return `${at},${i >= 30 && i < 42 ? 15_000 : 5_000}`;
    }),
  ].join('\n'),
);

async function backtest(...args: string[]) {
  return run(CLI, ['backtest', '--trace', trace, '--per-interval-count', ...args]).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );
}

describe('scalepilot backtest --plan', () => {
  it('prints the members with their prices and the three rows', async () => {
    const { code, stdout } = await backtest('--policy', EXAMPLE_POLICY, '--plan', 'ticket-rush');
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toBe('plan ticket-rush: 360 minutes, T 0.7; prices: bundled on-demand, us-east-1');
    expect(lines[2]).toMatch(
      /^ {2}events-db \(rds-replicas\): unit [\d.]+, range 1\.\.6, delay 15 min, lead 15 min, \$0\.065\/h a unit \(db\.t4g\.medium\)$/,
    );
    // A shard is priced whole: 2 nodes × $0.032.
    expect(lines[3]).toContain('$0.064/h a unit (2 × cache.t4g.small)');
    expect(lines[4]?.split('\t')).toEqual([
      'policy',
      'system overload min',
      'downstream overload min',
      'unserved %',
      'cost USD',
      'api USD',
      'events-db USD',
      'sessions-cache USD',
      'actions',
    ]);
    expect(lines.slice(5).map((l) => l.split('\t')[0])).toEqual([
      'coordinated',
      'independent-scalepilot',
      'independent-target-tracking',
    ]);
  });

  it('--json: an array of rows with overloadMinutes, downstreamOverloadMinutes and cost in USD; --out: CSVs and the report', async () => {
    const out = join(dir, 'out');
    const { code, stdout, stderr } = await backtest(
      '--policy',
      EXAMPLE_POLICY,
      '--plan',
      'ticket-rush',
      '--json',
      '--out',
      out,
    );
    expect(code).toBe(0);
    const rows = JSON.parse(stdout) as {
      policy: string;
      overloadMinutes: number;
      downstreamOverloadMinutes: number;
      cost: number;
    }[];
    expect(rows.map((r) => r.policy)).toEqual([
      'coordinated',
      'independent-scalepilot',
      'independent-target-tracking',
    ]);
    for (const r of rows) {
      expect(r.downstreamOverloadMinutes).toBeLessThanOrEqual(r.overloadMinutes);
      expect(r.cost).toBeGreaterThan(0);
    }
    // Every rule of the example's members reads a utilisation in %: all replayed, no line.
    expect(stderr.trim()).toBe(`report: ${join(out, 'report.html')}`);
    for (const name of ['coordinated', 'independent-scalepilot', 'independent-target-tracking'])
      expect(readFileSync(join(out, `${name}.csv`), 'utf8').split('\n')).toHaveLength(362);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain(
      'data-title="rush.csv · plan ticket-rush · coordinated · events-db (rds-replicas)"',
    );
    expect(html.match(/<figure class="chart"/g)).toHaveLength(9);
    expect(existsSync(join(out, 'chart.png'))).toBe(true);
    expect(pngSize(readFileSync(join(out, 'chart.png'))).height).toBeGreaterThan(9 * 250);
  });

  it.each([
    {
      name: 'a plan the policy does not have',
      args: ['--policy', EXAMPLE_POLICY, '--plan', 'rush'],
      want: 'backtest --plan: no plan named "rush" (the policy\'s plans: ticket-rush)',
    },
    {
      name: 'no policy',
      args: ['--plan', 'ticket-rush'],
      want: 'backtest --plan: --plan needs --policy FILE: the plan is read from it',
    },
  ])('refuses $name in one line, exit 1', async ({ args, want }) => {
    const { code, stdout, stderr } = await backtest(...args);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trim()).toBe(want);
  });
});

describe('scalepilot backtest --plan replays per member the rules its utilisation can feed', () => {
  const requests = {
    name: 'requests',
    type: 'target-tracking',
    metric: {
      namespace: 'AWS/ApplicationELB',
      name: 'RequestCountPerTarget',
      statistic: 'Sum',
      dimensions: { TargetGroup: 'targetgroup/event-platform-api/0123456789abcdef' },
    },
    target: 1000,
  };
  type Rules = Record<string, unknown>[];

  /**
   * The example plan of the API and the replicas (a cache member always has a second metric: its shard gates
   * read memory beside CPU), each with these rules; the example's other keys as they are.
   */
  function planPolicy(file: string, rules: { api: Rules; db: Rules }): string {
    const policy = parse(readFileSync(EXAMPLE_POLICY, 'utf8'));
    const kept = new Set(['api', 'events-db']);
    policy.targets = policy.targets.filter((t: { name: string }) => kept.has(t.name));
    policy.targets[0].rules = rules.api;
    policy.targets[1].rules = rules.db;
    policy.plans[0].members = policy.plans[0].members.filter((m: { target: string }) => kept.has(m.target));
    const path = join(dir, file);
    writeFileSync(path, JSON.stringify(policy));
    return path;
  }
  const example = parse(readFileSync(EXAMPLE_POLICY, 'utf8'));
  const [cpu, memory] = example.targets[0].rules;
  const [connections, dbCpu] = example.targets[1].rules;

  it('a plan whose members read only utilisations: no line, and the figures as they were before each member’s rules were chosen', async () => {
    const { code, stdout, stderr } = await backtest(
      '--policy',
      planPolicy('leads.yml', { api: [cpu], db: [connections] }),
      '--plan',
      'ticket-rush',
    );
    expect(code).toBe(0);
    expect(stderr).toBe('');
    // As `backtest --plan` printed them before it chose each member's rules (2026-12-07).
    expect(stdout.trim().split('\n').slice(4)).toEqual([
      'coordinated\t16\t10\t1.9048\t2.41\t1.37\t1.05\t10',
      'independent-scalepilot\t32\t20\t5.7143\t2.08\t1.56\t0.52\t10',
      'independent-target-tracking\t24\t16\t6.0714\t2.01\t1.45\t0.56\t11',
    ]);
  });

  it('leaves out a request count per target (no utilisation in %), in one line: the figures are those without it', async () => {
    const without = await backtest(
      '--policy',
      planPolicy('without-json.yml', { api: [cpu, memory], db: [connections, dbCpu] }),
      '--plan',
      'ticket-rush',
      '--json',
    );
    const both = await backtest(
      '--policy',
      planPolicy('both.yml', { api: [requests, cpu, memory], db: [connections, dbCpu] }),
      '--plan',
      'ticket-rush',
      '--json',
    );
    expect(both.code).toBe(0);
    expect(both.stderr.trim().split('\n')).toEqual([
      'plan ticket-rush, member api: rule "requests" not replayed: it reads AWS/ApplicationELB/RequestCountPerTarget {TargetGroup=targetgroup/event-platform-api/0123456789abcdef}, not a utilisation in % (no percentOf, and its name says no percentage): a backtest knows the load only as a % of what a unit carries; the figures are without it',
    ]);
    // stdout stays the JSON figures, equal to those of the policy without the count.
    expect(JSON.parse(both.stdout)).toEqual(JSON.parse(without.stdout));
  });

  it('refuses a member none of whose rules can be replayed in one line, exit 1, and prints no figures', async () => {
    const { code, stdout, stderr } = await backtest(
      '--policy',
      planPolicy('counts.yml', { api: [requests], db: [connections] }),
      '--plan',
      'ticket-rush',
    );
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toEqual([
      'backtest --plan: plan ticket-rush, member api: no rule of target "api" can be replayed on its utilisation: rule "requests" reads AWS/ApplicationELB/RequestCountPerTarget {TargetGroup=targetgroup/event-platform-api/0123456789abcdef}, not a utilisation in % (no percentOf, and its name says no percentage): a backtest knows the load only as a % of what a unit carries',
    ]);
  });
});
