import { KeyRound } from 'lucide-react';
import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { currentAccount, hasSingleSignOn, safeReturnPath } from '@/lib/auth/session';
import { SignInForm } from './sign-in-form';

export const metadata: Metadata = { title: 'Sign in' };

// What the page says when single sign-on (or Auth.js) sent the person back here with `?error=`.
const ERRORS: Record<string, string> = {
  sso_unknown_account: 'No Wearhouse account has the email your single sign-on confirmed. Ask an admin to create your account, then sign in again.',
  sso_unverified_email: 'Your single sign-on did not confirm your email address, so it cannot be matched to an account.',
  AccessDenied: 'Single sign-on was refused.',
  Configuration: 'Single sign-on could not be completed. Try again, or sign in with your password.',
};
const FALLBACK_ERROR = 'Sign-in could not be completed. Try again.';

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ callbackUrl?: string | string[]; error?: string | string[] }> }) {
  const { callbackUrl, error } = await searchParams;
  const back = typeof callbackUrl === 'string' ? safeReturnPath(callbackUrl, '') || undefined : undefined;
  if (await currentAccount()) redirect(back ?? '/apps');
  const problem = typeof error === 'string' && error !== 'CredentialsSignin' ? (ERRORS[error] ?? FALLBACK_ERROR) : null;
  const sso = hasSingleSignOn();
  return (
    <main id="main" className="flex min-h-screen items-center justify-center px-4 py-12">
      <div className="w-full max-w-sm">
        <p className="text-center text-sm font-semibold uppercase tracking-wide text-brand-600 dark:text-brand-400">Wearhouse</p>
        <h1 className="mt-2 text-center text-2xl font-bold tracking-tight">Sign in to the portal</h1>
        <div className="mt-8 rounded-lg border border-zinc-200 bg-white p-6 shadow-sm dark:border-zinc-800 dark:bg-zinc-900">
          {problem ? (
            <p role="alert" className="mb-4 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800 dark:border-red-900 dark:bg-red-950 dark:text-red-200">
              {problem}
            </p>
          ) : null}
          <SignInForm callbackUrl={back} />
          {sso ? (
            <>
              <div className="my-5 flex items-center gap-3 text-xs text-zinc-500 dark:text-zinc-400" aria-hidden>
                <span className="h-px flex-1 bg-zinc-200 dark:bg-zinc-800" /> or <span className="h-px flex-1 bg-zinc-200 dark:bg-zinc-800" />
              </div>
              {/* A plain link (no prefetch): following it starts a sign-in at the issuer. */}
              <a
                href={back ? `/sign-in/sso?callbackUrl=${encodeURIComponent(back)}` : '/sign-in/sso'}
                className="flex w-full items-center justify-center gap-2 rounded-md border border-zinc-300 px-3 py-2 text-sm font-medium text-zinc-800 hover:bg-zinc-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600 dark:border-zinc-700 dark:text-zinc-100 dark:hover:bg-zinc-800"
              >
                <KeyRound aria-hidden className="size-4" /> Sign in with single sign-on
              </a>
            </>
          ) : null}
        </div>
      </div>
    </main>
  );
}
