import { ArrowLeft } from 'lucide-react';
import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { cache } from 'react';
import { SourceCharts } from '@/components/charts/source-charts';
import { requireAccount } from '@/lib/auth/session';
import { DomainError } from '@/lib/errors';
import { sourceOverview, type SourceTarget } from '@/lib/readings/series';
import { READING_TYPES } from '@/lib/readings/types';

type Params = Promise<SourceTarget>;

// One source of one user: who and what, then the charts (their data comes from the route handlers
// next to this page, read with TanStack Query as the range changes).
const overviewOf = cache(async (target: SourceTarget) => {
  const caller = await requireAccount();
  try {
    return await sourceOverview(caller, target);
  } catch (error) {
    if (error instanceof DomainError && error.kind === 'not_found') notFound();
    throw error;
  }
});

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  const { clientId, humanId, sourceId } = await params;
  const overview = await overviewOf({ clientId, humanId, sourceId });
  return { title: `${overview.source.name} · ${overview.user.externalId}` };
}

const dateTime = (date: Date) => date.toLocaleString('en', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }) + ' UTC';

export default async function SourcePage({ params }: { params: Params }) {
  const { clientId, humanId, sourceId } = await params;
  const overview = await overviewOf({ clientId, humanId, sourceId });
  const panels = overview.source.dataTypes.map((type) => ({ type, label: READING_TYPES[type].label, unit: READING_TYPES[type].unit }));
  const userPath = `/apps/${clientId}/users/${humanId}`;
  return (
    <main className="space-y-6">
      <div>
        <Link href={userPath} className="inline-flex items-center gap-1 text-sm text-brand-700 hover:underline dark:text-brand-400">
          <ArrowLeft aria-hidden className="size-4" /> Back to {overview.user.externalId}
        </Link>
        <div className="mt-2 flex flex-wrap items-baseline gap-x-3 gap-y-1">
          <h2 className="text-2xl font-semibold tracking-tight">{overview.source.name}</h2>
          <p className="text-zinc-600 dark:text-zinc-400">
            of <span className="font-medium text-zinc-900 dark:text-zinc-100">{overview.user.externalId}</span>{' '}
            <span className="font-mono text-xs">{overview.user.humanId}</span>
          </p>
        </div>
        <dl className="mt-2 flex flex-wrap gap-x-6 gap-y-1 text-sm text-zinc-600 dark:text-zinc-400">
          <div className="flex gap-1"><dt>Status:</dt><dd className="font-medium text-zinc-900 dark:text-zinc-100">{overview.status}</dd></div>
          <div className="flex gap-1"><dt>Connected since:</dt><dd>{dateTime(overview.connectedSince)}</dd></div>
          <div className="flex gap-1"><dt>Last sync:</dt><dd>{overview.lastSyncAt ? dateTime(overview.lastSyncAt) : 'not yet'}</dd></div>
          {overview.newestReadingAt ? <div className="flex gap-1"><dt>Newest reading:</dt><dd>{dateTime(overview.newestReadingAt)}</dd></div> : null}
        </dl>
      </div>
      {panels.length === 0 ? (
        <p className="text-zinc-600 dark:text-zinc-400">This source provides no data types Wearhouse charts.</p>
      ) : (
        <SourceCharts source={{ clientId, humanId, sourceId }} panels={panels} />
      )}
    </main>
  );
}
