import type { CardRestrictions } from '@amplifi/backoffice';

/** The controls of a new card: nothing restricted, judged in UTC until the holder picks a time zone. */
export const noRestrictions: CardRestrictions = { dayOfWeek: {}, timesOfDay: {}, allowedMCCs: null, restrictedMCCs: null, timeZone: 'UTC' };

const weekdays = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const formatters = new Map<string, Intl.DateTimeFormat>();

/** The day of the week (0 = Sunday) and the minute of the day of an instant, on the wall clock of `timeZone`. */
export function wallClock(at: Date, timeZone: string): { day: number; minute: number } {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: 'numeric', minute: 'numeric', hourCycle: 'h23' });
    formatters.set(timeZone, formatter);
  }
  const parts = new Map(formatter.formatToParts(at).map((part) => [part.type, part.value]));
  return { day: weekdays.indexOf(parts.get('weekday') ?? ''), minute: Number(parts.get('hour')) * 60 + Number(parts.get('minute')) };
}

/** `am9` → 540: 12-hour clock hours, `am12` midnight and `pm12` noon. */
function minuteOf(half: string, hour: string): number {
  return ((Number(hour) % 12) + (half === 'pm' ? 12 : 0)) * 60;
}

/**
 * Whether a minute of the day falls in a range such as `am9pm5` (09:00 inclusive to 17:00 exclusive). A range
 * whose end is before its start wraps past midnight (`pm10am6`); one whose ends are equal is the whole day.
 */
export function inTimeRange(range: string, minute: number): boolean {
  const match = /^(am|pm)(\d{1,2})(am|pm)(\d{1,2})$/.exec(range);
  if (!match) return false;
  const start = minuteOf(match[1]!, match[2]!);
  const end = minuteOf(match[3]!, match[4]!);
  if (start === end) return true;
  return start < end ? minute >= start && minute < end : minute >= start || minute < end;
}

/** A range set to false forbids its minutes; once any range is set to true, only the true ranges are allowed. */
function timeAllowed(timesOfDay: Record<string, boolean>, minute: number): boolean {
  const entries = Object.entries(timesOfDay);
  if (entries.some(([range, allowed]) => !allowed && inTimeRange(range, minute))) return false;
  const allowList = entries.filter(([, allowed]) => allowed);
  return allowList.length === 0 || allowList.some(([range]) => inTimeRange(range, minute));
}

function mccAllowed(controls: CardRestrictions, mcc: string): boolean {
  if (controls.allowedMCCs) return controls.allowedMCCs[mcc] === true;
  if (controls.restrictedMCCs) return !(mcc in controls.restrictedMCCs);
  return true;
}

export type ControlDecline = 'DAY_NOT_ALLOWED' | 'TIME_NOT_ALLOWED' | 'MCC_NOT_ALLOWED';

/** Which of the card's usage controls (if any) declines a purchase at `mcc` at the instant `at`. */
export function controlDecline(controls: CardRestrictions, mcc: string, at: Date): ControlDecline | undefined {
  const { day, minute } = wallClock(at, controls.timeZone);
  if (controls.dayOfWeek[String(day) as keyof CardRestrictions['dayOfWeek']] === false) return 'DAY_NOT_ALLOWED';
  if (!timeAllowed(controls.timesOfDay, minute)) return 'TIME_NOT_ALLOWED';
  if (!mccAllowed(controls, mcc)) return 'MCC_NOT_ALLOWED';
  return undefined;
}
