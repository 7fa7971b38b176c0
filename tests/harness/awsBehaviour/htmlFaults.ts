import type { EmulatorAnswer } from '../../../bin/lib/emulator';
import { FaultsForAMinute } from './faultsForAMinute';
import type { Behaviour, LayerContext } from './layerContext';
import { type AwsCall, htmlPage } from './protocol';

/**
 * Front ends that answer a 5xx with an HTML page instead of an AWS error (a load balancer, an overloaded
 * emulator): the next N calls of an action (or of any action) get one. The SDK cannot parse the body; only
 * the status says the failure is transient.
 */
export class HtmlFaults implements Behaviour {
  private readonly pending = new Map<string, { calls: number; status: number }>();
  /** By action (`*`: any), the status each answers. */
  private readonly minutes: FaultsForAMinute<number>;

  constructor(private readonly context: LayerContext) {
    this.minutes = new FaultsForAMinute(() => context.now());
  }

  /** The next `calls` calls of `action` (`*`: any) are answered `status` with an HTML page. */
  inject(action: string, calls: number, status = 500): void {
    this.pending.set(action, { calls, status });
  }

  /**
   * Through the virtual minute of the next call of `action` (`*`: any), every call of it gets the page on
   * its first `attempts` attempts: the soak's faults, the same whichever parallel call reaches the layer first.
   */
  injectForAMinute(action: string, attempts: number, status = 500): void {
    this.minutes.arm(action, attempts, status);
  }

  async handle(call: AwsCall, next: () => Promise<EmulatorAnswer>): Promise<EmulatorAnswer> {
    for (const key of [call.action, '*']) {
      const struck = this.minutes.strikes(key, call);
      if (struck) {
        this.context.counts.count('html5xx');
        return htmlPage(struck.detail);
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
