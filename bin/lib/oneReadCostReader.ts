import type { DailyCost } from '../../shared/cost/types';
import type { CostReader } from '../../shared/ports';

/** Reads Cost Explorer once for a whole range and answers every narrower read from it. */
export class OneReadCostReader implements CostReader {
  private days: DailyCost[] = [];
  private readonly forecasts = new Map<string, Promise<number>>();
  constructor(private readonly inner: CostReader) {}
  async prefetch(start: string, end: string) {
    this.days = await this.inner.dailyCosts(start, end);
  }
  async dailyCosts(start: string, end: string) {
    return this.days.filter((d) => d.date >= start && d.date < end);
  }
  forecast(start: string, end: string) {
    const key = `${start}/${end}`;
    if (!this.forecasts.has(key)) this.forecasts.set(key, this.inner.forecast(start, end));
    return this.forecasts.get(key) as Promise<number>;
  }
}
