import type { Metadata } from 'next';
import Link from 'next/link';
import { AppTabs } from '@/components/apps/app-tabs';
import { CopyValueButton } from '@/components/apps/copy-value-button';
import { appOfPage } from './app-of-page';

type Params = { params: Promise<{ clientId: string }> };

export async function generateMetadata({ params }: Params): Promise<Metadata> {
  const { app } = await appOfPage((await params).clientId);
  return { title: { template: `%s · ${app.name}`, default: app.name } };
}

// The chrome of every page of one app: its name, clientId and tabs.
export default async function AppLayout({ params, children }: Params & { children: React.ReactNode }) {
  const { app } = await appOfPage((await params).clientId);
  return (
    <div>
      <nav aria-label="Breadcrumb" className="text-sm text-zinc-500 dark:text-zinc-400">
        <Link href="/apps" className="hover:underline">Apps</Link>
        <span aria-hidden="true"> / </span>
        <span className="text-zinc-700 dark:text-zinc-300">{app.name}</span>
      </nav>
      <header className="mt-2 flex flex-wrap items-end justify-between gap-x-6 gap-y-2">
        <div className="min-w-0">
          <h1 className="text-2xl font-semibold tracking-tight break-words">{app.name}</h1>
          <div className="mt-1 flex flex-wrap items-center gap-2 text-sm text-zinc-600 dark:text-zinc-400">
            <span>Client ID</span>
            <code className="font-mono text-xs break-all">{app.clientId}</code>
            <CopyValueButton value={app.clientId} label="Copy client ID" />
          </div>
        </div>
      </header>
      <div className="mt-4 border-b border-zinc-200 dark:border-zinc-800">
        <AppTabs clientId={app.clientId} />
      </div>
      <div className="pt-6">{children}</div>
    </div>
  );
}
