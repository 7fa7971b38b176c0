import type { Target } from '../policy/schema';

/**
 * How long a change holds off the opposite direction: no scale-in within `stabilization.scaleInAfterScaleOutSeconds`
 * of the last scale-out (by default the scale-in window, as before the key), no scale-out within the scale-out
 * window of the last scale-in. The decision and its memo read it here.
 */
export function reverseWindowSeconds(
  stabilization: Pick<
    Target['stabilization'],
    'scaleInSeconds' | 'scaleOutSeconds' | 'scaleInAfterScaleOutSeconds'
  >,
  direction: 'out' | 'in',
): number {
  return direction === 'in'
    ? (stabilization.scaleInAfterScaleOutSeconds ?? stabilization.scaleInSeconds)
    : stabilization.scaleOutSeconds;
}
