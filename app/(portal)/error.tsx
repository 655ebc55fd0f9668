'use client';
// The portal's last line: an unexpected error in a page shows this inside the signed-in chrome, with
// a retry and a way back; the details stay in the server log (the digest ties the two together).
import Link from 'next/link';
import { Button } from '@/components/ui/button';

export default function PortalError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <main className="mx-auto max-w-xl py-16 text-center">
      <h1 className="text-2xl font-semibold">Something went wrong</h1>
      <p className="mt-2 text-zinc-600 dark:text-zinc-400">
        This page could not be shown. Try again; if it keeps failing, the server log has the details
        {error.digest ? <> (reference <code className="font-mono text-sm">{error.digest}</code>)</> : null}.
      </p>
      <div className="mt-6 flex items-center justify-center gap-4">
        <Button variant="primary" onClick={reset}>Try again</Button>
        <Link href="/apps" className="text-brand-600 underline dark:text-brand-400">Back to your apps</Link>
      </div>
    </main>
  );
}
