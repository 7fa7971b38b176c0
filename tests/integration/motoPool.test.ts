import { spawn } from 'node:child_process';
import { CreateTopicCommand, ListTopicsCommand, SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientOptions, emulatorConfig } from '../../shared/adapters/awsConfig';
import { startMotoPool } from '../harness/motoPool';

// The warm moto servers the test files share (tests/harness/motoPool.ts), on a broker of this file's own (the
// run's is in tests/globalSetup.ts): what one file left must never reach the next, and two files at once never
// share a server.

let pool: Awaited<ReturnType<typeof startMotoPool>>;
beforeAll(async () => {
  pool = await startMotoPool();
});
afterAll(async () => {
  await pool?.stop();
});

const lease = async (holder = process.pid) => {
  const response = await fetch(`${pool.url}/lease?holder=${holder}`, { method: 'POST' });
  return (await response.json()) as { port: number; pid: number };
};
const release = (port: number) => fetch(`${pool.url}/release?port=${port}`, { method: 'POST' });
const sns = (port: number) => new SNSClient(clientOptions(emulatorConfig(`http://127.0.0.1:${port}`)));
const topics = async (port: number) => (await sns(port).send(new ListTopicsCommand({}))).Topics ?? [];

describe('the moto pool', () => {
  it('hands a server given back to the next file emptied, and two files held at once get two servers', async () => {
    const first = await lease();
    await sns(first.port).send(new CreateTopicCommand({ Name: 'left-behind' }));
    const second = await lease();
    expect(second.port).not.toBe(first.port);
    expect(await topics(second.port)).toEqual([]);
    await release(first.port);
    const third = await lease();
    expect(third.port).toBe(first.port);
    expect(await topics(third.port)).toEqual([]);
    await Promise.all([release(second.port), release(third.port)]);
  });

  it('takes back a server whose file’s worker died without giving it back', async () => {
    const gone = spawn(process.execPath, ['-e', '']);
    const pid = gone.pid ?? 0;
    await new Promise((done) => gone.once('exit', done));
    const orphan = await lease(pid);
    await sns(orphan.port).send(new CreateTopicCommand({ Name: 'orphaned' }));
    const held = await lease(); // the other idle server, if any, goes first: hold it
    const next = await lease();
    expect([held.port, next.port]).toContain(orphan.port);
    expect(await topics(orphan.port)).toEqual([]);
    await Promise.all([release(held.port), release(next.port)]);
  });

  it('replaces a server that died rather than hand it out', async () => {
    const [a, b] = [await lease(), await lease()];
    process.kill(a.pid, 'SIGKILL');
    await new Promise((done) => setTimeout(done, 200));
    await Promise.all([release(a.port), release(b.port)]);
    const [c, d] = [await lease(), await lease()];
    expect([c.pid, d.pid]).not.toContain(a.pid);
    expect(await topics(c.port)).toEqual([]);
    expect(await topics(d.port)).toEqual([]);
    await Promise.all([release(c.port), release(d.port)]);
  });
});
