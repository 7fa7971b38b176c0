import { describe, expect, it } from 'vitest';
import { clientOptions, emulatorConfig } from '../../shared/adapters/awsConfig';
import { DynamoLedger } from '../../shared/adapters/DynamoLedger';
import { emulatorBehindFaults } from '../harness/emulatorBehindFaults';
import { faultKinds } from '../harness/faultProxy';
import { lambdaContext } from '../harness/fixtures';
import {
  MANUAL,
  rdsPolicy,
  rdsScalerOnEmulator,
  SCOPE,
  SOURCE,
} from '../integration/scaleRdsReplicasHarness';

// The RDS scaler under faults at the HTTP level (faults.test.ts does the same for the ASG scaler): 30% of its
// requests throttled, refused with 500, reset or timed out, before or after moto acted, while the readers are
// busy and then quiet. Its mutations are not idempotent at AWS (a create or a delete happens once), so what is
// held here is what acting on a lost answer would break: the replica count stays in its range, only the
// replicas it made are deleted, no replica is created again while it exists (moto overwrites one; AWS would
// refuse it), and each schedule event that completed is in the ledger with at most one change. Lambda's
// retries are played in-process (moto cannot invoke functions without Docker), twice, as the template's
// MaximumRetryAttempts.

const MINUTES = 45;
const RATE = 0.3;
const SEED = 2718;
const LAMBDA_RETRIES = 2;
const ATTEMPTS = clientOptions(emulatorConfig('http://x')).maxAttempts;
/** The readers' load: busy for 12 minutes (scale out to the maximum), then quiet (drain and delete). */
const load = (minute: number) =>
  minute < 12 ? { connections: 96, cpu: 60, lag: 0 } : { connections: 10, cpu: 5, lag: 0 };

const world = emulatorBehindFaults(SEED);

describe('the RDS scaler under faults at the HTTP level', () => {
  it(`${Math.round(RATE * 100)}% of its requests faulted, every kind: the replicas stay within min and max, only its own are deleted, none is created twice, each completed event changes capacity at most once`, async () => {
    const { emulator, proxy } = world;
    const policy = rdsPolicy();
    const [target] = policy.targets;
    if (target?.kind !== 'rds-replicas') throw new Error('example policy changed');
    const s = await rdsScalerOnEmulator(emulator, policy, {
      ...emulatorConfig(proxy.endpoint),
      requestTimeoutMs: 700,
    });
    const readers = async () =>
      (await s.instances()).filter((i) => i.ReadReplicaSourceDBInstanceIdentifier === SOURCE);

    const counts: number[] = [];
    const completed: string[] = [];
    let failedEvents = 0;
    proxy.setRate(RATE);
    for (let minute = 0; minute < MINUTES; minute += 1) {
      const ids = (await readers()).map((r) => r.DBInstanceIdentifier ?? '');
      await s.putLoad(Object.fromEntries(ids.map((id) => [id, load(minute)])));
      const time = s.clock.now().toISOString();
      const event = { source: 'aws.events', 'detail-type': 'Scheduled Event', time, detail: {} };
      let done = false;
      for (let attempt = 0; attempt <= LAMBDA_RETRIES && !done; attempt += 1) {
        try {
          await s.handler(structuredClone(event) as never, lambdaContext(`m${minute}-a${attempt}`));
          done = true;
        } catch {
          // Lambda invokes the event again; after the last retry it goes to the dead-letter queue.
        }
      }
      if (done) completed.push(time);
      else failedEvents += 1;
      counts.push((await readers()).length);
      s.clock.advance(60);
    }
    proxy.setRate(0);
    const requests = [...proxy.requests];

    // Every kind of fault was injected, resets and timeouts before and after moto acted.
    for (const kind of faultKinds)
      expect(requests.filter((r) => r.fault === kind).length, kind).toBeGreaterThan(0);
    for (const kind of ['reset', 'timeout'] as const)
      for (const reached of [false, true])
        expect(requests.some((r) => r.fault === kind && r.reachedEmulator === reached)).toBe(true);
    expect(Math.max(...requests.map((r) => r.attempt))).toBeLessThanOrEqual(ATTEMPTS);

    // The load moved the replicas both ways, within the range at every minute.
    const { min, max } = target.capacity;
    expect(Math.max(...counts), counts.join(' ')).toBe(max);
    expect(counts.at(-1), counts.join(' ')).toBe(min);
    expect(
      counts.every((n) => n >= min && n <= max),
      counts.join(' '),
    ).toBe(true);

    // Replayed in order, the calls that reached moto: a delete names one of the scaler's replicas, never the
    // hand-made one or the source; a create (a new call, not the SDK's retry of one) names no replica that
    // exists then.
    // The parameter itself, not `SourceDBInstanceIdentifier=`, which a create's body also holds.
    const idOf = (body: string) =>
      decodeURIComponent(/(?:^|&)DBInstanceIdentifier=([^&]+)/.exec(body)?.[1] ?? '');
    const existing = new Set<string>([MANUAL]);
    const created: string[] = [];
    const createdAgain: string[] = [];
    const deleted: string[] = [];
    const seen = new Set<string>();
    for (const r of requests) {
      if (!r.reachedEmulator) continue;
      const id = idOf(r.body);
      const newCall = !seen.has(r.invocation);
      seen.add(r.invocation);
      if (r.action === 'CreateDBInstanceReadReplica') {
        created.push(id);
        if (newCall && existing.has(id)) createdAgain.push(id);
        existing.add(id);
      }
      if (r.action === 'DeleteDBInstance') {
        deleted.push(id);
        existing.delete(id);
      }
    }
    expect(created.length).toBeGreaterThan(0);
    expect(created.filter((id) => !/-sp-\d+$/.test(id))).toEqual([]);
    expect(createdAgain).toEqual([]);
    expect(deleted.length).toBeGreaterThan(0);
    expect(deleted.filter((id) => !/-sp-\d+$/.test(id))).toEqual([]);
    expect((await readers()).map((r) => r.DBInstanceIdentifier)).toContain(MANUAL);

    // Each event that completed is in the ledger with at most one change; after the faults stop, one tick
    // leaves no intent and no lease held.
    const ledger = new DynamoLedger(emulator.aws, 'ledger', SCOPE);
    const logged = await ledger.decisions(target.name);
    const show = (at: string) =>
      logged
        .filter((d) => d.at === at)
        .map((d) => `${d.trigger} ${d.reason} ${d.current}→${d.desired} applied=${d.applied} ${d.message}`)
        .join('\n');
    // One run may record two (the operation it saw complete, then its own decision), and a run Lambda
    // retries after its record was written records its decision again: never a second change.
    for (const time of completed) {
      const own = logged.filter((d) => d.at === time);
      expect(own.length, show(time)).toBeGreaterThan(0);
      expect(own.filter((d) => d.applied && d.desired !== d.current).length, show(time)).toBeLessThanOrEqual(
        1,
      );
    }
    expect(completed.length + failedEvents).toBe(MINUTES);
    await s.schedule('after');
    const record = await ledger.read(target.name);
    expect(record.intent).toBeUndefined();
    expect(await ledger.acquireLease(target.name, 'checker', s.clock.now(), 1)).toBeDefined();
  }, 600_000);
});
