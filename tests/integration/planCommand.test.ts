import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { clientOptions } from '../../shared/adapters/awsConfig';
import { DemoAccount } from '../../shared/adapters/DemoAccount';
import type { PlanOverview } from '../../shared/decision/plans/planOverview';
import { cliOnEmulator } from '../harness/cliOnEmulator';
import { testClock } from '../harness/fixtures';
import { useEmulator } from '../harness/useEmulator';
import { gatedPlanAccount } from './gatedPlanHarness';
import { SP1, showCreating } from './scaleRdsReplicasHarness';

// `scalepilot plan` (the real CLI) on the emulator, in the middle of a rush: the replicas' function has
// requested the third replica (moto shows it `available` at once: the harness proxy shows it `creating`), the
// API's holds at its readiness gate. The CLI describes both members with the operator's credentials and reads
// the ledger the functions wrote and the demand from CloudWatch, as the walk does.

const emulator = useEmulator();
const CLI = new URL('../../bin/scalepilot', import.meta.url).pathname;
const run = promisify(execFile);

describe('scalepilot plan on the emulator', () => {
  it('shows the plan’s members, the gate holding the API and the order of the next steps; --json too', async () => {
    // The functions run a minute behind the CLI's own clock, so the CLI reads their minute as complete.
    const s = await gatedPlanAccount(emulator, testClock(new Date(Date.now() - 60_000)));
    await s.putMinute(4500); // 9 instances, 3 replicas
    const db = await s.schedule(s.replicas);
    expect(db).toMatchObject({ current: 2, desired: 3 });
    showCreating(emulator, [SP1]);
    const api = await s.schedule(s.asg);
    expect(api?.reason).toBe('ReadinessGate');
    const policy = s.policy;

    const file = join(tmpdir(), `scalepilot-plan-${process.pid}.yml`);
    await writeFile(file, stringify(JSON.parse(JSON.stringify(policy))));
    const cli = async (...extra: string[]) =>
      (
        await run(
          CLI,
          [
            'plan',
            file,
            '--endpoint',
            emulator.endpoint,
            '--table',
            'ledger',
            '--account',
            '123456789012',
            ...extra,
          ],
          {
            env: {
              ...process.env,
              AWS_REGION: 'us-east-1',
              AWS_ACCESS_KEY_ID: 'testing',
              AWS_SECRET_ACCESS_KEY: 'testing',
            },
          },
        )
      ).stdout;
    const text = await cli();
    expect(text).toContain('plan ticket-rush: demand 4,500');
    expect(text).toContain(
      '  events-db: 3 read replicas (2 serving), wants 3, floor 3 PlanDemand; lead 15 min (the rds-replicas default)',
    );
    expect(text).toContain(
      '  api: 6 instances (6 serving), wants 9, floor 9 PlanDemand; lead 5 min (instanceWarmupSeconds)',
    );
    // The gate as the API's own decision gives it.
    expect(text).toMatch(
      /\n {2}gate: .*api held at 6 until events-db serves 3 read replicas \(serving 2\)\n/,
    );
    expect(text).toContain('  next: 1. api 6 → 9 (5 min lead), waits for events-db');
    // The function tagged its replicas with its stage; without --stage the plan cannot tell another stage's
    // from this one's, and says so under the target.
    expect(text).toContain(`  replica ${SP1}: creating, created by Scalepilot of stage test,`);
    expect(text).toContain(
      "  replicas tagged scalepilot:stage: without --stage each reads as this stage's; give --stage to tell another stage's",
    );

    const json = JSON.parse(await cli('--json')) as { targets: { target: string }[]; plans: PlanOverview[] };
    expect(json.targets.map((t) => t.target).sort()).toEqual(['api', 'events-db']);
    expect(json.plans).toMatchObject([
      {
        plan: 'ticket-rush',
        demand: 4500,
        members: [
          { member: 'events-db', current: 3, serving: 2, wanted: 3 },
          { member: 'api', current: 6, serving: 6, wanted: 9 },
        ],
        gates: [{ member: 'api' }],
        steps: [{ member: 'api', from: 6, to: 9, direction: 'out', leadMinutes: 5, waitsFor: ['events-db'] }],
      },
    ]);
    showCreating(emulator, undefined);
  }, 90_000);

  it('with --stage reads the deployed stack’s ledger (its function names it); a stage not deployed is one line', async () => {
    const s = await gatedPlanAccount(emulator, testClock(new Date(Date.now() - 60_000)));
    await s.putMinute(4500);
    await s.schedule(s.replicas);
    // The API waits at its readiness gate for the replica: the replicas' state is known from the ledger only.
    expect(await s.schedule(s.asg)).toMatchObject({ current: 6, desired: 6, reason: 'ReadinessGate' });
    await deployScalerFunction('prod', 'ledger');
    const file = join(tmpdir(), `scalepilot-plan-stage-${process.pid}.yml`);
    await writeFile(file, stringify(JSON.parse(JSON.stringify(s.policy))));
    const cli = (...extra: string[]) =>
      run(
        CLI,
        // --account only with a ledger to read (--stage or --table): without one it is refused.
        [
          'plan',
          file,
          '--endpoint',
          emulator.endpoint,
          '--json',
          ...extra,
          ...(extra.length > 0 ? ['--account', '123456789012'] : []),
        ],
        {
          env: {
            ...process.env,
            AWS_REGION: 'us-east-1',
            AWS_ACCESS_KEY_ID: 'testing',
            AWS_SECRET_ACCESS_KEY: 'testing',
          },
        },
      );
    const apiRow = (stdout: string) =>
      (JSON.parse(stdout) as { targets: { target: string; reason: string }[] }).targets.find(
        (t) => t.target === 'api',
      );
    const byStage = apiRow((await cli('--stage', 'prod')).stdout);
    expect(byStage).toEqual(apiRow((await cli('--table', 'ledger')).stdout));
    expect(byStage?.reason).toBe('ReadinessGate');
    // Neither: as if no history, so no member's state holds the API.
    expect(apiRow((await cli()).stdout)).toMatchObject({ current: 6, desired: 9 });
    const refused = await cli('--stage', 'nowhere').catch((e) => e);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim()).toMatch(
      /GetFunctionConfiguration scalepilot-nowhere-scaleAsg \(is stage "nowhere" deployed\?\)/,
    );
    expect(refused.stderr).not.toMatch(/\n\s+at /);
  }, 90_000);
});

// The example policy on an account that has none of its resources: what an operator sees before creating them.
const EXAMPLE = new URL('../../examples/event-platform.scalepilot.yml', import.meta.url).pathname;
const MEMBERS = ['events-db', 'sessions-cache', 'api'];

describe('scalepilot plan when members cannot be read', () => {
  it('resources missing: rows without sizes, each said once more at most, the next steps unknown; exit 1', async () => {
    const text = await cliOnEmulator(emulator.endpoint, 'plan', EXAMPLE);
    expect(text.code).toBe(1);
    const rows = text.stdout.split('\n').filter((l) => /\tDescribeFailed\t/.test(l));
    expect(rows.map((r) => r.split('\t').slice(0, 4))).toEqual([
      ['api', 'asg', '-', '-'],
      ['events-db', 'rds-replicas', '-', '-'],
      ['sessions-cache', 'cache-shards', '-', '-'],
    ]);
    expect(text.stdout).not.toContain('every member has what the plan asks');
    expect(text.stdout).toContain(
      '  next: unknown: events-db could not be read (RDS DB instance "event-platform-db" does not exist)',
    );
    for (const m of MEMBERS)
      expect(text.stdout).toMatch(new RegExp(`\n  next: unknown: ${m} could not be read \\(.+\\)`));
    // The missing source is said by the account check and by its row, not a third time.
    expect(text.stderr).toMatch(
      /targets\[1\] "events-db"\.sourceDbInstanceIdentifier: no DB instance event-platform-db/,
    );
    expect(text.stdout + text.stderr).not.toContain('pending maintenance unreadable');

    // JSON keeps the decision as the function would record it (numbers, reason DescribeFailed); the plan's
    // members carry why they are unknown and no step is invented for them.
    const json = await cliOnEmulator(emulator.endpoint, 'plan', EXAMPLE, '--json');
    expect(json.code).toBe(1);
    const out = JSON.parse(json.stdout) as {
      targets: { target: string; current: number; desired: number; reason: string }[];
      plans: PlanOverview[];
    };
    expect(out.targets).toEqual(
      ['api', 'events-db', 'sessions-cache'].map((target) =>
        expect.objectContaining({ target, current: 0, desired: 0, reason: 'DescribeFailed' }),
      ),
    );
    expect(out.plans[0]?.steps).toEqual([]);
    expect(out.plans[0]?.members.map((m) => [m.member, m.unknown])).toEqual([
      ['events-db', 'RDS DB instance "event-platform-db" does not exist'],
      ['sessions-cache', 'ElastiCache replication group "event-platform-redis" does not exist'],
      ['api', 'Auto Scaling group "event-platform-api" does not exist'],
    ]);
  }, 90_000);

  it('--table whose reads are refused: one line naming the table and the error, the next steps unknown', async () => {
    await new DemoAccount(emulator.aws).createLedgerTable('ledger');
    // The table exists (DescribeTable answers) but every read of it is denied, as an operator's role without
    // dynamodb:BatchGetItem on it would be; the message names no table, as a throttle's would not.
    emulator.intercept(async (call, forward) =>
      call.service === 'dynamodb' && ['BatchGetItem', 'GetItem', 'Query'].includes(call.action ?? '')
        ? {
            status: 400,
            headers: {
              'content-type': 'application/x-amz-json-1.0',
              'x-amzn-errortype': 'AccessDeniedException',
            },
            body: Buffer.from(
              JSON.stringify({
                __type: 'com.amazon.coral.service#AccessDeniedException',
                message: 'Access denied',
              }),
            ),
          }
        : forward(),
    );
    try {
      const text = await cliOnEmulator(
        emulator.endpoint,
        'plan',
        EXAMPLE,
        '--table',
        'ledger',
        '--account',
        '123456789012',
      );
      expect(text.code).toBe(1);
      expect(text.stderr).toContain(
        'plan members unreadable: ledger table "ledger": DynamoDB BatchGetItem (plan) failed: Access denied\n',
      );
      expect(text.stderr).not.toMatch(/\[\{|"members"/);
      // Each kind met the same unreadable ledger: said once, naming them all (it was a line per kind).
      const kindLines = text.stderr.split('\n').filter((l) => /^(asg|rds-replicas|cache-shards)[,:]/.test(l));
      expect(kindLines).toHaveLength(1);
      expect(kindLines[0]).toMatch(/^asg, rds-replicas, cache-shards: ledger table "ledger": /);
      expect(text.stdout).not.toContain('every member has what the plan asks');
      for (const m of MEMBERS)
        expect(text.stdout).toContain(
          `  next: unknown: ${m} could not be read (not described; the ledger unreadable)`,
        );
    } finally {
      emulator.intercept(undefined);
    }
  }, 90_000);
});

/** The stage's ASG scaler as `sls deploy` leaves it, for the CLI to read its ledger's name (moto stores it; no Docker). */
async function deployScalerFunction(stage: string, table: string): Promise<void> {
  const role = await new IAMClient(clientOptions(emulator.aws)).send(
    new CreateRoleCommand({ RoleName: `scalepilot-${stage}-scaleAsg`, AssumeRolePolicyDocument: '{}' }),
  );
  await new LambdaClient(clientOptions(emulator.aws)).send(
    new CreateFunctionCommand({
      FunctionName: `scalepilot-${stage}-scaleAsg`,
      Runtime: 'nodejs20.x',
      Role: role.Role?.Arn,
      Handler: 'index.handler',
      // An empty zip (its end-of-directory record alone): the function is never invoked.
      Code: { ZipFile: Buffer.concat([Buffer.from('PK\x05\x06', 'latin1'), Buffer.alloc(18)]) },
      Environment: { Variables: { LEDGER_TABLE: table } },
    }),
  );
}
