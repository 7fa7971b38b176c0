/**
 * Whether a date and time as written (month 1-12) name a moment of the calendar: `Date.UTC` and `Date.parse` roll
 * a day past its month's end over (`2026-02-30` is March 2) and V8 takes hour 24; a time an AWS service stamped is
 * never such a one, so one that is was not stamped by it.
 */
export function isCalendarTime(
  year: number,
  month: number,
  day: number,
  hour = 0,
  minute = 0,
  second = 0,
): boolean {
  if (hour > 23 || minute > 59 || second > 59) return false;
  const date = new Date(Date.UTC(year, month - 1, day));
  // setUTCFullYear: Date.UTC reads years 0-99 as 1900-1999.
  date.setUTCFullYear(year);
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}
