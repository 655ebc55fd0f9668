import type { Metadata } from 'next';
import { AuditEvents } from '@/components/apps/audit-events';
import { formatCount } from '@/components/apps/format';
import { NewUsersChart } from '@/components/apps/new-users-chart';
import { EXACT_COUNT_CAP, getAppOverview, type Count } from '@/lib/apps/overview';
import { listRecentAuditEvents } from '@/lib/audit/events';
import { appOfPage } from './app-of-page';

export const metadata: Metadata = { title: 'Overview' };

export default async function AppHomePage({ params }: { params: Promise<{ clientId: string }> }) {
  const { caller, app } = await appOfPage((await params).clientId);
  const overview = await getAppOverview(caller, app.clientId);
  const events = await listRecentAuditEvents(caller, app.clientId, 10);
  const hasEstimate = overview.users.isEstimate || overview.connectedSources.isEstimate || overview.readingsLast24h.isEstimate;
  return (
    <main aria-labelledby="overview-heading">
      <h2 id="overview-heading" className="sr-only">Overview</h2>
      <dl className="grid gap-4 sm:grid-cols-3">
        <Figure label="Users" count={overview.users} />
        <Figure label="Connected sources" count={overview.connectedSources} />
        <Figure label="Readings in the last 24 h" count={overview.readingsLast24h} />
      </dl>
      {hasEstimate ? (
        <p className="mt-2 text-xs text-zinc-500 dark:text-zinc-400">≈ marks an estimate: above {EXACT_COUNT_CAP.toLocaleString('en')} Wearhouse samples instead of counting every row.</p>
      ) : null}
      <div className="mt-6 grid gap-6 lg:grid-cols-5">
        <section aria-labelledby="new-users-heading" className="rounded-lg border border-zinc-200 bg-white p-4 lg:col-span-3 dark:border-zinc-800 dark:bg-zinc-900">
          <h3 id="new-users-heading" className="text-sm font-semibold">New users per day</h3>
          <div className="mt-3">
            <NewUsersChart days={overview.newUsersByDay} isEstimate={overview.newUsersIsEstimate} />
          </div>
        </section>
        <section aria-labelledby="activity-heading" className="rounded-lg border border-zinc-200 bg-white p-4 lg:col-span-2 dark:border-zinc-800 dark:bg-zinc-900">
          <h3 id="activity-heading" className="text-sm font-semibold">Recent activity</h3>
          <div className="mt-1">
            <AuditEvents events={events} />
          </div>
        </section>
      </div>
    </main>
  );
}

function Figure({ label, count }: { label: string; count: Count }) {
  return (
    <div className="rounded-lg border border-zinc-200 bg-white p-4 dark:border-zinc-800 dark:bg-zinc-900">
      <dt className="text-sm text-zinc-600 dark:text-zinc-400">{label}</dt>
      <dd className="mt-1 text-3xl font-semibold tracking-tight tabular-nums">
        {formatCount(count)}
        {count.isEstimate ? <span className="sr-only"> (estimate)</span> : null}
      </dd>
    </div>
  );
}
