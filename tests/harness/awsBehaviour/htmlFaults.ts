import type { EmulatorAnswer } from '../../../bin/lib/emulator';
import { type Behaviour, type LayerContext, MINUTE } from './layerContext';
import { type AwsCall, attemptOf, htmlPage } from './protocol';

/**
 * Front ends that answer a 5xx with an HTML page instead of an AWS error (a load balancer, an overloaded
 * emulator): the next N calls of an action (or of any action) get one. The SDK cannot parse the body; only
 * the status says the failure is transient.
 */
export class HtmlFaults implements Behaviour {
  private readonly pending = new Map<string, { calls: number; status: number }>();
  private readonly minutes = new Map<string, { attempts: number; status: number; minute?: number }>();

  constructor(private readonly context: LayerContext) {}

  /** The next `calls` calls of `action` (`*`: any) are answered `status` with an HTML page. */
  inject(action: string, calls: number, status = 500): void {
    this.pending.set(action, { calls, status });
  }

  /**
   * Through the virtual minute of the next call of `action` (`*`: any), every call of it gets the page on
   * its first `attempts` attempts: the soak's faults, the same whichever parallel call reaches the layer first.
   */
  injectForAMinute(action: string, attempts: number, status = 500): void {
    this.minutes.set(action, { attempts, status });
  }

  async handle(call: AwsCall, next: () => Promise<EmulatorAnswer>): Promise<EmulatorAnswer> {
    const minute = Math.floor(this.context.now() / MINUTE);
    for (const key of [call.action, '*']) {
      const fault = this.minutes.get(key);
      if (!fault) continue;
      fault.minute ??= minute;
      if (fault.minute !== minute) this.minutes.delete(key);
      else if (attemptOf(call) <= fault.attempts) {
        this.context.counts.count('html5xx');
        return htmlPage(fault.status);
      }
    }
    for (const key of [call.action, '*']) {
      const fault = this.pending.get(key);
      if (fault && fault.calls > 0) {
        fault.calls -= 1;
        this.context.counts.count('html5xx');
        return htmlPage(fault.status);
      }
    }
    return next();
  }
}
