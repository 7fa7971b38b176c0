/** A figure against its reference, as a report's tables print it: 3 decimals, `–` without one, `∞` over nothing. */
export function ratioText(value: number, reference: number | undefined): string {
  if (reference === undefined) return '–';
  if (reference === 0) return value === 0 ? '1.000' : '∞';
  return (value / reference).toFixed(3);
}
