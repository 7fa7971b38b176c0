// Wording shared by the plan decisions' messages.

/** `read replica` → `read replicas` unless one. */
export function plural(unit: string, count: number): string {
  return count === 1 ? unit : `${unit}s`;
}

/** Made once: `toLocaleString` builds a formatter on every call, and a plan backtest words every minute's plan. */
const DEMAND_FORMAT = new Intl.NumberFormat('en', { maximumFractionDigits: 2 });

/** A demand figure for messages: at most 4 significant digits, no exponent below a million. */
export function formatDemand(value: number): string {
  return DEMAND_FORMAT.format(Number(value.toPrecision(4)));
}
