// A date and time as written, checked against the calendar: `Date.UTC` and `Date.parse` roll a day past its
// month's end over (`2026-02-30` is March 2), read years 0-99 as 1900-1999, and V8 takes hour 24 as the next
// day's midnight. A trace's row or an AWS service's stamp is never such a one: read as written, or refused.

/** Epoch ms of the start of a day of the calendar (month 1-12), or undefined when the calendar has no such day. */
export function calendarDayStart(year: number, month: number, day: number): number | undefined {
  const date = new Date(Date.UTC(year, month - 1, day));
  const real =
    date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  return real ? date.getTime() : undefined;
}

/** Whether hours, minutes and seconds as written are a time of day. */
export function isTimeOfDay(hour: number, minute: number, second: number): boolean {
  return hour <= 23 && minute <= 59 && second <= 59;
}
