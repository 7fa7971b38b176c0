import { MINUTE } from './layerContext';
import { type AwsCall, attemptOf } from './protocol';

/**
 * Faults that strike, through the virtual minute of the first call that meets them, every call of their key on
 * its first `attempts` attempts (the SDK's `amz-sdk-request` header): the same whichever of several parallel
 * calls reaches the layer first. "The next N calls" went to whichever target came first, and a seed played
 * differently from run to run.
 */
export class FaultsForAMinute<T> {
  private readonly armed = new Map<string, { attempts: number; detail: T; minute?: number }>();

  constructor(private readonly now: () => number) {}

  /** Arms `key` (replacing what it held): armed between two runs, its minute is its first call's. */
  arm(key: string, attempts: number, detail: T): void {
    this.armed.set(key, { attempts, detail });
  }

  /** The attempts `key`'s fault holds while it is still to strike or strikes this minute (0: none, or over). */
  liveAttempts(key: string): number {
    const held = this.armed.get(key);
    return held && (held.minute === undefined || held.minute === this.minute()) ? held.attempts : 0;
  }

  /** The fault `call` meets under `key`, if any; one whose minute has passed is over, and forgotten. */
  strikes(key: string, call: AwsCall): { detail: T } | undefined {
    const fault = this.armed.get(key);
    if (!fault) return undefined;
    fault.minute ??= this.minute();
    if (fault.minute !== this.minute()) {
      this.armed.delete(key);
      return undefined;
    }
    return attemptOf(call) <= fault.attempts ? { detail: fault.detail } : undefined;
  }

  private minute(): number {
    return Math.floor(this.now() / MINUTE);
  }
}
