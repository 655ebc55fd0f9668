'use client';
// New users per day (last 30 days) as small bars, with a tooltip per day (arrow keys move it once the
// chart has focus: Recharts' accessibility layer). The numbers are also in a visually hidden table.
// Recharts (about 90 kB gzip) loads after the page, into a box of the same height, so the app home's
// first load stays light and nothing moves when it arrives.
import dynamic from 'next/dynamic';
import type { NewUsersDay } from '@/lib/apps/overview';
import { dayLabel as label } from './new-users-day';

const NewUsersBars = dynamic(() => import('./new-users-bars'), {
  ssr: false,
  loading: () => <div className="h-full w-full animate-pulse rounded-md bg-zinc-100 dark:bg-zinc-800" aria-hidden />,
});

export function NewUsersChart({ days, isEstimate }: { days: NewUsersDay[]; isEstimate: boolean }) {
  const total = days.reduce((sum, d) => sum + d.count, 0);
  return (
    <figure>
      <div className="h-48 w-full text-zinc-500 dark:text-zinc-400">
        <NewUsersBars days={days} isEstimate={isEstimate} />
      </div>
      <figcaption className="mt-2 text-xs text-zinc-500 dark:text-zinc-400">
        {isEstimate ? '≈ ' : ''}{total.toLocaleString('en')} new users in the last 30 days (UTC days)
        {isEstimate ? '; busy days are estimated from a sample.' : '.'}
      </figcaption>
      <table className="sr-only">
        <caption>New users per day</caption>
        <thead><tr><th scope="col">Day</th><th scope="col">New users</th></tr></thead>
        <tbody>
          {days.filter((d) => d.count > 0).map((d) => (
            <tr key={d.day}><td>{label(d.day)}</td><td>{d.count}</td></tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
