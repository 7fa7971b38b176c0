// The lease fences every attempt of the act step's AWS calls, not only the first: the walk checks the lease
// (15 s left) before it acts, and the SDK then retries on its own, up to three attempts of 13 s each. Before,
// a call whose attempts timed out sent its last one after the lease had ended, while the next holder, finding
// the intent, reconciled and acted: two changes beside each other (found in review; the walk-level row below
// sent SetDesiredCapacity at +65 s of a 60 s lease).
import { AutoScalingClient, SetDesiredCapacityCommand } from '@aws-sdk/client-auto-scaling';
import { afterEach, describe, expect, it } from 'vitest';
import { clientOptions } from '../../../shared/adapters/awsConfig';
import type { CapacityState } from '../../../shared/decision/types';
import {
  ATTEMPT_MAX_MS,
  AttemptPastLeaseError,
  refuseAttemptPastLease,
  withinLease,
} from '../../../shared/leaseFence';
import type { CapacityPort } from '../../../shared/ports';
import { type EvaluateDeps, evaluateTargets } from '../../../shared/usecases/evaluateTargets';
import { seedStepPolicy, testClock } from '../../harness/fixtures';
import { FunctionMetrics, InMemoryLedger } from '../../harness/inMemoryPorts';
import { closeLocalEndpoints, localEndpoint } from '../adapters/localEndpoint';

afterEach(closeLocalEndpoints);

describe('the SDK’s retries of a call made under a lease', () => {
  it.each([
    { name: 'no lease (a read outside the walk): every attempt the SDK makes', leftMs: undefined, sent: 3 },
    { name: 'a lease with room for every attempt: all three', leftMs: ATTEMPT_MAX_MS * 10, sent: 3 },
    {
      name: 'a lease that ends before a second attempt could be answered: one, then refused',
      leftMs: ATTEMPT_MAX_MS + 100,
      sent: 1,
    },
  ])('$name', async ({ leftMs, sent }) => {
    // Every attempt is lost (no answer): the client gives each up after 300 ms and retries.
    const { aws, requests } = await localEndpoint(() => 'lost');
    const client = new AutoScalingClient(clientOptions({ ...aws, maxAttempts: 3 }));
    const call = () =>
      client.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'web', DesiredCapacity: 6 }));
    const start = Date.now();
    const failed = await (leftMs === undefined
      ? call()
      : withinLease(
          { target: 'web', token: 7, expiresAt: new Date(start + leftMs), now: () => new Date() },
          call,
        )
    ).catch((error: unknown) => error);
    expect(requests).toHaveLength(sent);
    if (sent === 1) {
      expect(failed).toBeInstanceOf(AttemptPastLeaseError);
      expect((failed as Error).message).toMatch(
        /lease 7 on "web" ends in 1\d s, under the 13 s an attempt may take/,
      );
    }
  });
});

describe('the walk fences its act step with the lease it holds, on its own clock', () => {
  it('an attempt the act step would make past the fence is not made, and the decision says why', async () => {
    const clock = testClock(new Date('2026-11-22T12:00:30Z'));
    let desired = 4;
    const attempts: string[] = [];
    const capacity: CapacityPort = {
      async describe(): Promise<CapacityState> {
        return { current: desired, serving: desired, liveMin: 0, liveMax: 100 };
      },
      async setCapacity(_target, to) {
        // The first attempt timed out (13 s); the SDK would retry now, 50 s into the 60 s lease.
        clock.advance(50);
        refuseAttemptPastLease();
        attempts.push(`SetDesiredCapacity(${to})`);
        desired = to;
      },
    };
    const deps: EvaluateDeps = {
      policy: seedStepPolicy(),
      kind: 'asg',
      capacity,
      metrics: new FunctionMetrics(() => 85),
      ledger: new InMemoryLedger(),
      notifier: { capacityChanged: async () => {} },
      clock,
      log: { info() {}, warn() {}, error() {} },
      owner: 'r1',
      leaseSeconds: 60,
    };
    const [outcome] = await evaluateTargets(deps, { trigger: 'schedule' });
    expect(attempts).toEqual([]);
    expect(outcome?.decision.reason).toBe('ActionFailed');
    expect(outcome?.decision.message).toMatch(/no further attempt sent/);
  });
});
