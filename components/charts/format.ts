// How the source page writes times and values: in the viewer's own locale and time zone.
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export const formatNumber = (value: number, digits = 1) =>
  value.toLocaleString(undefined, { maximumFractionDigits: Math.abs(value) >= 100 ? 0 : digits });

/** A moment, precise to the minute. */
export const formatTime = (ms: number) =>
  new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** An axis tick: hours within a short range, days beyond. */
export function formatTick(ms: number, spanMs: number): string {
  const date = new Date(ms);
  if (spanMs <= 2 * DAY) return date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  if (spanMs <= 120 * DAY) return date.toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
  return date.toLocaleDateString(undefined, { month: 'short', year: '2-digit' });
}

/** A local day written YYYY-MM-DD (the readings' own day), as a date. */
export const formatDay = (day: string, style: 'short' | 'long' = 'short') =>
  new Date(`${day}T00:00:00Z`).toLocaleDateString(undefined, style === 'short'
    ? { month: 'short', day: 'numeric', timeZone: 'UTC' }
    : { weekday: 'short', year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' });

/** A point's interval: "Mar 1, 2025, 10:00 – 11:00" or a single time for a raw minute. */
export function formatInterval(start: number, seconds: number): string {
  if (seconds <= 60) return formatTime(start);
  const end = start + seconds * 1000;
  const sameDay = new Date(start).toDateString() === new Date(end).toDateString();
  return `${formatTime(start)} – ${sameDay ? new Date(end).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' }) : formatTime(end)}`;
}

export const formatMinutes = (minutes: number) => {
  const h = Math.floor(minutes / 60);
  const m = Math.round(minutes % 60);
  return h ? `${h} h ${m} min` : `${m} min`;
};

/**
 * Axis ticks on round local times inside [from, to]: every few hours within two days, local
 * midnights within two weeks, Mondays within four months, first days of months beyond.
 */
export function timeTicks(from: number, to: number): number[] {
  const span = to - from;
  const ticks: number[] = [];
  const start = new Date(from);
  if (span <= 2 * DAY) {
    const step = span <= DAY ? 3 : 6;
    start.setMinutes(0, 0, 0);
    start.setHours(Math.ceil(start.getHours() / step) * step);
    for (const t = start; t.getTime() <= to; t.setHours(t.getHours() + step)) if (t.getTime() >= from) ticks.push(t.getTime());
    return ticks;
  }
  start.setHours(0, 0, 0, 0);
  if (span <= 14 * DAY) {
    for (const t = start; t.getTime() <= to; t.setDate(t.getDate() + 1)) if (t.getTime() >= from) ticks.push(t.getTime());
  } else if (span <= 120 * DAY) {
    start.setDate(start.getDate() + ((8 - start.getDay()) % 7));
    for (const t = start; t.getTime() <= to; t.setDate(t.getDate() + 7)) if (t.getTime() >= from) ticks.push(t.getTime());
  } else {
    start.setDate(1);
    const months = span > 3 * 366 * DAY ? 6 : span > 400 * DAY ? 3 : 1;
    for (const t = start; t.getTime() <= to; t.setMonth(t.getMonth() + months)) if (t.getTime() >= from) ticks.push(t.getTime());
  }
  return ticks;
}
