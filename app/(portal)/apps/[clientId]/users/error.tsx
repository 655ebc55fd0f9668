'use client';
// Something failed while showing the users (not "not yours" or "no such app": those are not-found).
import Link from 'next/link';

export default function UsersError({ reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <main className="mx-auto max-w-xl py-16 text-center">
      <h2 className="text-2xl font-semibold tracking-tight">The users could not be shown</h2>
      <p className="mt-2 text-zinc-600 dark:text-zinc-400">Something went wrong on our side. Try again, or go back to your apps.</p>
      <div className="mt-6 flex justify-center gap-3">
        <button
          type="button"
          onClick={reset}
          className="inline-flex h-10 items-center rounded-md bg-brand-600 px-4 text-sm font-medium text-white shadow-sm hover:bg-brand-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600"
        >
          Try again
        </button>
        <Link
          href="/apps"
          className="inline-flex h-10 items-center rounded-md border border-zinc-300 bg-white px-4 text-sm font-medium text-zinc-800 shadow-sm hover:bg-zinc-50 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100 dark:hover:bg-zinc-800"
        >
          Back to apps
        </Link>
      </div>
    </main>
  );
}
