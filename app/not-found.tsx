import Link from 'next/link';

// Also what another account's app or user shows: "not found", never "forbidden", so nothing about
// its existence leaks.
export default function NotFound() {
  return (
    <main id="main" className="mx-auto max-w-xl px-6 py-24 text-center">
      <h1 className="text-2xl font-semibold">Page not found</h1>
      <p className="mt-2 text-zinc-600 dark:text-zinc-400">There is nothing at this address, or it is not yours to see.</p>
      <div className="mt-6 flex justify-center gap-4">
        <Link href="/apps" className="text-brand-600 underline dark:text-brand-400">Your apps</Link>
        <Link href="/" className="text-brand-600 underline dark:text-brand-400">Wearhouse home</Link>
      </div>
    </main>
  );
}
