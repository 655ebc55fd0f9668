'use client';
// The app's tabs. They are links (each tab has its own URL) and the current one says so with
// aria-current, for the eye and for screen readers.
import Link from 'next/link';
import { usePathname } from 'next/navigation';

export function AppTabs({ clientId }: { clientId: string }) {
  const pathname = usePathname();
  const base = `/apps/${clientId}`;
  const tabs = [
    { href: base, label: 'Overview', isCurrent: pathname === base },
    { href: `${base}/users`, label: 'Users', isCurrent: pathname.startsWith(`${base}/users`) },
    { href: `${base}/webhooks`, label: 'Webhooks', isCurrent: pathname.startsWith(`${base}/webhooks`) },
    { href: `${base}/settings`, label: 'Settings', isCurrent: pathname.startsWith(`${base}/settings`) },
  ];
  return (
    <nav aria-label="App sections" className="-mb-px flex gap-1 overflow-x-auto">
      {tabs.map((tab) => (
        <Link
          key={tab.href}
          href={tab.href}
          aria-current={tab.isCurrent ? 'page' : undefined}
          className="border-b-2 border-transparent px-3 py-2 text-sm font-medium whitespace-nowrap text-zinc-600 hover:border-zinc-300 hover:text-zinc-900 focus-visible:outline-2 focus-visible:outline-brand-600 aria-[current=page]:border-brand-600 aria-[current=page]:text-brand-700 dark:text-zinc-400 dark:hover:border-zinc-600 dark:hover:text-zinc-100 dark:aria-[current=page]:border-brand-500 dark:aria-[current=page]:text-brand-100"
        >
          {tab.label}
        </Link>
      ))}
    </nav>
  );
}
