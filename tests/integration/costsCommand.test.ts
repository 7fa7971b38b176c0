import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CostExplorerClient,
  GetCostAndUsageCommand,
  GetCostForecastCommand,
} from '@aws-sdk/client-cost-explorer';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { type CostsRequest, costsReport } from '../../bin/lib/costsCommand';
import { clientOptions } from '../../shared/adapters/awsConfig';
import { DemoAccount } from '../../shared/adapters/DemoAccount';
import { DynamoLedger } from '../../shared/adapters/DynamoLedger';
import { addDays, newestCompleteDay } from '../../shared/cost/evaluateCosts';
import type { Policy } from '../../shared/policy/schema';
import { cliOnEmulator } from '../harness/cliOnEmulator';
import { deployedFunction } from '../harness/deployedFunction';
import { examplePolicy } from '../harness/fixtures';
import { useEmulator } from '../harness/useEmulator';

// `scalepilot costs` against moto. moto's Cost Explorer answers GetCostAndUsage from a queue preloaded through
// /moto-api/static/ce/cost-and-usage-results, and nothing preloaded is a day without data; moto has no
// GetCostForecast, so the forecast's failure is made with aws-sdk-client-mock on the one client (its
// GetCostAndUsage still goes to moto).
const emulator = useEmulator({ reset: false });
const STAGE = 'costs';
const dir = mkdtempSync(join(tmpdir(), 'scalepilot-costs-'));

beforeEach(async () => {
  await emulator.reset();
  await new DemoAccount(emulator.aws).createLedgerTable('ledger');
  await deployedFunction(emulator.aws, STAGE, 'alertCost', { LEDGER_TABLE: 'ledger' });
});

function policyFile(budget: boolean): { file: string; policy: Policy } {
  const policy = JSON.parse(JSON.stringify(examplePolicy()));
  if (!budget) delete policy.cost.monthlyBudgetUsd;
  const file = join(dir, `policy-${budget}.yml`);
  writeFileSync(file, stringify(policy));
  return { file, policy };
}

/** `costsReport` for the last three days, now, on the emulator; `through`: the client or ledger a test swaps in. */
const threeDays = (policy: Policy, through: Pick<CostsRequest, 'costExplorer' | 'ledger'>) =>
  costsReport(policy, policy.cost as NonNullable<Policy['cost']>, {
    aws: emulator.aws,
    stage: STAGE,
    days: 3,
    now: new Date(),
    ...through,
  });

const cli = (...args: string[]) => cliOnEmulator(emulator.endpoint, 'costs', ...args, '--stage', STAGE);

describe('scalepilot costs: days without Cost Explorer data (defect: rows without their day, notes only in JSON)', () => {
  it('names the day of every row, in text and JSON, and prints the notes that say why there is no data', async () => {
    const { file } = policyFile(false);
    const newest = newestCompleteDay(new Date(), examplePolicy().cost?.completeAfterHours ?? 6);
    const days = [addDays(newest, -2), addDays(newest, -1), newest];
    const text = await cli(file, '--days', '3');
    expect(text.code).toBe(0);
    const rows = text.stdout.split('\n').slice(1, 4);
    expect(rows.map((r) => r.split('\t').slice(0, 2))).toEqual(days.map((d) => [d, 'no data']));
    for (const day of days)
      expect(text.stdout).toContain(
        `note: no Cost Explorer data for ${day} (the newest day complete 6 h after its end): no daily alert`,
      );
    const json = await cli(file, '--days', '3', '--json');
    expect(JSON.parse(json.stdout).days.map((d: { day?: string }) => d.day)).toEqual(days);
  }, 60_000);
});

describe('scalepilot costs with a monthly budget: the forecast fails (defect: the daily rows were thrown away)', () => {
  it('keeps the daily checks and says the forecast failed, naming it', async () => {
    const { policy } = policyFile(true);
    const client = new CostExplorerClient(clientOptions({ ...emulator.aws, region: 'us-east-1' }));
    const toMoto = client.send.bind(client);
    const denied = Object.assign(new Error('User is not authorized to perform: ce:GetCostForecast'), {
      name: 'AccessDeniedException',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
    });
    mockClient(client)
      .on(GetCostAndUsageCommand)
      .callsFake((input) => toMoto(new GetCostAndUsageCommand(input)))
      .on(GetCostForecastCommand)
      .rejects(denied);
    const report = await threeDays(policy, { costExplorer: client });
    expect(report.days).toHaveLength(3);
    expect(report.forecast).toBeUndefined();
    expect(report.forecastError).toBe(
      'Cost Explorer GetCostForecast failed: User is not authorized to perform: ce:GetCostForecast',
    );
  }, 60_000);

  it('the CLI prints the daily rows, then one line naming the forecast, and exits 1 (moto has no GetCostForecast)', async () => {
    const { file } = policyFile(true);
    const run = await cli(file, '--days', '2');
    expect(run.stdout.split('\n').filter((l) => /^\d{4}-\d\d-\d\d\t/.test(l))).toHaveLength(2);
    expect(run.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^month-end forecast not read: Cost Explorer GetCostForecast failed: /),
    ]);
    expect(run.code).toBe(1);
  }, 60_000);
});

describe('scalepilot costs reads the ledger once per target and day (defect: each day read twice)', () => {
  it('three days, each compared by two morning checks: 4 days read once for each target', async () => {
    const { policy } = policyFile(false);
    const ledger = new DynamoLedger(emulator.aws, 'ledger', '');
    const reads: string[] = [];
    const counting = {
      decisions: (target: string, between?: { from: Date; to: Date }) => {
        reads.push(`${target} ${between?.from.toISOString().slice(0, 10)}`);
        return ledger.decisions(target, between);
      },
    };
    const report = await threeDays(policy, { ledger: counting });
    expect(report.days).toHaveLength(3);
    // The oldest row's check compares the day before it too: 4 days for 3 rows.
    expect(reads).toHaveLength(4 * policy.targets.length);
    expect(new Set(reads).size).toBe(reads.length);
  }, 60_000);
});
