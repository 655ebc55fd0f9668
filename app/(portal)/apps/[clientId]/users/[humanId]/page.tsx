import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { cache } from 'react';
import { ConnectModal } from '@/components/connect-modal/connect-modal';
import { ConnectionCards } from '@/components/sources/connection-cards';
import { toConnectionCard } from '@/components/sources/connection-card-view';
import { LocalTime } from '@/components/ui/local-time';
import type { AccountCaller } from '@/lib/auth/caller';
import { getApp } from '@/lib/apps/apps';
import { requireAccount } from '@/lib/auth/session';
import { DomainError } from '@/lib/errors';
import { listConnectionSummaries } from '@/lib/sources/connections';
import { getUser } from '@/lib/users/users';
import { deleteUserFromPage, disconnectSourceFromPage, openConnectForUser, syncSourceNow } from './actions';
import { DeleteUserButton } from './delete-user-button';

type Params = { params: Promise<{ clientId: string; humanId: string }> };

/** An app or user that is missing or not the caller's is "not found", never an error page. */
async function orNotFound<T>(promise: Promise<T>): Promise<T> {
  try {
    return await promise;
  } catch (error) {
    if (error instanceof DomainError && error.kind === 'not_found') notFound();
    throw error;
  }
}

// Read once per request, for the title and the page.
const loadUser = cache((caller: AccountCaller, clientId: string, humanId: string) => orNotFound(getUser(caller, clientId, humanId)));

export async function generateMetadata({ params }: Params): Promise<Metadata> {
  const { clientId, humanId } = await params;
  const user = await loadUser(await requireAccount(), clientId, humanId);
  return { title: `User ${user.externalId}` };
}

export default async function UserPage({ params }: Params) {
  const { clientId, humanId } = await params;
  const caller = await requireAccount();
  const [app, user, connections] = await Promise.all([
    orNotFound(getApp(caller, clientId)),
    loadUser(caller, clientId, humanId),
    orNotFound(listConnectionSummaries(caller, clientId, humanId)),
  ]);
  const usersHref = `/apps/${clientId}/users`;

  return (
    <main className="space-y-8">
      <div className="space-y-4">
        <nav aria-label="Within this app" className="text-sm text-zinc-600 dark:text-zinc-400">
          <ol className="flex flex-wrap items-center gap-1.5">
            <li><Link href={usersHref} className="hover:underline">Users</Link></li>
            <li aria-hidden>/</li>
            <li aria-current="page" className="truncate font-mono text-zinc-900 dark:text-zinc-100">{user.externalId}</li>
          </ol>
        </nav>
        <div className="flex flex-wrap items-start justify-between gap-4">
          <div className="min-w-0">
            <h2 className="truncate text-2xl font-semibold tracking-tight">{user.name ?? user.externalId}</h2>
            <p className="mt-1 font-mono text-xs break-all text-zinc-500 dark:text-zinc-400">{user.humanId}</p>
          </div>
          <div className="flex flex-wrap gap-2">
            <ConnectModal clientId={clientId} humanId={user.humanId} externalId={user.externalId} openSession={openConnectForUser} />
            <DeleteUserButton clientId={clientId} humanId={user.humanId} externalId={user.externalId} deleteUser={deleteUserFromPage} />
          </div>
        </div>
      </div>

      <section aria-labelledby="identity-heading" className="rounded-lg border border-zinc-200 bg-white p-5 dark:border-zinc-800 dark:bg-zinc-900">
        <h2 id="identity-heading" className="text-base font-semibold">Identity</h2>
        <dl className="mt-4 grid gap-x-8 gap-y-4 text-sm sm:grid-cols-2 lg:grid-cols-4">
          <Field label="humanId"><span className="font-mono break-all">{user.humanId}</span></Field>
          <Field label="externalId"><span className="font-mono break-all">{user.externalId}</span></Field>
          <Field label="Email">{user.email ?? <Missing />}</Field>
          <Field label="Name">{user.name ?? <Missing />}</Field>
          <Field label="Identity provider">
            {user.identityProvider ? (
              <span>
                {user.identityProvider.name}
                {user.identityProvider.url ? (
                  <span className="block truncate text-xs text-zinc-500 dark:text-zinc-400">{user.identityProvider.url}</span>
                ) : null}
              </span>
            ) : (
              <Missing />
            )}
          </Field>
          <Field label="Last login"><LocalTime value={user.lastLoginAt} /></Field>
          <Field label="Last active"><LocalTime value={user.lastActiveAt} /></Field>
          <Field label="Created"><LocalTime value={user.createdAt} /></Field>
        </dl>
      </section>

      <section aria-labelledby="sources-heading" className="space-y-4">
        <h2 id="sources-heading" className="text-lg font-semibold">Connected sources</h2>
        <ConnectionCards
          clientId={clientId}
          humanId={user.humanId}
          initialConnections={connections.map(toConnectionCard)}
          syncNow={syncSourceNow}
          disconnect={disconnectSourceFromPage}
        />
      </section>
    </main>
  );
}

function Field({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="min-w-0">
      <dt className="text-zinc-500 dark:text-zinc-400">{label}</dt>
      <dd className="mt-0.5 text-zinc-900 dark:text-zinc-100">{children}</dd>
    </div>
  );
}

function Missing() {
  return <span className="text-zinc-500 dark:text-zinc-400">Not given</span>;
}
