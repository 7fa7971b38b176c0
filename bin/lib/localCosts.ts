import { DEMO_ENGINES } from '../../shared/adapters/DemoAccount';
import { bundledPrices } from '../../shared/cost/bundledPrices';
import { addDays } from '../../shared/cost/evaluateCosts';
import { unitPrice } from '../../shared/cost/scalingCost';
import type { Policy, Target } from '../../shared/policy/schema';
import { costReadRange } from '../../shared/usecases/alertCosts';
import type { Emulator } from './emulator';

const costExplorerServiceByKind = {
  asg: 'Amazon Elastic Compute Cloud - Compute',
  'rds-replicas': 'Amazon Relational Database Service',
  'cache-shards': 'Amazon ElastiCache',
} as const;

/**
 * A day of the demo account at rest: every target at its minimum (and the RDS source instance), 24 h, at its
 * engine's price (a target whose engine the table has no price for is left out).
 */
function baselineDay(policy: Policy, region: string): { service: string; target: string; usd: number }[] {
  return policy.targets.flatMap((t: Target) => {
    const price = unitPrice(t, region, bundledPrices, { engines: DEMO_ENGINES[t.kind] });
    if ('note' in price) return [];
    const units = t.capacity.min + (t.kind === 'rds-replicas' ? 1 : 0); // the source instance too
    return [
      { service: costExplorerServiceByKind[t.kind], target: t.name, usd: units * 24 * price.usdPerUnitHour },
    ];
  });
}

/**
 * Cost Explorer data for the local account. moto's Cost Explorer answers GetCostAndUsage only from results
 * queued through /moto-api/static/ce/cost-and-usage-results, and has no GetCostForecast (the harness's proxy
 * answers it). The figures are the demo account at rest, priced from the bundled table: what it would have
 * cost before the replay, so the cost check runs on figures of the right shape, and stays quiet.
 */
export async function preloadCosts(emulator: Emulator, policy: Policy, now: Date): Promise<void> {
  const cost = policy.cost;
  if (!cost) return;
  const { start, end } = costReadRange(cost, now);
  const day = baselineDay(policy, emulator.aws.region);
  const dates: string[] = [];
  for (let d = start; d < end; d = addDays(d, 1)) dates.push(d);
  const results = (groups: { key: string; usd: number }[]) => ({
    ResultsByTime: dates.map((date) => ({
      TimePeriod: { Start: date, End: addDays(date, 1) },
      Total: {},
      Groups: groups.map((g) => ({
        Keys: [g.key],
        Metrics: { UnblendedCost: { Amount: g.usd.toFixed(10), Unit: 'USD' } },
      })),
      Estimated: false,
    })),
  });
  const response = await fetch(`${emulator.endpoint}/moto-api/static/ce/cost-and-usage-results`, {
    method: 'POST',
    body: JSON.stringify({
      results: [results(day.map((d) => ({ key: d.service, usd: d.usd })))],
    }),
  });
  if (!response.ok) throw new Error(`moto refused the Cost Explorer results: ${response.status}`);
  const daily = day.reduce((sum, d) => sum + d.usd, 0);
  const monthEnd = Date.UTC(Number(end.slice(0, 4)), Number(end.slice(5, 7)), 1);
  const daysLeft = Math.round((monthEnd - Date.parse(`${end}T00:00:00Z`)) / 86_400_000);
  emulator.answer('GetCostForecast', () => ({
    Total: { Amount: (daily * daysLeft).toFixed(10), Unit: 'USD' },
    ForecastResultsByTime: [],
  }));
}
