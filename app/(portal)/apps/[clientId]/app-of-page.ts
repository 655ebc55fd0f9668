// The app a page under /apps/[clientId] is about, once per request (layout and page share it):
// missing or not the caller's → the not-found page, never someone else's app.
import 'server-only';
import { notFound } from 'next/navigation';
import { cache } from 'react';
import { getApp } from '@/lib/apps/apps';
import { requireAccount } from '@/lib/auth/session';
import { DomainError } from '@/lib/errors';

export const appOfPage = cache(async (clientId: string) => {
  const caller = await requireAccount();
  try {
    return { caller, app: await getApp(caller, clientId) };
  } catch (error) {
    if (error instanceof DomainError && (error.status === 404 || error.status === 403)) notFound();
    throw error;
  }
});
