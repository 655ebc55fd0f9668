import Link from 'next/link';

// Shown for an app that does not exist or is not yours: the same words either way.
export function AppNotFound() {
  return (
    <main className="mx-auto max-w-xl py-16 text-center">
      {/* The app layout's metadata fails with the app itself, so the page names itself (React hoists it). */}
      <title>App not found · Wearhouse</title>
      <h1 className="text-2xl font-semibold tracking-tight">App not found</h1>
      <p className="mt-2 text-zinc-600 dark:text-zinc-400">There is no app at this address, or it belongs to another account.</p>
      <Link href="/apps" className="mt-6 inline-block font-medium text-brand-700 underline dark:text-brand-100">Back to your apps</Link>
    </main>
  );
}
