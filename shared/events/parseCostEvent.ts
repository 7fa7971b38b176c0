import { z } from 'zod';
import { MalformedEventError } from '../errors';

/** The input the stack's schedules give the cost function: which check to run. */
const checkInput = z.strictObject({ check: z.enum(['daily', 'forecast']) });

/** A bare EventBridge scheduled event (a rule without input): the daily check. */
const scheduleEvent = z.object({
  source: z.literal('aws.events'),
  'detail-type': z.literal('Scheduled Event'),
});

/** Which cost check an event asks for; anything else is a MalformedEventError saying what was expected. */
export function parseCostEvent(event: unknown): 'daily' | 'forecast' {
  const input = checkInput.safeParse(event);
  if (input.success) return input.data.check;
  if (scheduleEvent.safeParse(event).success) return 'daily';
  const issues = input.error.issues.map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`).join('; ');
  throw new MalformedEventError(
    `cost event is neither {"check": "daily" | "forecast"} nor an EventBridge scheduled event: ${issues}`,
  );
}
