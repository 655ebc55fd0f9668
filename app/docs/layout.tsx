import { cookies } from 'next/headers';
import Link from 'next/link';
import { ThemePicker } from '@/components/theme/theme-picker';
import { parseTheme, THEME_COOKIE } from '@/lib/theme';

// Developer documentation, public: the same slim header whether or not you are signed in (the
// reference is for anyone integrating, and needs no session), with the portal's theme picker.
// Sticky, so Scalar's sticky sidebar (offset by --scalar-custom-header-height) sits under it.
export default async function DocsLayout({ children }: { children: React.ReactNode }) {
  const theme = parseTheme((await cookies()).get(THEME_COOKIE)?.value);
  return (
    <>
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:fixed focus:top-2 focus:left-2 focus:z-50 focus:rounded-md focus:bg-white focus:px-3 focus:py-2 focus:shadow dark:focus:bg-zinc-900"
      >
        Skip to content
      </a>
      <header className="sticky top-0 z-40 border-b border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900">
        <div className="flex h-14 items-center gap-4 px-4 sm:px-6">
          <Link href="/" className="font-semibold text-brand-700 dark:text-brand-400">
            Wearhouse
          </Link>
          <nav aria-label="Documentation" className="flex items-center gap-4 text-sm text-zinc-600 dark:text-zinc-300">
            <Link href="/apps" className="hover:text-zinc-900 dark:hover:text-white">
              Portal
            </Link>
            <Link href="/docs/api" aria-current="page" className="font-medium text-zinc-900 dark:text-white">
              API reference
            </Link>
            <a href="/openapi.json" className="hidden hover:text-zinc-900 sm:inline dark:hover:text-white">
              OpenAPI document
            </a>
          </nav>
          <div className="ml-auto">
            <ThemePicker initial={theme} />
          </div>
        </div>
      </header>
      {children}
    </>
  );
}
