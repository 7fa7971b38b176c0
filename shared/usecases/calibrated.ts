import {
  type ActualLoad,
  type CalibrationPoint,
  calibrate,
  HEADROOM_WINDOW_MINUTES,
} from '../decision/floorSizing';
import type { ForecastTrack } from '../decision/forecastTrust';

const MINUTE = 60_000;

/**
 * Each rule's calibration after this run: the previous run's forecast (the one in force since) scored against
 * the load that has happened, added to what the track kept (floorSizing.ts).
 */
export function calibrated(
  track: ForecastTrack | undefined,
  recent: Readonly<Record<string, ActualLoad>>,
  now: Date,
): Record<string, readonly CalibrationPoint[]> {
  // Every rule's record older than the window goes, scored this run or not (a rule removed, a run that declined).
  const from = now.getTime() - HEADROOM_WINDOW_MINUTES * MINUTE;
  const calibration: Record<string, readonly CalibrationPoint[]> = Object.fromEntries(
    Object.entries(track?.calibration ?? {})
      .map(([rule, points]) => [rule, points.filter((p) => p.time >= from)] as const)
      .filter(([, points]) => points.length > 0),
  );
  for (const f of track?.forecasts ?? []) {
    const actual = recent[f.rule];
    if (actual)
      calibration[f.rule] = calibrate(calibration[f.rule] ?? [], f, actual, f.start - 1, now.getTime());
  }
  return calibration;
}
