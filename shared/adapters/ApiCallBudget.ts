import type { ApiBudget, ApiUsage } from '../ports';

/** Time as the budget sees it: the wall clock in Lambda, a virtual one in benchmarks. */
export interface BudgetTime {
  nowMs(): number;
  sleep(ms: number): Promise<void>;
}

const wallTime: BudgetTime = {
  nowMs: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * A burst of ten seconds' worth of calls may go at once; past it, calls are paced at the rate. AWS's own
 * buckets allow bursts too (RDS: 300 calls, 25 s worth of its 12 per second): a short run never waits,
 * a fleet's long run keeps to the rate.
 */
export const BURST_SECONDS = 10;

/**
 * Each run's share of the account's control-plane rate (the policy's `apiBudget`), held on every HTTP
 * attempt the SDK clients make (retries included, as AWS counts them): a call that would go over its
 * service's rate waits for its turn (GCRA: a burst of `BURST_SECONDS` worth, then one call every 1/rate s,
 * so over any W seconds a run makes at most rate × (W + 10) calls).
 * Every call is counted by service (the SigV4 credential scope names it), budgeted or not, for the run's
 * report. AWS's own throttling is the SDK's adaptive retry mode's to answer.
 */
export class ApiCallBudget implements ApiBudget {
  private calls = new Map<string, number>();
  private waitedMs = 0;
  private readonly theoretical = new Map<string, number>();

  constructor(
    /** Calls per second per SigV4 service name (`autoscaling`, `rds`, `elasticache`); others unbudgeted. */
    private readonly rates: Readonly<Record<string, number>>,
    private readonly time: BudgetTime = wallTime,
  ) {}

  beginRun(): void {
    this.calls = new Map();
    this.waitedMs = 0;
  }

  usage(): ApiUsage {
    return {
      calls: Object.fromEntries(this.calls),
      waitedMs: Math.round(this.waitedMs),
      ratePerSecond: { ...this.rates },
    };
  }

  queueMs(): number {
    const now = this.time.nowMs();
    let longest = 0;
    for (const service of Object.keys(this.rates)) {
      const due = this.theoretical.get(service);
      if (due !== undefined) longest = Math.max(longest, due - BURST_SECONDS * 1000 - now);
    }
    return longest;
  }

  /** Counts a call to `service`, after waiting as long as its rate requires. */
  async take(service: string): Promise<void> {
    this.calls.set(service, (this.calls.get(service) ?? 0) + 1);
    const rate = this.rates[service];
    if (!rate) return;
    const now = this.time.nowMs();
    const due = Math.max(this.theoretical.get(service) ?? now, now);
    this.theoretical.set(service, due + 1000 / rate);
    const wait = due - BURST_SECONDS * 1000 - now;
    if (wait <= 0) return;
    this.waitedMs += wait;
    await this.time.sleep(wait);
  }
}

/** The service a signed request is for, from its SigV4 credential scope (`…/<region>/<service>/aws4_request`). */
export function serviceOf(headers: Record<string, string | undefined>): string {
  const authorization = headers.authorization ?? headers.Authorization ?? '';
  return /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(authorization)?.[1] ?? 'unknown';
}
