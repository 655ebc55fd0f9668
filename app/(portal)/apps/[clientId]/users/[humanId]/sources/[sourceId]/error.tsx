'use client';
// An unexpected failure of the source page: retry, or go back to the user; details in the server log.
import Link from 'next/link';
import { useParams } from 'next/navigation';
import { Button } from '@/components/ui/button';

export default function SourceError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  const { clientId, humanId } = useParams<{ clientId: string; humanId: string }>();
  return (
    <main className="mx-auto max-w-xl py-16 text-center">
      <h2 className="text-2xl font-semibold">The charts could not be shown</h2>
      <p className="mt-2 text-zinc-600 dark:text-zinc-400">
        Try again; if it keeps failing, the server log has the details
        {error.digest ? <> (reference <code className="font-mono text-sm">{error.digest}</code>)</> : null}.
      </p>
      <div className="mt-6 flex items-center justify-center gap-4">
        <Button variant="primary" onClick={reset}>Try again</Button>
        <Link href={`/apps/${clientId}/users/${humanId}`} className="text-brand-600 underline dark:text-brand-400">Back to the user</Link>
      </div>
    </main>
  );
}
