import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../bin/lib/emulator';
import { freePort } from '../../bin/lib/motoServer';
import { clientOptions } from '../../shared/adapters/awsConfig';
import { DemoAccount } from '../../shared/adapters/DemoAccount';
import { addDays } from '../../shared/cost/evaluateCosts';
import { costFunction } from '../../shared/lambda/costFunction';
import type { Policy } from '../../shared/policy/schema';
import { CostAlertDeliveryError } from '../../shared/usecases/alertCosts';
import { examplePolicy, lambdaContext } from '../harness/fixtures';
import { startTestEmulator } from '../harness/motoPool';

// Issue 11 item 16: the delivery of a cost alert against moto (its DynamoDB conditional writes, SNS, SSM,
// Cost Explorer preloaded through /moto-api/static/ce/cost-and-usage-results) and a real webhook on
// loopback that the test can keep from answering. A crash is a real one: the run is a child process,
// killed while its webhook request is open, as Lambda ends an invocation at its timeout.
const EC2 = 'Amazon Elastic Compute Cloud - Compute';
const WEBHOOK_PARAMETER = '/scalepilot/test/webhook';
const CHILD = new URL('../harness/costRunInChild.ts', import.meta.url).pathname;

let emulator: Emulator;
let webhook: Server;
let topicArn: string;
/** Messages the webhook answered 200 to. */
const answered: string[] = [];
/** When set, the next request is held open instead of answered (and handed to the test). */
let holdNext: ((res: ServerResponse, text: string) => void) | undefined;

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
      const text = (JSON.parse(body) as { text: string }).text;
      const hold = holdNext;
      holdNext = undefined;
      if (hold) return hold(res, text);
      answered.push(text);
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
  webhook?.closeAllConnections();
  await new Promise<void>((ok) => (webhook ? webhook.close(() => ok()) : ok()));
  await emulator?.stop();
});

const policy = (): Policy => ({
  ...examplePolicy(),
  cost: { ...(examplePolicy().cost as NonNullable<Policy['cost']>), monthlyBudgetUsd: undefined },
  notifications: { emails: [], webhookParameterName: WEBHOOK_PARAMETER },
});
const env = () => ({
  LEDGER_TABLE: 'ledger',
  TOPIC_ARN: topicArn,
  SCALEPILOT_SCOPE: '123456789012#us-east-1',
});

/** 21 days before `end`, the last over the $250 limit by 10% (no anomaly), all on EC2: the two answers of one run. */
async function preloadOverLimit(end: string) {
  const days = Array.from({ length: 21 }, (_, i) => ({
    date: addDays(end, i - 21),
    amount: i === 20 ? 264 : 240,
  }));
  const result = (key: (d: (typeof days)[number]) => string) => ({
    ResultsByTime: days.map((d) => ({
      TimePeriod: { Start: d.date, End: addDays(d.date, 1) },
      Total: {},
      Groups: [{ Keys: [key(d)], Metrics: { UnblendedCost: { Amount: d.amount.toFixed(10), Unit: 'USD' } } }],
      Estimated: false,
    })),
  });
  const response = await fetch(`${emulator.endpoint}/moto-api/static/ce/cost-and-usage-results`, {
    method: 'POST',
    body: JSON.stringify({ results: [result(() => EC2)] }),
  });
  expect(response.ok).toBe(true);
}

const handlerAt = (iso: string) =>
  costFunction({ env: env(), policy: policy(), aws: emulator.aws, clock: { now: () => new Date(iso) } });

/** Resolves with the held response when the webhook receives its next request. */
function holdNextRequest(): Promise<ServerResponse> {
  return new Promise((ok) => {
    holdNext = (res) => ok(res);
  });
}

describe('alert-cost delivery against the emulator', () => {
  it('a daily alert marked sent before it was sent was lost when the run died sending; now the next run sends it', async () => {
    await preloadOverLimit('2026-11-22');
    const publishes = emulator.calls('Publish');
    const held = holdNextRequest();
    const child: ChildProcess = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        CHILD,
        JSON.stringify({
          endpoint: emulator.endpoint,
          env: env(),
          policy: policy(),
          now: '2026-11-22T08:00:00Z',
        }),
      ],
      { stdio: 'ignore' },
    );
    const exited = new Promise((ok) => child.once('exit', ok));
    // SNS went out and was recorded; the webhook's message is in flight when the run is killed.
    const response = await held;
    child.kill('SIGKILL');
    await exited;
    response.destroy();
    expect(emulator.calls('Publish') - publishes).toBe(1);
    expect(answered).toEqual([]);

    // The next run (Lambda's retry, the claim's expiry later) sends what was not sent, and only that.
    const retry = await handlerAt('2026-11-22T08:05:00Z')(
      { check: 'daily' },
      lambdaContext('retry') as never,
    );
    expect(retry.sent).toEqual([{ day: '2026-11-21', key: 'daily-limit', channel: 'webhook' }]);
    expect(retry.alreadySent).toEqual([{ day: '2026-11-21', key: 'daily-limit', channel: 'sns' }]);
    expect(answered).toHaveLength(1);
    expect(answered[0]).toContain('$264.00 on 2026-11-21, over the $250.00 daily limit');
    expect(emulator.calls('Publish') - publishes).toBe(1);
  }, 60_000);

  it('two concurrent runs send one message per channel; the other run fails, and its retry sends nothing', async () => {
    await preloadOverLimit('2026-11-26');
    const publishes = emulator.calls('Publish');
    answered.length = 0;
    const held = holdNextRequest();
    const first = handlerAt('2026-11-26T08:00:00Z')({ check: 'daily' }, lambdaContext('first') as never);
    const response = await held; // the first run is sending on the webhook
    const second = handlerAt('2026-11-26T08:00:10Z')({ check: 'daily' }, lambdaContext('second') as never);
    await expect(second).rejects.toThrow(CostAlertDeliveryError);
    await expect(second).rejects.toThrow(/daily-limit of 2026-11-25 on webhook is being sent by another run/);
    response.writeHead(200).end('ok');
    const done = await first;
    expect(done.sent).toEqual([
      { day: '2026-11-25', key: 'daily-limit', channel: 'sns' },
      { day: '2026-11-25', key: 'daily-limit', channel: 'webhook' },
    ]);
    expect(emulator.calls('Publish') - publishes).toBe(1);
    const retry = await handlerAt('2026-11-26T08:01:10Z')(
      { check: 'daily' },
      lambdaContext('retry') as never,
    );
    expect(retry.sent).toEqual([]);
    expect(retry.alreadySent).toHaveLength(2);
    expect(emulator.calls('Publish') - publishes).toBe(1);
    expect(answered).toEqual([]); // the one webhook message was the held one
  }, 60_000);
});
