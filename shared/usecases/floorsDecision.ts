import { floorAt } from '../decision/floors';
import type { Decision, FloorSchedule, ReasonCode } from '../decision/types';
import type { Target } from '../policy/schema';

/** The floor a run's floors hold now and the highest they reach: what its decision and message report. */
export function floorSpan(floors: FloorSchedule | undefined, now: Date): { now: number; peak: number } {
  return { now: floorAt(floors, now)?.units ?? 0, peak: Math.max(0, ...(floors?.units ?? [])) };
}

/**
 * A predict run's decision for one target (its own floors or a plan's): it changes no capacity itself
 * (`direction: none`), its current and desired the floor now, its recommendation the floors' peak.
 */
export function floorsDecision(
  target: Target,
  span: { now: number; peak: number },
  reason: ReasonCode,
  message: string,
): Decision {
  return {
    target: target.name,
    kind: target.kind,
    current: span.now,
    desired: span.now,
    recommendation: span.peak,
    direction: 'none',
    reason,
    message,
    metrics: {},
  };
}
