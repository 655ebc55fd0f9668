'use client';
import Link from 'next/link';
import { Button } from '@/components/ui/button';

// Something failed while showing one app's page: say so, offer a retry and a way back.
export default function AppError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <div role="alert" className="mx-auto max-w-xl py-12 text-center">
      <h2 className="text-xl font-semibold tracking-tight">This page could not be shown</h2>
      <p className="mt-2 text-sm text-zinc-600 dark:text-zinc-400">
        Something went wrong on our side. Try again; if it keeps happening, the server log has the details
        {error.digest ? <> (reference <code className="font-mono">{error.digest}</code>)</> : null}.
      </p>
      <div className="mt-6 flex justify-center gap-3">
        <Button onClick={reset}>Try again</Button>
        <Link href="/apps" className="inline-flex h-10 items-center rounded-md px-4 text-sm font-medium text-brand-700 underline dark:text-brand-100">Back to your apps</Link>
      </div>
    </div>
  );
}
