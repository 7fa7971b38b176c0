import type { EmulatorAnswer } from '../../../bin/lib/emulator';
import type { BehaviourName } from './behaviourCounts';
import { FaultsForAMinute } from './faultsForAMinute';
import type { Behaviour, LayerContext } from './layerContext';
import { type AwsCall, jsonError, queryError } from './protocol';

/** A token bucket: `burst` requests at once, refilled at `perSecond`. */
export interface Rate {
  readonly burst: number;
  readonly perSecond: number;
}

/**
 * The documented request rates: RDS's control plane (every RDS API call of the account and Region: a
 * burst of 300, then 12 per second) and CloudWatch GetMetricData (50 transactions per second).
 */
export const documentedRates: Readonly<Record<'rds' | 'getMetricData', Rate>> = {
  rds: { burst: 300, perSecond: 12 },
  getMetricData: { burst: 50, perSecond: 50 },
};

/** Which bucket a call draws on, if any, and what a throttled one is counted as. */
function bucketOf(call: AwsCall): { bucket: string; counted: BehaviourName } | undefined {
  if (call.service === 'rds') return { bucket: 'rds', counted: 'throttling.rds' };
  if (call.service === 'monitoring' && call.action === 'GetMetricData')
    return { bucket: 'getMetricData', counted: 'throttling.getMetricData' };
  return undefined;
}

/** AWS's own refusal for a throttled call: each service's error code in its protocol. */
export function throttled(call: AwsCall): EmulatorAnswer {
  if (call.service === 'rds') return queryError('ThrottlingException', 'Rate exceeded');
  if (call.service === 'monitoring')
    return jsonError('ThrottlingException', 'Rate exceeded', 400, 'Throttling');
  if (call.service === 'dynamodb')
    return jsonError(
      'com.amazonaws.dynamodb.v20120810#ThrottlingException',
      'Rate of requests exceeds the allowed throughput.',
    );
  if (call.protocol === 'json') return jsonError('ThrottlingException', 'Rate exceeded');
  return queryError('Throttling', 'Rate exceeded');
}

/**
 * Throttling on the virtual clock: each bucket refills with virtual time, so a run of evaluations in one
 * virtual minute draws on one minute's worth of tokens; and storms (another tool of the account using up
 * the budget) throttle a service's calls for a virtual minute whatever the bucket holds.
 */
export class Throttling implements Behaviour {
  private readonly tokens = new Map<string, { tokens: number; at: number }>();
  /** By service (a signing name). */
  private readonly storms: FaultsForAMinute<undefined>;

  constructor(
    private readonly context: LayerContext,
    private readonly rates: Readonly<Record<string, Rate>> = documentedRates,
  ) {
    this.storms = new FaultsForAMinute(() => context.now());
  }

  /**
   * Through the virtual minute of the next call to `service` (a signing name: rds, monitoring,
   * elasticache …), every call to it is throttled on its first `attempts` attempts: the SDK's retries (3
   * attempts) absorb one or two, three or more fail the call. Not "the next N calls": parallel targets reach
   * the layer in any order, and which of them met the storm made a seed play differently from run to run.
   */
  storm(service: string, attempts: number): void {
    // One still waiting for its first call, or in its minute now, adds up with this one; one whose minute has
    // passed (no call met it since) is over.
    this.storms.arm(service, Math.max(this.storms.liveAttempts(service), attempts), undefined);
  }

  async handle(call: AwsCall, next: () => Promise<EmulatorAnswer>): Promise<EmulatorAnswer> {
    const bucket = bucketOf(call);
    if (this.storms.strikes(call.service, call)) {
      this.context.counts.count(bucket?.counted ?? 'throttling.other');
      return throttled(call);
    }
    if (bucket && !this.take(bucket.bucket)) {
      this.context.counts.count(bucket.counted);
      return throttled(call);
    }
    return next();
  }

  private take(name: string): boolean {
    const rate = this.rates[name];
    if (!rate) return true;
    const now = this.context.now();
    const held = this.tokens.get(name) ?? { tokens: rate.burst, at: now };
    const tokens = Math.min(rate.burst, held.tokens + ((now - held.at) / 1000) * rate.perSecond);
    if (tokens < 1) {
      this.tokens.set(name, { tokens, at: now });
      return false;
    }
    this.tokens.set(name, { tokens: tokens - 1, at: now });
    return true;
  }
}
