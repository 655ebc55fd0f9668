import Link from 'next/link';

// A source, user or app that does not exist or is not the caller's: the same answer for each.
export default function SourceNotFound() {
  return (
    <main className="mx-auto max-w-xl py-16 text-center">
      <h2 className="text-2xl font-semibold">Source not found</h2>
      <p className="mt-2 text-zinc-600 dark:text-zinc-400">This user has no such connected source, or it is not yours to see.</p>
      <div className="mt-6 flex justify-center gap-4">
        <Link href="/apps" className="text-brand-600 underline dark:text-brand-400">Your apps</Link>
      </div>
    </main>
  );
}
