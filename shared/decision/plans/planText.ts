// Wording shared by the plan decisions' messages.

/** `read replica` → `read replicas` unless one. */
export function plural(unit: string, count: number): string {
  return count === 1 ? unit : `${unit}s`;
}

/** A demand figure for messages: at most 4 significant digits, no exponent below a million. */
export function formatDemand(value: number): string {
  return Number(value.toPrecision(4)).toLocaleString('en', { maximumFractionDigits: 2 });
}
