import { NuqsAdapter } from 'nuqs/adapters/next/app';
import { cookies } from 'next/headers';
import Link from 'next/link';
import { Toaster } from 'sonner';
import { PortalHeader } from '@/components/portal/portal-header';
import { getAccount } from '@/lib/accounts/accounts';
import { requireAccount } from '@/lib/auth/session';
import { parseTheme, THEME_COOKIE } from '@/lib/theme';
import { signOutOfPortal } from './actions';

// The signed-in portal: every page below checks the session again through its services.
export default async function PortalLayout({ children }: { children: React.ReactNode }) {
  const caller = await requireAccount();
  const account = await getAccount(caller.accountId);
  const theme = parseTheme((await cookies()).get(THEME_COOKIE)?.value);
  return (
    <NuqsAdapter>
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:fixed focus:top-2 focus:left-2 focus:z-50 focus:rounded-md focus:bg-white focus:px-3 focus:py-2 focus:shadow dark:focus:bg-zinc-900"
      >
        Skip to content
      </a>
      <PortalHeader email={account?.email ?? ''} isAdmin={caller.role === 'admin'} theme={theme} signOut={signOutOfPortal} />
      <div id="main" className="mx-auto w-full max-w-7xl px-4 py-6 sm:px-6">{children}</div>
      <footer className="mx-auto max-w-7xl px-6 pb-8 text-xs text-zinc-500 dark:text-zinc-400">
        <Link href="/docs/api" className="hover:underline">API reference</Link>
      </footer>
      {/* Plain (not richColors): its green-on-green success toast fails colour contrast. */}
      <Toaster closeButton position="bottom-right" theme={theme} />
    </NuqsAdapter>
  );
}
