/**
 * `npm run reliability`: runs the reliability tests (tests/reliability, and the kill switch's integration
 * test) with vitest, then writes docs/reliability.md from the figures those tests recorded and from
 * vitest's own report of what passed, so the page shows what the run saw and nothing else. A run with a
 * failing test leaves the page as it was and exits non-zero.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { type Figures, type Item, items } from '../tests/reliability/figures';
import { mutants } from '../tests/reliability/mutants';

const ROOT = new URL('..', import.meta.url).pathname;
const PAGE = join(ROOT, 'docs/reliability.md');
const FILES = ['tests/reliability', 'tests/integration/killSwitch.test.ts'];

/** What each item promises (issue 15), as the page states it above its figures. */
const promises: Record<Item, { title: string; promise: string }> = {
  delivery: {
    title: '1. Delivery',
    promise:
      '50 concurrent invocations with one alarm event make exactly 1 mutating AWS call; the same event redelivered 1 minute, 3 minutes and 6 hours later makes 0 more (an alarm event older than the functions’ maximum event age, 300 s, is refused as `StaleEvent`); 1,000 fast-check runs of shuffled, duplicated and late OK/ALARM deliveries end at the capacity the in-order deliveries give.',
  },
  bounds: {
    title: '2. Bounds',
    promise:
      '10,000 fast-check command sequences per kind of target (alarms, ticks, manual changes to the resource, clock jumps, a crashed holder’s lease expiring) never leave desired capacity outside the policy’s or the resource’s range (once moved out of range by hand: never further out, never more than the per-decision cap back) and never act twice inside a cooldown. The use case runs with in-memory ports and a simulated resource; rds-replicas and cache-shards with their own models (gates, drains, settlement).',
  },
  faults: {
    title: '3. Faults injected at the HTTP level',
    promise:
      'A fault-injecting proxy between the function and the emulator (tests/harness/faultProxy.ts) answers `Throttling`/`ThrottlingException`, `RequestLimitExceeded`, HTTP 500s, connection resets and timeouts (before or after the emulator acted) on 30% of requests, every kind at least once, so the SDK’s standard retry strategy really runs. Lambda’s side is played as AWS documents it, with the packaged template’s `MaximumRetryAttempts`: each event then completes (a decision in the ledger) or is in the dead-letter queue (a real SQS queue in the emulator), exactly once, counted from those two and not from the harness; a poison event is tried exactly the template’s retries plus one; nothing acts twice, no call makes more than the configured SDK attempts. An action AWS refuses on every attempt is recorded `ActionFailed`, counted in the metric the stack alarms on and backed off. The RDS scaler under the same faults, its readers busy then quiet: the replicas stay within min and max at every minute, only its own replicas are deleted, none is created again while it exists, and each completed event changes capacity at most once (a run Lambda retries after its record was written records its decision again, never a second change).',
  },
  crashes: {
    title: '4. Crashes in the write-ahead sequence',
    promise:
      'A function killed after taking the lease, after writing the intent, after the AWS call, before recording (and after recording, before releasing the lease): the next evaluation finishes or reconciles within the lease time plus one tick; the ledger agrees with the group; no lease, intent or idempotency record stays stuck.',
  },
  'bad-input': {
    title: '5. Bad input',
    promise:
      '10,000 fuzzed events (wrong types, huge arrays, unknown sources, other accounts, unicode, deep nesting) through the real handler, each on a scaler whose load a valid event scales (the control event does), and 10,000 fuzzed policies through the real parser: a clear typed error (or a recorded skip) and zero mutating calls for every event the scalers’ contract does not make a trigger (the fuzzed events that are valid triggers scale, as the control); a poison event reaches the dead-letter queue once, not every minute.',
  },
  'kill-switch': {
    title: '6. Kill switch',
    promise:
      '`scalepilot pause` sets `/scalepilot/<stage>/paused` = `true`: every mutating call stops within one minute, decisions are still recorded (reason `Paused`); `scalepilot resume` lets the next evaluation act. Any value but `true` or `false` pauses too, and a switch that cannot be read changes nothing (`PauseUnknown`); the predict function and `scalepilot release` read it as the scalers do (tests/unit/usecases/readKillSwitch.test.ts, predictSafety.test.ts, tests/integration/release.test.ts, and the mutants below).',
  },
  'least-privilege': {
    title: '7. Least privilege (the packaged template)',
    promise:
      'One role per function; no `Action: "*"`; no mutating action on `Resource: "*"`; mutating actions on named resources or under tag conditions; every `AWS::Lambda::Permission` for a service principal carries `SourceAccount` and `SourceArn` (Scalepilot’s own checkov check `CKV_SCALEPILOT_1` in infra/checkov covers the CloudWatch alarms principal that checkov’s CKV_AWS_364 misses); reserved concurrency and X-Ray tracing on every function; an event age limit, a retry limit and an alarmed dead-letter queue on every async function; no secret in an environment variable.',
  },
  'template-checks': {
    title: '8. Template checks',
    promise:
      '`checkov` on the packaged template with zero failures beyond the skip list in infra/checkov.yml (each skip reasoned there); `cfn-lint` with zero errors and zero warnings.',
  },
};

/** Which item a test belongs to: by its file, and for the template file by its describe block. */
function itemOf(file: string, ancestors: readonly string[]): Item {
  const name = basename(file);
  if (name === 'leastPrivilege.test.ts')
    return ancestors[0] === 'template checks' ? 'template-checks' : 'least-privilege';
  if (name.startsWith('bounds')) return 'bounds';
  const byFile: Record<string, Item> = {
    'delivery.test.ts': 'delivery',
    'faults.test.ts': 'faults',
    'faultsRds.test.ts': 'faults',
    'actionFailed.test.ts': 'faults',
    'crashes.test.ts': 'crashes',
    'badInput.test.ts': 'bad-input',
    'killSwitch.test.ts': 'kill-switch',
  };
  const item = byFile[name];
  if (!item) throw new Error(`${file}: no reliability item for this test file; add it to bin/reliability.ts`);
  return item;
}

interface VitestReport {
  readonly startTime: number;
  readonly testResults: {
    readonly name: string;
    readonly startTime: number;
    readonly endTime: number;
    readonly assertionResults: {
      readonly title: string;
      readonly ancestorTitles: string[];
      readonly status: string;
      readonly duration?: number;
    }[];
  }[];
}

const cell = (value: string | number) => String(value).replaceAll('|', '\\|').replaceAll('\n', ' ');
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function main() {
  const dir = mkdtempSync(join(tmpdir(), 'scalepilot-reliability-run-'));
  const started = new Date();
  const tests = runTests(dir);
  const lines = [...pageHeader(started, tests.length), ...itemSections(tests, recordedFigures(dir))];
  lines.push(...mutationTable());
  lines.push(
    '## Not covered here',
    '',
    '- Lambda’s own retries and the dead-letter queue are played in-process (the handler throws: a would-be',
    '  dead-letter message); moto cannot invoke the functions without Docker.',
    '',
  );
  writeFileSync(PAGE, lines.join('\n'));
  process.stdout.write(`\nreliability: ${tests.length} tests passed; wrote ${relative(ROOT, PAGE)}\n`);
}

interface TestRun {
  readonly file: string;
  readonly item: Item | undefined;
  readonly title: string;
  readonly status: string;
  readonly duration: number;
}

/** The reliability files run by vitest, each test's result read back; exits (page untouched) unless all pass. */
function runTests(dir: string): TestRun[] {
  const vitest = spawnSync(
    join(ROOT, 'node_modules/.bin/vitest'),
    [
      'run',
      ...FILES,
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${join(dir, 'vitest.json')}`,
    ],
    { cwd: ROOT, stdio: 'inherit', env: { ...process.env, RELIABILITY_DIR: dir } },
  );
  const report = JSON.parse(readFileSync(join(dir, 'vitest.json'), 'utf8')) as VitestReport;
  const tests = report.testResults.flatMap((file) =>
    file.assertionResults.map((t) => ({
      file: relative(ROOT, file.name),
      item: itemOf(file.name, t.ancestorTitles),
      title: t.title,
      status: t.status,
      duration: t.duration ?? 0,
    })),
  );
  const failed = tests.filter((t) => t.status !== 'passed');
  if (vitest.status !== 0 || failed.length > 0 || tests.length === 0) {
    process.stderr.write(
      `\nreliability: ${failed.length} test(s) did not pass (${failed.map((t) => t.title).join('; ') || `vitest exited ${vitest.status}`}); ${relative(ROOT, PAGE)} left as it was\n`,
    );
    process.exit(1);
  }
  return tests;
}

/** The figures the tests recorded after their assertions held, in the order they recorded them. */
function recordedFigures(dir: string): { item: Item; test: string; figures: Figures }[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json') && f !== 'vitest.json')
    .sort((a, b) => statSync(join(dir, a)).mtimeMs - statSync(join(dir, b)).mtimeMs)
    .map(
      (f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as { item: Item; test: string; figures: Figures },
    );
}

/** The page's title and how it was produced: when, on what, at which commit. */
function pageHeader(started: Date, testCount: number): string[] {
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT }).toString().trim();
  const dirty = execFileSync(
    'git',
    ['status', '--porcelain', '--', 'shared', 'functions', 'infra', 'serverless.yml'],
    {
      cwd: ROOT,
    },
  )
    .toString()
    .trim();
  const vitestVersion = JSON.parse(
    readFileSync(join(ROOT, 'node_modules/vitest/package.json'), 'utf8'),
  ).version;
  const wall = Date.now() - started.getTime();
  return [
    '# Reliability and security, in figures',
    '',
    '<!-- Generated by `npm run reliability` (bin/reliability.ts). Do not edit: run it again. -->',
    '',
    `Produced by \`npm run reliability\` on ${started.toISOString().replace(/\.\d+Z$/, 'Z')} (UTC): vitest ${vitestVersion} ran`,
    `${FILES.map((f) => `\`${f}\``).join(' and ')} (${testCount} tests, all passed, ${seconds(wall)} on`,
    `${availableParallelism()} × ${cpus()[0]?.model.trim() ?? 'CPU'}, Node ${process.version}) at commit \`${commit}\`${dirty ? ' with local changes' : ''}.`,
    'Each figure below was printed and recorded by a test after its assertions held, and read back from that',
    `run; nothing on this page is typed by hand. Generated runs start from fast-check seed ${process.env.RELIABILITY_SEED ?? 20261130}`,
    '(`RELIABILITY_SEED`), so a fresh run prints the same figures. The same tests run in `npm test`. AWS is the moto emulator',
    '(behind the counting proxy of bin/lib/emulator.ts); the handlers run in-process, as in the other tests.',
    '',
  ];
}

/** Per promise: its figures (by test, a fixed order whatever order the files finished in), then its tests. */
function itemSections(
  tests: readonly TestRun[],
  recorded: readonly { item: Item; test: string; figures: Figures }[],
) {
  const lines: string[] = [];
  for (const item of items) {
    const { title, promise } = promises[item];
    lines.push(`## ${title}`, '', promise, '');
    const ofItem = recorded.filter((r) => r.item === item).sort((a, b) => a.test.localeCompare(b.test));
    for (const { test, figures } of ofItem) {
      lines.push(`**${test}**`, '', '| Figure | Value |', '| --- | --- |');
      for (const [name, value] of Object.entries(figures)) lines.push(`| ${cell(name)} | ${cell(value)} |`);
      lines.push('');
    }
    lines.push('Tests:', '');
    for (const t of tests.filter((t) => t.item === item))
      lines.push(`- ✅ \`${t.file}\`: ${t.title} (${seconds(t.duration)})`);
    lines.push('');
  }
  return lines;
}

/**
 * The mutation table (issue 20, item 15): each guard behind a promise above, broken on purpose, and the test
 * that failed. Read from docs/mutants.json, which `npm run mutants` writes (it takes minutes: it is not part
 * of this run); a mutant of the list with no result there is shown as not run.
 */
function mutationTable(): string[] {
  const file = join(ROOT, 'docs/mutants.json');
  const recorded = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as {
        ranAt: string;
        commit: string;
        results: { guard: string; mutant: string; where: string; killed: boolean; by: string[] }[];
      })
    : undefined;
  const lines = [
    '## 9. Mutation table',
    '',
    'Every guard behind a promise on this page (kill switch, lease, fencing, ownership tags, blast-radius cap,',
    'freshness, bounds), broken on purpose one line at a time (tests/reliability/mutants.ts: the file, the exact',
    'line and what it becomes), with the tests named for it run against the broken code. Killed: a test failed.',
    'A survivor would be a missing test. `npm run mutants` runs it (minutes, so not in `npm test`; a unit test',
    `checks that every listed line is still in its file)${
      recorded
        ? `; this table is its run of ${recorded.ranAt} at commit \`${recorded.commit}\`.`
        : '; it has not been run.'
    }`,
    '',
    '| Guard | Mutant | Where | Outcome | Killed by |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const m of mutants) {
    const result = recorded?.results.find((r) => r.guard === m.guard && r.mutant === m.mutant);
    lines.push(
      `| ${cell(m.guard)} | ${cell(m.mutant)} | \`${cell(result?.where ?? m.file)}\` | ${result ? (result.killed ? 'killed' : '**survived**') : 'not run'} | ${cell(result?.killed ? (result.by[0] ?? '') : '')} |`,
    );
  }
  lines.push('');
  return lines;
}

main();
