'use client';
// A moment in the reader's own time zone. The server cannot know that zone, so the first render
// (server and hydration) says UTC explicitly, and the browser then switches to local time: no
// hydration mismatch, and never a time shown in an unnamed zone.
import { useSyncExternalStore } from 'react';

const utcFormat = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });
const subscribe = () => () => {};

export function LocalTime({ value, fallback = 'Never' }: { value: string | Date | null; fallback?: string }) {
  const isClient = useSyncExternalStore(subscribe, () => true, () => false);
  if (!value) return <span className="text-zinc-500 dark:text-zinc-400">{fallback}</span>;
  const date = typeof value === 'string' ? new Date(value) : value;
  const text = isClient
    ? date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })
    : `${utcFormat.format(date)} UTC`;
  return (
    <time dateTime={date.toISOString()} title={date.toISOString()} suppressHydrationWarning>
      {text}
    </time>
  );
}
