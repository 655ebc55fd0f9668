import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { listAccounts } from '@/lib/accounts/accounts';
import { requireAccount } from '@/lib/auth/session';
import { CreateAccountForm } from './create-account-form';
import { DeleteAccountButton } from './delete-account-button';

export const metadata: Metadata = { title: 'Accounts' };

const dateFormat = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeZone: 'UTC' });

// Admins only: a developer is told there is nothing here, as for anything else not theirs.
export default async function AccountsPage() {
  const caller = await requireAccount();
  if (caller.role !== 'admin') notFound();
  const accounts = await listAccounts(caller);
  return (
    <main className="space-y-8">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">Accounts</h1>
        <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">
          Who can sign in to this portal. Developers see their own apps; admins see every app and manage accounts.
        </p>
      </div>

      <section aria-labelledby="create-account" className="rounded-lg border border-zinc-200 bg-white p-5 dark:border-zinc-800 dark:bg-zinc-900">
        <h2 id="create-account" className="text-lg font-semibold">Create an account</h2>
        <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">
          Wearhouse generates a password and shows it once: hand it to the person. With single sign-on configured they can
          also sign in through it with this email.
        </p>
        <CreateAccountForm />
      </section>

      <section aria-labelledby="all-accounts">
        <h2 id="all-accounts" className="text-lg font-semibold">All accounts <span className="text-sm font-normal text-zinc-500 dark:text-zinc-400">({accounts.length})</span></h2>
        <div className="relative mt-3 overflow-x-auto rounded-lg border border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900">
          <table className="w-full min-w-[36rem] text-left text-sm">
            <thead className="border-b border-zinc-200 bg-zinc-50 text-xs uppercase tracking-wide text-zinc-600 dark:border-zinc-800 dark:bg-zinc-950 dark:text-zinc-400">
              <tr>
                <th scope="col" className="px-4 py-2 font-medium">Email</th>
                <th scope="col" className="px-4 py-2 font-medium">Name</th>
                <th scope="col" className="px-4 py-2 font-medium">Role</th>
                <th scope="col" className="px-4 py-2 text-right font-medium">Apps</th>
                <th scope="col" className="px-4 py-2 font-medium">Created</th>
                <th scope="col" className="px-4 py-2"><span className="sr-only">Options</span></th>
              </tr>
            </thead>
            <tbody className="divide-y divide-zinc-200 dark:divide-zinc-800">
              {accounts.map((account) => (
                <tr key={account.id}>
                  <td className="max-w-64 truncate px-4 py-2 font-medium" title={account.email}>{account.email}</td>
                  <td className="max-w-48 truncate px-4 py-2 text-zinc-700 dark:text-zinc-300">{account.name}</td>
                  <td className="px-4 py-2">
                    <span className={account.role === 'admin'
                      ? 'rounded-full bg-brand-50 px-2 py-0.5 text-xs font-medium text-brand-700 ring-1 ring-brand-100 dark:bg-brand-700/30 dark:text-brand-100 dark:ring-brand-700'
                      : 'rounded-full bg-zinc-100 px-2 py-0.5 text-xs font-medium text-zinc-700 ring-1 ring-zinc-200 dark:bg-zinc-800 dark:text-zinc-200 dark:ring-zinc-700'}>
                      {account.role}
                    </span>
                  </td>
                  <td className="px-4 py-2 text-right tabular-nums">{account.appCount}</td>
                  <td className="whitespace-nowrap px-4 py-2 text-zinc-600 dark:text-zinc-400">{dateFormat.format(account.createdAt)}</td>
                  <td className="px-4 py-2 text-right">
                    {account.id === caller.accountId ? (
                      <span className="text-xs text-zinc-500 dark:text-zinc-400">You</span>
                    ) : (
                      <DeleteAccountButton account={{ id: account.id, email: account.email, appCount: account.appCount }} />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </main>
  );
}
