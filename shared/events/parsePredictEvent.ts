import { z } from 'zod';
import { MalformedEventError } from '../errors';
import type { PredictRequest } from '../usecases/predictTargets';
import { targetNames } from './parseScalingEvent';

/** An on-demand invocation: `{}` (every predictive target) or `{"targets": ["api"]}`. */
const onDemand = z.strictObject({ targets: targetNames().optional() });

/** The hourly EventBridge schedule. */
const scheduleEvent = z.object({
  source: z.literal('aws.events'),
  'detail-type': z.literal('Scheduled Event'),
});

/**
 * Which targets an event asks the predict function for; anything else is a MalformedEventError saying what was
 * expected. `null` and any other non-object is refused, not taken as `{}`: an invocation with no payload
 * already reaches the handler as `{}` (Lambda's, and `sls invoke` without `-d`), so only a caller that sent
 * something else sends `null`, and a run over every target is not what it asked for.
 */
export function parsePredictEvent(event: unknown): PredictRequest {
  if (scheduleEvent.safeParse(event).success) return {};
  const input = onDemand.safeParse(event);
  if (input.success) return input.data.targets ? { targets: input.data.targets } : {};
  const issues = input.error.issues.map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`).join('; ');
  throw new MalformedEventError(
    `predict event is neither {} / {"targets": ["name", ...]} nor an EventBridge scheduled event: ${issues}`,
  );
}
