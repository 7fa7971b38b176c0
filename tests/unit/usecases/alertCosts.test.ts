import { describe, expect, it } from 'vitest';
import { addDays } from '../../../shared/cost/evaluateCosts';
import type { CostAlert, DailyCost } from '../../../shared/cost/types';
import type { Policy } from '../../../shared/policy/schema';
import type { AlertLedger, CostAlertChannel, CostReader } from '../../../shared/ports';
import { alertCosts, CostAlertDeliveryError, type CostDeps } from '../../../shared/usecases/alertCosts';
import { capturedLog, examplePolicy, testClock } from '../../harness/fixtures';

// The claim logic in memory: what happens when a channel fails. (The conditional write itself runs against
// moto in tests/integration/alertCost.test.ts.)
class MemoryClaims implements AlertLedger {
  readonly claims = new Set<string>();
  async claimAlert(day: string, key: string) {
    if (this.claims.has(`${day}#${key}`)) return false;
    this.claims.add(`${day}#${key}`);
    return true;
  }
  async releaseAlert(day: string, key: string) {
    this.claims.delete(`${day}#${key}`);
  }
}

const overLimit: CostReader = {
  async dailyCosts(start: string, end: string): Promise<DailyCost[]> {
    const days: DailyCost[] = [];
    for (let d = start; d < end; d = addDays(d, 1))
      days.push({ date: d, total: 300, byService: { 'Amazon EC2': 300 }, byTarget: {}, estimated: false });
    return days;
  },
  forecast: async () => 0,
};

function deps(channels: CostAlertChannel[], claims: MemoryClaims): CostDeps {
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
    clock: testClock(new Date('2026-11-22T08:00:00Z')),
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
    const claims = new MemoryClaims();
    await expect(alertCosts(deps(channels, claims), 'daily')).rejects.toThrow(CostAlertDeliveryError);
    expect(sent).toEqual(['sns daily-limit']);
    expect([...claims.claims]).toEqual(['2026-11-21#daily-limit#sns']);
    webhookUp = true;
    const retry = await alertCosts(deps(channels, claims), 'daily');
    expect(sent).toEqual(['sns daily-limit', 'webhook daily-limit']);
    expect(retry.alreadySent).toEqual([{ key: 'daily-limit', channel: 'sns' }]);
  });

  it('with send: false (scalepilot costs) evaluates and changes nothing', async () => {
    const claims = new MemoryClaims();
    const run = await alertCosts(deps([{ channel: 'sns', costAlert: async () => {} }], claims), 'daily', {
      send: false,
    });
    expect(run.evaluation.alerts.map((a) => a.key)).toEqual(['daily-limit']);
    expect(claims.claims.size).toBe(0);
  });
});
