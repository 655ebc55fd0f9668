import { LogOut } from 'lucide-react';
import Link from 'next/link';
import { ThemePicker } from '@/components/theme/theme-picker';
import type { Theme } from '@/lib/theme';

export function PortalHeader({ email, isAdmin, theme, signOut }: { email: string; isAdmin: boolean; theme: Theme; signOut: () => Promise<void> }) {
  return (
    <header className="border-b border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900">
      <div className="mx-auto flex min-h-14 max-w-7xl flex-wrap items-center gap-x-4 gap-y-2 px-4 py-2 sm:px-6">
        <Link href="/apps" className="font-semibold text-brand-700 dark:text-brand-400">Wearhouse</Link>
        <nav aria-label="Portal" className="flex items-center gap-3 text-sm text-zinc-600 sm:gap-4 dark:text-zinc-300">
          <Link href="/apps" className="hover:text-zinc-900 dark:hover:text-white">Apps</Link>
          {isAdmin ? <Link href="/accounts" className="hover:text-zinc-900 dark:hover:text-white">Accounts</Link> : null}
          <Link href="/docs/api" className="hover:text-zinc-900 dark:hover:text-white">API reference</Link>
        </nav>
        <div className="ml-auto flex items-center gap-3">
          <ThemePicker initial={theme} />
          <span className="hidden truncate text-sm text-zinc-500 sm:inline dark:text-zinc-400" title={email}>{email}</span>
          <form action={signOut}>
            <button
              type="submit"
              className="inline-flex items-center gap-1.5 rounded-md px-2 py-1.5 text-sm text-zinc-600 hover:bg-zinc-100 hover:text-zinc-900 focus-visible:outline-2 focus-visible:outline-brand-600 dark:text-zinc-300 dark:hover:bg-zinc-800 dark:hover:text-white"
            >
              <LogOut aria-hidden className="size-4" /> <span className="max-sm:sr-only">Sign out</span>
            </button>
          </form>
        </div>
      </div>
    </header>
  );
}
