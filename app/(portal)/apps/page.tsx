import type { Metadata } from 'next';
import Link from 'next/link';
import { CreateAppDialog } from '@/components/apps/create-app-dialog';
import { formatCount, formatDate } from '@/components/apps/format';
import { listApps } from '@/lib/apps/apps';
import { countUsersOfApps } from '@/lib/apps/overview';
import { requireAccount } from '@/lib/auth/session';
import { createAppAction } from './actions';

export const metadata: Metadata = { title: 'Apps' };

export default async function AppsPage() {
  const caller = await requireAccount();
  const apps = await listApps(caller);
  const userCounts = await countUsersOfApps(caller, apps.map((app) => app.clientId));
  return (
    <main>
      <div className="flex flex-wrap items-center justify-between gap-4">
        <div>
          <h1 className="text-2xl font-semibold tracking-tight">Apps</h1>
          <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">Each app has its own users, keys and Connect settings.</p>
        </div>
        <CreateAppDialog createApp={createAppAction} />
      </div>
      {apps.length === 0 ? (
        <div className="mt-6 rounded-lg border border-dashed border-zinc-300 px-6 py-10 text-center dark:border-zinc-700">
          <p className="font-medium">No apps yet</p>
          <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">Create one to get a client secret and an App Key.</p>
        </div>
      ) : (
        <div className="relative mt-6 overflow-x-auto rounded-lg border border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900">
          <table className="w-full text-left text-sm">
            <caption className="sr-only">Your apps</caption>
            <thead className="border-b border-zinc-200 bg-zinc-50 text-xs font-medium tracking-wide text-zinc-600 uppercase dark:border-zinc-800 dark:bg-zinc-950/40 dark:text-zinc-400">
              <tr>
                <th scope="col" className="px-4 py-2.5">Name</th>
                <th scope="col" className="px-4 py-2.5">Client ID</th>
                <th scope="col" className="px-4 py-2.5">Created</th>
                <th scope="col" className="px-4 py-2.5 text-right">Users</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-zinc-200 dark:divide-zinc-800">
              {apps.map((app) => {
                const users = userCounts.get(app.clientId);
                return (
                  <tr key={app.clientId} className="hover:bg-zinc-50 dark:hover:bg-zinc-800/40">
                    <td className="px-4 py-3">
                      <Link href={`/apps/${app.clientId}`} className="font-medium text-brand-700 hover:underline dark:text-brand-100">{app.name}</Link>
                    </td>
                    <td className="px-4 py-3 font-mono text-xs text-zinc-600 dark:text-zinc-400">{app.clientId}</td>
                    <td className="px-4 py-3 whitespace-nowrap text-zinc-600 dark:text-zinc-400">
                      <time dateTime={app.createdAt.toISOString()}>{formatDate(app.createdAt)}</time>
                    </td>
                    <td className="px-4 py-3 text-right tabular-nums" title={users?.isEstimate ? 'Estimated from a sample' : undefined}>
                      {users ? formatCount(users) : '—'}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </main>
  );
}
