import { ChevronLeft, ChevronRight } from 'lucide-react';
import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { PageSizeSelect } from '@/components/users/page-size-select';
import { loadUsersSearchParams, serializeUsersSearchParams } from '@/components/users/search-params';
import type { UserRow } from '@/components/users/types';
import { UsersSearch } from '@/components/users/users-search';
import { SEARCH_INPUT_ID, UsersTable } from '@/components/users/users-table';
import { getApp } from '@/lib/apps/apps';
import { requireAccount } from '@/lib/auth/session';
import { DomainError } from '@/lib/errors';
import { listDirectory, type DirectoryPage, type DirectoryUser } from '@/lib/users/directory';
import { deleteUserFromTable, revealUserTokens } from './actions';

export const metadata: Metadata = { title: 'Users' };

// Times as the server prints them, so the first render and hydration agree whatever the browser's zone.
const timeFormat = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });
const label = (date: Date) => `${timeFormat.format(date)} UTC`;

function toRow(user: DirectoryUser): UserRow {
  return {
    humanId: user.humanId,
    externalId: user.externalId,
    email: user.email,
    createdAt: user.createdAt.toISOString(),
    createdLabel: label(user.createdAt),
    lastActiveAt: user.lastActiveAt?.toISOString() ?? null,
    lastActiveLabel: user.lastActiveAt ? label(user.lastActiveAt) : null,
    accessTokenLast4: user.accessTokenLast4,
    publicTokenLast4: user.publicTokenLast4,
  };
}

const pagerLink =
  'inline-flex h-8 items-center gap-1 rounded-md border border-zinc-300 bg-white px-2.5 text-sm font-medium text-zinc-800 shadow-sm hover:bg-zinc-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100 dark:hover:bg-zinc-800';
const pagerDisabled =
  'inline-flex h-8 items-center gap-1 rounded-md border border-zinc-200 px-2.5 text-sm font-medium text-zinc-500 dark:border-zinc-800 dark:text-zinc-400';

export default async function UsersPage({
  params,
  searchParams,
}: {
  params: Promise<{ clientId: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { clientId } = await params;
  const caller = await requireAccount();
  const query = loadUsersSearchParams(await searchParams);
  const base = `/apps/${clientId}/users`;

  let app;
  let page: DirectoryPage | null = null;
  let problem: string | null = null;
  try {
    [app, page] = await Promise.all([getApp(caller, clientId), listDirectory(caller, clientId, {
      search: query.q,
      sort: query.sort,
      direction: query.dir,
      pageSize: query.size,
      after: query.after ?? undefined,
      before: query.before ?? undefined,
    })]);
  } catch (error) {
    if (error instanceof DomainError && error.kind === 'not_found') notFound();
    if (!(error instanceof DomainError && error.kind === 'invalid_input')) throw error;
    problem = error.message;
  }

  const users = page?.users.map(toRow) ?? [];
  const isSearch = query.q.trim() !== '';
  const emptyMessage = page?.isPartial ? (
    <>No matches in this stretch of users yet. Use Next to keep searching.</>
  ) : isSearch ? (
    <>
      No users match <span className="font-medium text-zinc-900 dark:text-zinc-100">“{query.q.trim()}”</span>.{' '}
      <Link href={base} className="text-brand-700 underline dark:text-brand-100">Show all users</Link>
    </>
  ) : query.after || query.before ? (
    <>
      No more users. <Link href={serializeUsersSearchParams(base, { ...query, after: null, before: null })} className="text-brand-700 underline dark:text-brand-100">Back to the first page</Link>
    </>
  ) : (
    <>
      No users yet. Your backend creates them with <code className="font-mono text-xs">POST /v1/apps/{clientId}/users</code> (see the{' '}
      <Link href="/docs/api" className="text-brand-700 underline dark:text-brand-100">API reference</Link>).
    </>
  );
  const previous = page?.previousCursor ? serializeUsersSearchParams(base, { ...query, after: null, before: page.previousCursor }) : null;
  const next = page?.nextCursor ? serializeUsersSearchParams(base, { ...query, after: page.nextCursor, before: null }) : null;

  return (
    <main>
      <div className="flex flex-col gap-3 sm:flex-row sm:items-center sm:justify-between">
        <h2 className="text-2xl font-semibold tracking-tight">Users</h2>
        <UsersSearch inputId={SEARCH_INPUT_ID} />
      </div>
      {problem ? (
        <p role="alert" className="mt-4 rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100">
          {problem} <Link href={base} className="underline">Show all users</Link>
        </p>
      ) : null}
      <div className="mt-4">
        <UsersTable clientId={clientId} users={users} emptyMessage={emptyMessage} revealTokens={revealUserTokens} deleteUser={deleteUserFromTable} />
      </div>
      {page?.isPartial && users.length > 0 ? (
        <p role="status" className="mt-3 text-sm text-zinc-600 dark:text-zinc-400">
          This search reads a stretch of users at a time; more matches may follow on the next page.
        </p>
      ) : null}
      <div className="mt-3 flex flex-wrap items-center justify-between gap-3">
        <PageSizeSelect />
        <nav aria-label="Pages" className="flex items-center gap-2">
          {previous ? (
            <Link href={previous} className={pagerLink}><ChevronLeft aria-hidden="true" className="size-4" />Previous</Link>
          ) : (
            <span aria-disabled="true" className={pagerDisabled}><ChevronLeft aria-hidden="true" className="size-4" />Previous</span>
          )}
          {next ? (
            <Link href={next} className={pagerLink}>Next<ChevronRight aria-hidden="true" className="size-4" /></Link>
          ) : (
            <span aria-disabled="true" className={pagerDisabled}>Next<ChevronRight aria-hidden="true" className="size-4" /></span>
          )}
        </nav>
      </div>
    </main>
  );
}
