/** The busiest day gets its own charts when the run is longer than this. */
const ZOOM_ABOVE_MINUTES = 3 * 1440;

/**
 * The 24 hours around the peak minute (within the run's n minutes) that a report draws again on their own, or
 * undefined when the run is short enough to read whole.
 */
export function peakDay(peak: number, n: number): { from: number; to: number } | undefined {
  if (n <= ZOOM_ABOVE_MINUTES) return undefined;
  const from = Math.max(0, Math.min(n - 1440, peak - 720));
  return { from, to: Math.min(n, from + 1440) };
}
