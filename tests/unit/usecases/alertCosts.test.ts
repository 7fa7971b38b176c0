import { describe, expect, it } from 'vitest';
import { addDays } from '../../../shared/cost/evaluateCosts';
import type { CostAlert, DailyCost } from '../../../shared/cost/types';
import type { Policy } from '../../../shared/policy/schema';
import type { CostAlertChannel, CostReader } from '../../../shared/ports';
import {
  type AlertClaim,
  type AlertDeliveries,
  alertCosts,
  CostAlertDeliveryError,
  type CostDeps,
  CostForecastUnreadError,
} from '../../../shared/usecases/alertCosts';
import { capturedLog, examplePolicy, testClock } from '../../harness/fixtures';

// The delivery logic in memory: what happens when a channel fails, a run dies or two runs race. (The
// conditional writes themselves run against moto in tests/integration/alertCostDelivery.test.ts.)
class MemoryDeliveries implements AlertDeliveries {
  readonly records = new Map<string, { status: 'claimed' | 'sent'; token: string; until: number }>();
  failRelease = false;
  private tokens = 0;
  async claimAlert(day: string, key: string, now: Date, holdSeconds: number): Promise<AlertClaim> {
    const held = this.records.get(`${day}#${key}`);
    if (held?.status === 'sent') return { status: 'sent' };
    if (held && held.until >= now.getTime()) return { status: 'in-progress', until: new Date(held.until) };
    this.tokens += 1;
    const token = `t${this.tokens}`;
    this.records.set(`${day}#${key}`, {
      status: 'claimed',
      token,
      until: now.getTime() + holdSeconds * 1000,
    });
    return { status: 'claimed', token };
  }
  async markAlertSent(day: string, key: string, token: string) {
    const held = this.records.get(`${day}#${key}`);
    if (held?.token !== token) return false;
    this.records.set(`${day}#${key}`, { ...held, status: 'sent' });
    return true;
  }
  async releaseAlert(day: string, key: string, token: string) {
    if (this.failRelease) throw new Error('DynamoDB unreachable');
    if (this.records.get(`${day}#${key}`)?.token === token) this.records.delete(`${day}#${key}`);
  }
  get sent() {
    return [...this.records].filter(([, r]) => r.status === 'sent').map(([k]) => k);
  }
}

/** Cost Explorer with $300 on the days `over` picks (over the $250 limit) and $240 on the others. */
const costsOver = (over: (date: string) => boolean): CostReader => ({
  async dailyCosts(start: string, end: string): Promise<DailyCost[]> {
    const days: DailyCost[] = [];
    for (let d = start; d < end; d = addDays(d, 1)) {
      const total = over(d) ? 300 : 240;
      days.push({ date: d, total, byService: { 'Amazon EC2': total }, estimated: false });
    }
    return days;
  },
  forecast: async () => 0,
});
// The runs below are at 08:00 on the 22nd: only yesterday is over (the day before, compared again, is not).
const overLimit = costsOver((d) => d === '2026-11-21');
const everyDayOver = costsOver(() => true);

function deps(
  channels: CostAlertChannel[],
  claims: MemoryDeliveries,
  clock = testClock(new Date('2026-11-22T08:00:00Z')),
): CostDeps {
  const policy: Policy = {
    ...examplePolicy(),
    cost: { ...(examplePolicy().cost as NonNullable<Policy['cost']>), monthlyBudgetUsd: undefined },
  };
  return {
    policy,
    costs: overLimit,
    alerts: claims,
    decisions: async () => [],
    channels,
    clock,
    log: capturedLog().sink,
    region: 'us-east-1',
    prices: { regions: {} },
  };
}

describe('alertCosts: once per day and channel, and never lost', () => {
  it('gives the claim back when a channel fails, so the next run sends it; other channels are not repeated', async () => {
    const sent: string[] = [];
    let webhookUp = false;
    const channels: CostAlertChannel[] = [
      { channel: 'sns', costAlert: async (a: CostAlert) => void sent.push(`sns ${a.key}`) },
      {
        channel: 'webhook',
        costAlert: async (a: CostAlert) => {
          if (!webhookUp) throw new Error('503');
          sent.push(`webhook ${a.key}`);
        },
      },
    ];
    const claims = new MemoryDeliveries();
    await expect(alertCosts(deps(channels, claims), 'daily')).rejects.toThrow(CostAlertDeliveryError);
    expect(sent).toEqual(['sns daily-limit']);
    expect(claims.sent).toEqual(['2026-11-21#daily-limit#sns']);
    expect([...claims.records.keys()]).toEqual(['2026-11-21#daily-limit#sns']); // the webhook's was given back
    webhookUp = true;
    const retry = await alertCosts(deps(channels, claims), 'daily');
    expect(sent).toEqual(['sns daily-limit', 'webhook daily-limit']);
    expect(retry.alreadySent).toEqual([{ day: '2026-11-21', key: 'daily-limit', channel: 'sns' }]);
  });

  it('with send: false (scalepilot costs) evaluates and changes nothing', async () => {
    const claims = new MemoryDeliveries();
    const run = await alertCosts(deps([{ channel: 'sns', costAlert: async () => {} }], claims), 'daily', {
      send: false,
    });
    expect(run.evaluation.alerts.map((a) => a.key)).toEqual(['daily-limit']);
    expect(claims.records.size).toBe(0);
  });

  // Issue 11 item 16: the alert was marked sent *before* it was sent, so a run that died in between lost it
  // for good. Now a claim that expires is taken before sending, and `sent` is written after.
  it.each([
    { name: 'the run is killed while sending (Lambda timeout)', crash: 'hang' as const },
    { name: 'the channel throws and the claim cannot be given back', crash: 'throw' as const },
  ])(
    'a daily alert marked sent before it was sent is lost when $name; now the next run sends it',
    async ({ crash }) => {
      const clock = testClock(new Date('2026-11-22T08:00:00Z'));
      const claims = new MemoryDeliveries();
      const delivered: string[] = [];
      let crashing = true;
      const channel: CostAlertChannel = {
        channel: 'sns',
        costAlert: async (a: CostAlert) => {
          if (crashing && crash === 'hang') return new Promise<void>(() => {}); // never settles: the run is gone
          if (crashing) throw new Error('socket hang up');
          delivered.push(a.key);
        },
      };
      claims.failRelease = crash === 'throw';
      const first = alertCosts(deps([channel], claims, clock), 'daily', { claimSeconds: 120 });
      if (crash === 'throw') await expect(first).rejects.toThrow(CostAlertDeliveryError);
      else await new Promise((ok) => setTimeout(ok, 20)); // let it reach the channel, then abandon it
      expect(claims.sent).toEqual([]);

      crashing = false;
      claims.failRelease = false;
      // The Lambda retry a minute later: the claim still holds, so this run fails to be retried again ...
      clock.advance(60);
      await expect(
        alertCosts(deps([channel], claims, clock), 'daily', { claimSeconds: 120 }),
      ).rejects.toThrow(/being sent by another run/);
      expect(delivered).toEqual([]);
      // ... and the next one, past the claim's expiry, sends it, once.
      clock.advance(120);
      const retry = await alertCosts(deps([channel], claims, clock), 'daily', { claimSeconds: 120 });
      expect(retry.sent).toEqual([{ day: '2026-11-21', key: 'daily-limit', channel: 'sns' }]);
      expect(delivered).toEqual(['daily-limit']);
      const again = await alertCosts(deps([channel], claims, clock), 'daily', { claimSeconds: 120 });
      expect(again.alreadySent).toEqual([{ day: '2026-11-21', key: 'daily-limit', channel: 'sns' }]);
      expect(delivered).toEqual(['daily-limit']);
    },
  );

  it('two concurrent runs send one message; the other fails so that Lambda retries it, and the retry sends nothing', async () => {
    const clock = testClock(new Date('2026-11-22T08:00:00Z'));
    const claims = new MemoryDeliveries();
    const delivered: string[] = [];
    let open: () => void = () => {};
    const gate = new Promise<void>((ok) => {
      open = ok;
    });
    const channel: CostAlertChannel = {
      channel: 'sns',
      costAlert: async (a: CostAlert) => {
        await gate; // the first run is still sending when the second one claims
        delivered.push(a.key);
      },
    };
    const first = alertCosts(deps([channel], claims, clock), 'daily');
    await new Promise((ok) => setTimeout(ok, 20));
    const second = alertCosts(deps([channel], claims, clock), 'daily');
    await expect(second).rejects.toThrow(/daily-limit of 2026-11-21 on sns is being sent by another run/);
    open();
    expect((await first).sent).toEqual([{ day: '2026-11-21', key: 'daily-limit', channel: 'sns' }]);
    clock.advance(60);
    const retry = await alertCosts(deps([channel], claims, clock), 'daily');
    expect(retry.sent).toEqual([]);
    expect(delivered).toEqual(['daily-limit']);
  });

  it('a message sent whose record cannot be written fails the run, counted and logged (defect: a denied UpdateItem was swallowed and the alert re-sent every run)', async () => {
    const claims = new MemoryDeliveries();
    claims.markAlertSent = async () => {
      throw new Error('AccessDeniedException: not authorized to perform dynamodb:UpdateItem');
    };
    const log = capturedLog();
    const counted: string[] = [];
    const sent: string[] = [];
    const run = alertCosts(
      {
        ...deps([{ channel: 'sns', costAlert: async (a) => void sent.push(a.key) }], claims),
        log: log.sink,
        recordFailed: (operation) => counted.push(operation),
      },
      'daily',
    );
    await expect(run).rejects.toThrow(CostAlertDeliveryError);
    await expect(run).rejects.toThrow(
      /daily-limit of 2026-11-21 on sns was sent, but its delivery record could not be written \(it may be sent again\): AccessDeniedException/,
    );
    expect(sent).toEqual(['daily-limit']);
    expect(counted).toEqual(['alert-sent']);
    expect(log.entries.filter((e) => e.level === 'error').map((e) => e.message)).toContain(
      'cost alert sent but not recorded',
    );
  });

  it('a claim that cannot be written fails the run before anything is sent, counted', async () => {
    const claims = new MemoryDeliveries();
    claims.claimAlert = async () => {
      throw new Error('AccessDeniedException: not authorized to perform dynamodb:PutItem');
    };
    const counted: string[] = [];
    const sent: string[] = [];
    await expect(
      alertCosts(
        {
          ...deps([{ channel: 'sns', costAlert: async (a) => void sent.push(a.key) }], claims),
          recordFailed: (operation) => counted.push(operation),
        },
        'daily',
      ),
    ).rejects.toThrow(/AccessDeniedException/);
    expect(sent).toEqual([]);
    expect(counted).toEqual(['alert-claim']);
  });
});

describe('cost.monthlyBudgetUsd: a forecast Cost Explorer cannot give', () => {
  // Defect: a forecast Cost Explorer did not give (NaN: a new account's DataUnavailableException, or no total)
  // made a month-end figure of NaN, which `NaN <= budget` let through as a forecast alert of "$NaN".
  it.each([
    {
      name: 'the daily check still alerts on the day, with no forecast alert',
      check: 'daily' as const,
      want: ['daily-limit'],
    },
    { name: 'the hourly forecast check sends nothing', check: 'forecast' as const, want: [] },
  ])('$name', async ({ check, want }) => {
    const base = deps([], new MemoryDeliveries());
    const cost = { ...(base.policy.cost as NonNullable<Policy['cost']>), monthlyBudgetUsd: 5000 };
    const run = await alertCosts(
      {
        ...base,
        policy: { ...base.policy, cost },
        costs: { ...overLimit, forecast: async () => Number.NaN },
      },
      check,
      { send: false },
    );
    expect(run.evaluation.alerts.map((a) => a.key)).toEqual(want);
    expect(run.evaluation.notes).toContain('no month-end forecast from Cost Explorer: no budget check');
  });
});

describe('cost.monthlyBudgetUsd: a forecast Cost Explorer fails to give', () => {
  // Defect: the daily run read the forecast before it evaluated the days: a GetCostForecast that failed
  // failed the run there, and the day's alerts went nowhere until a retry could read the forecast.
  const failingForecast = (check: 'daily' | 'forecast', channels: CostAlertChannel[]) => {
    const base = deps(channels, new MemoryDeliveries());
    const cost = { ...(base.policy.cost as NonNullable<Policy['cost']>), monthlyBudgetUsd: 5000 };
    return alertCosts(
      {
        ...base,
        policy: { ...base.policy, cost },
        costs: {
          ...overLimit,
          forecast: async () => {
            throw new Error('Cost Explorer GetCostForecast failed: ThrottlingException');
          },
        },
      },
      check,
    );
  };

  it('the daily check sends its alerts, then fails the run naming the forecast (Lambda retries it)', async () => {
    const sent: string[] = [];
    const channels = [{ channel: 'sns', costAlert: async (a: CostAlert) => void sent.push(a.key) }];
    const run = failingForecast('daily', channels);
    await expect(run).rejects.toThrow(CostForecastUnreadError);
    await expect(run).rejects.toThrow(
      'the month-end forecast was not read (Cost Explorer GetCostForecast failed: ThrottlingException): no budget check this run; the daily alerts went',
    );
    expect(sent).toEqual(['daily-limit']);
  });

  it('the hourly forecast check fails with the read’s own error', async () => {
    await expect(failingForecast('forecast', [])).rejects.toThrow(
      'GetCostForecast failed: ThrottlingException',
    );
  });
});

describe('cost.completeAfterHours: the day compared waits for Cost Explorer to fill it in', () => {
  // 08:00 UTC on the 22nd: the 21st ended 8 hours ago. The newest complete day is compared, and the day
  // before it again (Cost Explorer may still be filling it in); every day is over the limit here.
  it.each([
    {
      name: 'the default 6 hours: yesterday is complete, and the day before is compared again',
      hours: 6,
      days: ['2026-11-20', '2026-11-21'],
    },
    {
      name: '12 hours: yesterday is not yet; the day before and the one before it are compared',
      hours: 12,
      days: ['2026-11-19', '2026-11-20'],
    },
  ])('$name', async ({ hours, days }) => {
    const asked: string[] = [];
    const base = deps([], new MemoryDeliveries());
    const cost = { ...(base.policy.cost as NonNullable<Policy['cost']>), completeAfterHours: hours };
    const run = await alertCosts(
      {
        ...base,
        policy: { ...base.policy, cost },
        costs: {
          ...everyDayOver,
          dailyCosts: async (start, end) => {
            asked.push(`${start}..${end}`);
            return everyDayOver.dailyCosts(start, end);
          },
        },
      },
      'daily',
      { send: false },
    );
    expect(run.evaluation.compared).toEqual(days);
    expect(run.evaluation.alerts.map((a) => `${a.day} ${a.key}`)).toEqual(
      days.map((d) => `${d} daily-limit`),
    );
    // Read from the month's first day (or the trailing window before the compared day, when earlier).
    expect(asked).toEqual(['2026-11-01..2026-11-22']);
  });
});

// Defect: tax, support and upfront fees were a day's spend, by "service": the month's tax and support lines on
// the 1st made that day over the limit and an anomaly of their own, every month. Now they count toward the
// month's budget (the bill) only.
describe('alertCosts: fees count toward the month, not the day', () => {
  const withFeesOnThe1st: CostReader = {
    async dailyCosts(start: string, end: string): Promise<DailyCost[]> {
      const days: DailyCost[] = [];
      for (let d = start; d < end; d = addDays(d, 1))
        days.push({
          date: d,
          total: 240,
          byService: { 'Amazon EC2': 240 },
          ...(d.endsWith('-01') ? { fees: 1200 } : {}),
          estimated: false,
        });
      return days;
    },
    forecast: async () => 6000,
  };
  it('the 1st with $1,200 of fees: no daily or anomaly alert, said in a note; the month’s budget counts them', async () => {
    const claims = new MemoryDeliveries();
    const run = deps([], claims, testClock(new Date('2026-12-03T08:00:00Z')));
    const budget = { ...(run.policy.cost as NonNullable<Policy['cost']>), monthlyBudgetUsd: 7000 };
    const { evaluation } = await alertCosts(
      { ...run, policy: { ...run.policy, cost: budget }, costs: withFeesOnThe1st },
      'daily',
      { send: false },
    );
    expect(evaluation.alerts.map((a) => a.key)).toEqual(['forecast']);
    // The 1st and 2nd: $240 a day of use, $1,200 of fees on the 1st; the rest of the month forecast at $6,000.
    expect(evaluation.forecast).toMatchObject({ monthToDate: 240 * 2 + 1200, remaining: 6000 });
    expect(evaluation.notes).toContain(
      '2026-12-01: $1,200.00 of tax, support and upfront fees counted toward the month, not the day',
    );
  });
});
