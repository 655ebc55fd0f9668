'use client';
// Something failed on our side while showing this user: say so, offer a retry and a way back.
import Link from 'next/link';
import { useParams } from 'next/navigation';
import { Button } from '@/components/ui/button';

export default function UserPageError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  const { clientId } = useParams<{ clientId: string }>();
  return (
    <main className="mx-auto max-w-lg py-12 text-center">
      <h2 className="text-xl font-semibold">This user could not be shown</h2>
      <p className="mt-2 text-sm text-zinc-600 dark:text-zinc-400">
        Something went wrong on our side.{error.digest ? <> Reference: <span className="font-mono">{error.digest}</span>.</> : null}
      </p>
      <div className="mt-6 flex justify-center gap-3">
        <Button variant="primary" onClick={reset}>Try again</Button>
        <Link href={`/apps/${clientId}/users`} className="inline-flex h-10 items-center rounded-md px-4 text-sm font-medium text-brand-700 hover:underline dark:text-brand-400">
          Back to users
        </Link>
      </div>
    </main>
  );
}
