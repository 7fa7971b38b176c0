import type { EmulatorAnswer } from '../../../bin/lib/emulator';
import type { Clock } from '../../../shared/ports';
import type { BehaviourCounts } from './behaviourCounts';
import type { AwsCall } from './protocol';
import type { KeyedRandom } from './random';

/** A call Scalepilot (or whoever used the layer's endpoint) made that changes the account, and its outcome. */
export interface MutationRecord {
  /** Virtual time, ms. */
  readonly at: number;
  readonly service: string;
  readonly action: string;
  /** The resource it names: instance id, replication group id, group name, topic. */
  readonly resource: string;
  /** The parameters the invariants read (a replica's source, the shard count asked for …). */
  readonly detail: Readonly<Record<string, string>>;
  /** `ok`: AWS accepted it; `refused`: AWS answered an error (a 4xx); `fault`: throttled or an HTML 5xx. */
  readonly outcome: 'ok' | 'refused' | 'fault';
  readonly error?: string;
}

/** A notice published to an SNS topic, as the layer saw it go by. */
export interface NoticeRecord {
  readonly at: number;
  readonly target: string;
  readonly reason: string;
  readonly subject: string;
}

/** What every behaviour module shares: the virtual clock, the seeded randomness, the counts, the logs. */
export interface LayerContext {
  readonly clock: Clock;
  readonly random: KeyedRandom;
  readonly counts: BehaviourCounts;
  readonly mutations: MutationRecord[];
  readonly notices: NoticeRecord[];
  /** Virtual now, ms. */
  now(): number;
}

/**
 * One behaviour of the layer: it answers a call itself, or passes it on (`next`: the behaviours after it,
 * then moto) and may change the answer. `settle` applies to moto what has come due by `now` (a replica
 * whose `deleting` ended is deleted there).
 */
export interface Behaviour {
  handle(call: AwsCall, next: (body?: Buffer) => Promise<EmulatorAnswer>): Promise<EmulatorAnswer>;
  settle?(now: number): Promise<void>;
}

export const MINUTE = 60_000;
