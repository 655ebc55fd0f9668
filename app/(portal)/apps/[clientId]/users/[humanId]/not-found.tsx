'use client';
// A user that does not exist, was deleted, or belongs to an app that is not yours: the same answer.
import Link from 'next/link';
import { useParams } from 'next/navigation';

export default function UserNotFound() {
  const { clientId } = useParams<{ clientId: string }>();
  return (
    <main className="mx-auto max-w-lg py-12 text-center">
      <h2 className="text-xl font-semibold">User not found</h2>
      <p className="mt-2 text-sm text-zinc-600 dark:text-zinc-400">
        There is no such user in this app, or the app is not one of yours. A deleted user is gone for good.
      </p>
      <Link href={clientId ? `/apps/${clientId}/users` : '/apps'} className="mt-6 inline-flex h-10 items-center rounded-md px-4 text-sm font-medium text-brand-700 hover:underline dark:text-brand-400">
        {clientId ? 'Back to users' : 'Back to apps'}
      </Link>
    </main>
  );
}
