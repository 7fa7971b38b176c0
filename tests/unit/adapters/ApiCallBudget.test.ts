import { describe, expect, it } from 'vitest';
import { ApiCallBudget, BURST_SECONDS, serviceOf } from '../../../shared/adapters/ApiCallBudget';

/** A virtual clock: sleeping moves it, nothing waits for real. */
function virtualTime() {
  let now = 0;
  return {
    nowMs: () => now,
    sleep: async (ms: number) => {
      now += ms;
    },
  };
}

describe('the API budget (one run’s share of the account’s control-plane rate)', () => {
  it.each([
    { name: 'a burst of ten seconds’ worth goes at once', rate: 5, calls: 50, elapsedS: 0 },
    { name: 'past the burst, calls are paced at the rate', rate: 5, calls: 100, elapsedS: 9.8 },
    { name: 'a lower rate stretches the same calls', rate: 2, calls: 100, elapsedS: 39.5 },
  ])('$name', async ({ rate, calls, elapsedS }) => {
    const time = virtualTime();
    const budget = new ApiCallBudget({ autoscaling: rate }, time);
    budget.beginRun();
    for (let i = 0; i < calls; i += 1) await budget.take('autoscaling');
    // Call k is due k / rate seconds in, less the burst: the last one starts `elapsedS` in.
    expect(time.nowMs() / 1000).toBeCloseTo(elapsedS, 6);
    expect(calls).toBeLessThanOrEqual(rate * (time.nowMs() / 1000 + BURST_SECONDS) + 1);
    expect(budget.usage()).toMatchObject({
      calls: { autoscaling: calls },
      ratePerSecond: { autoscaling: rate },
    });
  });

  it('counts every service’s calls per run, and only budgeted services wait', async () => {
    const time = virtualTime();
    const budget = new ApiCallBudget({ rds: 1 }, time);
    for (let i = 0; i < 30; i += 1) await budget.take('dynamodb');
    expect(time.nowMs()).toBe(0);
    for (let i = 0; i < 15; i += 1) await budget.take('rds');
    expect(budget.usage()).toEqual({
      calls: { dynamodb: 30, rds: 15 },
      waitedMs: 4_000, // the eleven-call burst (0 to 10 s due), then four calls one second apart
      ratePerSecond: { rds: 1 },
    });
    budget.beginRun();
    expect(budget.usage()).toMatchObject({ calls: {}, waitedMs: 0 });
  });

  it('tells how long a call made now would wait its turn: the lease a call is made under must outlive that', async () => {
    // The clock stands still and the calls stay in line (their waits never end here).
    const time = { nowMs: () => 0, sleep: () => new Promise<void>(() => {}) };
    const budget = new ApiCallBudget({ autoscaling: 2, rds: 1 }, time);
    expect(budget.queueMs()).toBe(0);
    // 21 calls fill the 10-second burst at 2 a second; 10 more stand 5 seconds in line.
    for (let i = 0; i < 21; i += 1) void budget.take('autoscaling');
    expect(budget.queueMs()).toBe(500);
    for (let i = 0; i < 10; i += 1) void budget.take('autoscaling');
    expect(budget.queueMs()).toBe(5_500);
    for (let i = 0; i < 30; i += 1) void budget.take('dynamodb'); // unbudgeted: no line
    expect(budget.queueMs()).toBe(5_500);
  });

  it('reads the service from the SigV4 credential scope of the signed request', () => {
    expect(
      serviceOf({
        authorization:
          'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261122/us-east-1/autoscaling/aws4_request, SignedHeaders=host, Signature=x',
      }),
    ).toBe('autoscaling');
    expect(serviceOf({})).toBe('unknown');
  });
});
