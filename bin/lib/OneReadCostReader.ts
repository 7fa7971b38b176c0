import type { DailyCost } from '../../shared/cost/types';
import type { CostReader } from '../../shared/ports';
import { onceEach } from './onceEach';

/** Reads Cost Explorer once for a whole range and answers every narrower read from it. */
export class OneReadCostReader implements CostReader {
  private days: DailyCost[] = [];
  // One forecast read for each range, however many checks ask for it.
  private readonly forecastOnce = onceEach(
    (start: string, end: string) => `${start}/${end}`,
    (start: string, end: string) => this.inner.forecast(start, end),
  );
  constructor(private readonly inner: CostReader) {}
  async prefetch(start: string, end: string) {
    this.days = await this.inner.dailyCosts(start, end);
  }
  async dailyCosts(start: string, end: string) {
    return this.days.filter((d) => d.date >= start && d.date < end);
  }
  forecast(start: string, end: string) {
    return this.forecastOnce(start, end);
  }
}
