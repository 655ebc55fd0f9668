import Link from 'next/link';
import { QueryProvider } from '@/components/providers/query-provider';

// Developer documentation: a slim header back to the portal, and TanStack Query for the pages
// that load live data (the API reference loads the OpenAPI document in the browser).
export default function DocsLayout({ children }: { children: React.ReactNode }) {
  return (
    <QueryProvider>
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:fixed focus:top-2 focus:left-2 focus:z-50 focus:rounded-md focus:bg-white focus:px-3 focus:py-2 focus:shadow"
      >
        Skip to content
      </a>
      <header className="border-b border-zinc-200 bg-white">
        <div className="mx-auto flex h-14 max-w-[90rem] items-center justify-between gap-4 px-6">
          <Link href="/" className="font-semibold text-brand-700">
            Wearhouse
          </Link>
          <nav aria-label="Documentation">
            <ul className="flex items-center gap-5 text-sm text-zinc-600">
              <li>
                <Link href="/docs/api" className="hover:text-zinc-900">
                  API reference
                </Link>
              </li>
              <li>
                <a href="/openapi.json" className="hover:text-zinc-900">
                  OpenAPI document
                </a>
              </li>
            </ul>
          </nav>
        </div>
      </header>
      {children}
    </QueryProvider>
  );
}
