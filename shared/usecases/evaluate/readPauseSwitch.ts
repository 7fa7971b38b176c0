import { describeError } from './describeError';
import type { EvaluateDeps } from './types';

/**
 * The kill switch, read once per run. A switch that cannot be read is logged and counted, and scaling
 * goes on: an SSM outage must not freeze every fleet at its current size during a spike.
 */
export async function readPauseSwitch(deps: EvaluateDeps, now: Date): Promise<boolean> {
  if (!deps.pause) return false;
  try {
    return await deps.pause.isPaused(now);
  } catch (error) {
    deps.log.error('kill switch unreadable: not paused', { error: describeError(error) });
    deps.decisionMetrics?.failed('pause-switch');
    return false;
  }
}
