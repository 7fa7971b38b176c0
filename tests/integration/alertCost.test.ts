import { createServer, type Server } from 'node:http';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../bin/lib/emulator';
import { freePort } from '../../bin/lib/motoServer';
import { clientOptions } from '../../shared/adapters/awsConfig';
import { DemoAccount } from '../../shared/adapters/DemoAccount';
import { addDays } from '../../shared/cost/evaluateCosts';
import { MalformedEventError } from '../../shared/errors';
import { costFunction } from '../../shared/lambda/costFunction';
import type { Policy } from '../../shared/policy/schema';
import { examplePolicy, lambdaContext, testClock } from '../harness/fixtures';
import { startTestEmulator } from '../harness/motoPool';

// The cost function against moto's Cost Explorer, preloaded through moto's
// /moto-api/static/ce/cost-and-usage-results endpoint (moto answers GetCostAndUsage from that queue: each new
// set of request parameters takes the next result, the same parameters get the same result again). moto has
// no GetCostForecast, so this policy sets no monthly budget; the forecast call is covered with
// aws-sdk-client-mock in tests/unit/adapters/CostExplorerReader.test.ts. The webhook is a real HTTP server
// on loopback, its URL a real SecureString in moto's SSM.
const EC2 = 'Amazon Elastic Compute Cloud - Compute';
const RDS = 'Amazon Relational Database Service';
const S3 = 'Amazon Simple Storage Service';
const WEBHOOK_PARAMETER = '/scalepilot/test/webhook';

let emulator: Emulator;
let webhook: Server;
const posted: { text: string }[] = [];
let topicArn: string;

beforeAll(async () => {
  emulator = await startTestEmulator();
  const account = new DemoAccount(emulator.aws);
  await account.createLedgerTable('ledger');
  topicArn = await account.createTopic('scalepilot-costs');
  const port = await freePort();
  webhook = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      posted.push(JSON.parse(body));
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((ok) => webhook.listen(port, '127.0.0.1', () => ok()));
  await new SSMClient(clientOptions(emulator.aws)).send(
    new PutParameterCommand({
      Name: WEBHOOK_PARAMETER,
      Type: 'SecureString',
      Value: `http://127.0.0.1:${port}/hook`,
    }),
  );
});
afterAll(async () => {
  await new Promise<void>((ok) => (webhook ? webhook.close(() => ok()) : ok()));
  await emulator?.stop();
});

const policy = (): Policy => ({
  ...examplePolicy(),
  cost: { ...(examplePolicy().cost as NonNullable<Policy['cost']>), monthlyBudgetUsd: undefined },
  notifications: { emails: [], webhookParameterName: WEBHOOK_PARAMETER },
});

/** One day of spend by service (and all of it tagged to `api`), as GetCostAndUsage returns it. */
type Day = { date: string; services: Record<string, number> };
const ordinary = { [EC2]: 150, [RDS]: 60, [S3]: 30 }; // $240, under the $250 limit
const busy = { [EC2]: 165, [RDS]: 66, [S3]: 33 }; // $264: over the limit, no service out of line

function daysBefore(end: string, count: number, lastDay: Record<string, number>): Day[] {
  return Array.from({ length: count }, (_, i) => {
    const date = addDays(end, i - count);
    return { date, services: i === count - 1 ? lastDay : ordinary };
  });
}

/** Preloads the two GetCostAndUsage answers of one run: by service, then by the target tag. */
async function preload(days: Day[]) {
  const result = (groups: (d: Day) => { key: string; amount: number }[]) => ({
    ResultsByTime: days.map((d) => ({
      TimePeriod: { Start: d.date, End: addDays(d.date, 1) },
      Total: {},
      Groups: groups(d).map((g) => ({
        Keys: [g.key],
        Metrics: { UnblendedCost: { Amount: g.amount.toFixed(10), Unit: 'USD' } },
      })),
      Estimated: false,
    })),
  });
  const byService = result((d) => Object.entries(d.services).map(([key, amount]) => ({ key, amount })));
  const response = await fetch(`${emulator.endpoint}/moto-api/static/ce/cost-and-usage-results`, {
    method: 'POST',
    body: JSON.stringify({ results: [byService] }),
  });
  expect(response.ok).toBe(true);
}

function handlerAt(iso: string) {
  const clock = testClock(new Date(iso));
  return costFunction({
    env: { LEDGER_TABLE: 'ledger', TOPIC_ARN: topicArn, SCALEPILOT_SCOPE: '123456789012#us-east-1' },
    policy: policy(),
    aws: emulator.aws,
    clock,
  });
}

describe('alert-cost against the emulator', () => {
  it('refuses a malformed event before reading anything', async () => {
    const handler = handlerAt('2026-11-22T08:00:00Z');
    const before = emulator.actions().length;
    await expect(handler({ check: 'weekly' }, lambdaContext('bad') as never)).rejects.toThrow(
      MalformedEventError,
    );
    expect(emulator.actions().length).toBe(before);
  });

  it('a day over the limit posts exactly one alert, naming the top services, however often it runs', async () => {
    // Run at 08:00 on the 22nd: the 21st is the newest complete day; the read starts on the 1st.
    await preload(daysBefore('2026-11-22', 21, busy));
    const publishes = emulator.calls('Publish');
    const handler = handlerAt('2026-11-22T08:00:00Z');
    const event = { check: 'daily' };
    const first = await handler(event, lambdaContext('first') as never);
    // The schedule delivers again, twice: moto's conditional writes are not atomic under concurrency
    // (DynamoDB's are), so the duplicates arrive one after the other here.
    const second = await handler(event, lambdaContext('second') as never);
    const third = await handlerAt('2026-11-22T14:00:00Z')(event, lambdaContext('third') as never);
    expect(first.sent).toEqual([
      { day: '2026-11-21', key: 'daily-limit', channel: 'sns' },
      { day: '2026-11-21', key: 'daily-limit', channel: 'webhook' },
    ]);
    expect(second.sent).toEqual([]);
    expect(second.alreadySent).toHaveLength(2);
    expect(third.sent).toEqual([]);
    expect(emulator.calls('Publish') - publishes).toBe(1);
    expect(posted).toHaveLength(1);
    const text = posted[0]?.text ?? '';
    expect(text).toContain('$264.00 on 2026-11-21, over the $250.00 daily limit');
    expect(text.indexOf(EC2)).toBeGreaterThan(0);
    expect(text.indexOf(EC2)).toBeLessThan(text.indexOf(RDS));
    expect(text).toContain('cost-explorer?');
  });

  it('a normal day posts nothing', async () => {
    await preload(daysBefore('2026-11-23', 22, ordinary));
    const publishes = emulator.calls('Publish');
    const run = await handlerAt('2026-11-23T08:00:00Z')({ check: 'daily' }, lambdaContext('normal') as never);
    expect(run.day).toBe('2026-11-22');
    expect(run.alerts).toBe(0);
    expect(emulator.calls('Publish')).toBe(publishes);
    expect(posted).toHaveLength(1);
  });

  // Cost Explorer keeps filling a day in after it ended, so each daily run compares yesterday and the day
  // before again. Cost Explorer here is moto's: it answers GetCostAndUsage from the preloaded queue (each run
  // reads a new range, so it takes the next answer, which are the figures as that morning's Cost Explorer
  // has them), so aws-sdk-client-mock is not needed; only GetCostForecast is missing, and no budget is set.
  it('a day that crosses the limit only once later figures came in is alerted then, once; a day alerted is not alerted again', async () => {
    /** The 20 days before `end` as that morning's Cost Explorer has them: ordinary unless `on` says otherwise. */
    const upTo = (end: string, on: Record<string, Record<string, number>>): Day[] =>
      daysBefore(end, 20, ordinary).map((d) => ({ ...d, services: on[d.date] ?? ordinary }));
    const grown = { [EC2]: 180, [RDS]: 66, [S3]: 33 }; // $279: the 3rd filled in further, still over
    const publishes = emulator.calls('Publish');
    const before = posted.length;
    const daily = async (iso: string, name: string) =>
      handlerAt(iso)({ check: 'daily' }, lambdaContext(name) as never);

    // 4 Dec, 08:00: the 3rd is over (told), the 2nd is not.
    await preload(upTo('2026-12-04', { '2026-12-03': busy }));
    const first = await daily('2026-12-04T08:00:00Z', 'dec-4');
    expect(first.compared).toEqual(['2026-12-02', '2026-12-03']);
    expect(first.sent).toEqual([
      { day: '2026-12-03', key: 'daily-limit', channel: 'sns' },
      { day: '2026-12-03', key: 'daily-limit', channel: 'webhook' },
    ]);
    expect(first.notes).toContain('2026-12-02: $240.00 is within the daily limit of $250.00');

    // 5 Dec: the 3rd, compared again, has grown and is still over: not told again. The 4th looks ordinary.
    await preload(upTo('2026-12-05', { '2026-12-03': grown }));
    const second = await daily('2026-12-05T08:00:00Z', 'dec-5');
    expect(second.sent).toEqual([]);
    expect(second.alreadySent).toEqual([
      { day: '2026-12-03', key: 'daily-limit', channel: 'sns' },
      { day: '2026-12-03', key: 'daily-limit', channel: 'webhook' },
    ]);
    expect(second.notes).toContain('2026-12-04: $240.00 is within the daily limit of $250.00');

    // 6 Dec: Cost Explorer has since added spend to the 4th, now the day before yesterday: over, told now.
    await preload(upTo('2026-12-06', { '2026-12-03': grown, '2026-12-04': busy }));
    const third = await daily('2026-12-06T08:00:00Z', 'dec-6');
    // Each delivery names its day: a run compares two, and this one told the day before yesterday's.
    expect(third.sent).toEqual([
      { day: '2026-12-04', key: 'daily-limit', channel: 'sns' },
      { day: '2026-12-04', key: 'daily-limit', channel: 'webhook' },
    ]);
    // The schedule delivers again (or a later run reads the same figures): nothing twice.
    const again = await daily('2026-12-06T14:00:00Z', 'dec-6-again');
    expect(again.sent).toEqual([]);
    expect(again.alreadySent).toHaveLength(2);

    // One message per day over the limit, on each channel: the 3rd on the 4th, the 4th on the 6th.
    expect(emulator.calls('Publish') - publishes).toBe(2);
    const told = posted.slice(before).map((p) => p.text.split('\n')[0]);
    expect(told).toEqual([
      '*Scalepilot cost: $264.00 on 2026-12-03, over the $250.00 daily limit*',
      '*Scalepilot cost: $264.00 on 2026-12-04, over the $250.00 daily limit*',
    ]);
  });
});
