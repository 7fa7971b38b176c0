import { NodeHttpHandler, type NodeHttpHandlerOptions } from '@smithy/node-http-handler';
import { refuseAttemptPastLease } from '../leaseFence';
import { type ApiCallBudget, serviceOf } from './ApiCallBudget';

/**
 * Every client's HTTP handler: each attempt (the SDK's retries included) first waits its turn in the run's API
 * budget, when there is one, then is refused when the lease it is made under could end before its answer
 * (shared/leaseFence.ts): checked after the wait, which can be long.
 */
export function fencedRequestHandler(
  options: NodeHttpHandlerOptions,
  budget?: ApiCallBudget,
): NodeHttpHandler {
  return new (class extends NodeHttpHandler {
    override async handle(...args: Parameters<NodeHttpHandler['handle']>) {
      if (budget) await budget.take(serviceOf(args[0].headers));
      refuseAttemptPastLease();
      return super.handle(...args);
    }
  })(options);
}
