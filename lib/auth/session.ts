// Portal sessions (Auth.js): who is signed in to the portal, as an AccountCaller. Pages and server
// actions call requireAccount() once and hand the caller to services, which check access themselves.
// Sessions are signed JWTs under a secret derived from the installation's key (or AUTH_SECRET), so
// they survive a restart and hold on every instance; each request re-reads the account, so a
// deleted account is signed out at once. Password attempts are throttled (sign-in-throttle.ts)
// before the password is checked; single sign-on through an OpenID Connect issuer (AUTH_OIDC_*)
// signs in the account whose email the issuer verified, and refuses emails with no account.
import 'server-only';
import NextAuth, { CredentialsSignin, type NextAuthConfig } from 'next-auth';
import Credentials from 'next-auth/providers/credentials';
import type { OIDCConfig } from 'next-auth/providers';
import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { cache } from 'react';
import { z } from 'zod';
import { accountForSingleSignOn, getAccount, signIn as passwordSignIn, type SingleSignOnIdentity } from '../accounts/accounts';
import { config as settings, singleSignOn } from '../config';
import { errorFields, log } from '../log';
import { clientIpFrom } from '../server/client-ip';
import type { AccountCaller } from './caller';
import { deriveSecret } from './encryption';
import { signInThrottle } from './sign-in-throttle';

declare module 'next-auth' {
  interface User {
    accountId?: number;
  }
  interface Session {
    accountId?: number;
  }
}

/** The header proxy.ts sets to the requested path, so a signed-out page can send you back to it. */
export const PATH_HEADER = 'x-wearhouse-path';
export const SIGN_IN_PATH = '/sign-in';
/** The Auth.js id of the single sign-on provider (its callback is /api/auth/callback/oidc). */
export const SSO_PROVIDER = 'oidc';

/** Why the sign-in page was sent back to from single sign-on (`?error=`), as the page explains it. */
export type SingleSignOnRefusal = 'sso_unknown_account' | 'sso_unverified_email';

const PasswordCredentials = z.object({
  // Not z.email(): the first admin is admin@localhost, which has no dot in its domain.
  email: z.string().trim().min(3).max(320).includes('@'),
  password: z.string().min(1).max(1024),
});

/** Auth.js says "CredentialsSignin" for any refused password; the code is what the form shows. */
export class InvalidCredentials extends CredentialsSignin {
  code = 'invalid_credentials';
}

/** Too many failed attempts lately: refused before the password is looked at. */
export class SignInThrottled extends CredentialsSignin {
  code = 'throttled';
  constructor(readonly retryAfterSeconds: number) {
    super();
  }
}

/** Auth.js's generic OpenID Connect provider for the issuer in AUTH_OIDC_*, when configured. */
function singleSignOnProvider(): OIDCConfig<SingleSignOnIdentity & { sub: string; name?: string }>[] {
  const sso = singleSignOn();
  if (!sso) return [];
  return [{
    id: SSO_PROVIDER,
    name: 'single sign-on',
    type: 'oidc',
    issuer: sso.issuer,
    clientId: sso.clientId,
    clientSecret: sso.clientSecret,
    checks: ['pkce', 'state', 'nonce'],
    authorization: { params: { scope: 'openid email profile' } },
  }];
}

const config = (): NextAuthConfig => ({
  // Read at the first request, not at import: `next build` has no data folder.
  secret: settings().AUTH_SECRET ?? deriveSecret('portal sessions'),
  trustHost: true,
  session: { strategy: 'jwt', maxAge: 7 * 24 * 60 * 60 },
  // Auth.js's own errors (a failed single sign-on) land on the sign-in page too, which explains them.
  pages: { signIn: SIGN_IN_PATH, error: SIGN_IN_PATH },
  // Auth.js prints stack traces to the console; a refused password is not an error, the rest goes
  // to the structured log by name only (its messages can quote request data).
  logger: {
    error(error) {
      if (error instanceof CredentialsSignin) return;
      log.error({ err: errorFields(error) }, 'portal sign-in error');
    },
    warn(code) {
      log.warn({ code }, 'portal sign-in warning');
    },
    debug() {},
  },
  providers: [
    Credentials({
      id: 'password',
      name: 'Email and password',
      credentials: { email: { label: 'Email', type: 'email' }, password: { label: 'Password', type: 'password' } },
      // Reached from the sign-in form's action and from a direct POST to /api/auth/callback/password
      // alike, so the throttle sits here.
      async authorize(input, request) {
        const attempt = { email: typeof input.email === 'string' ? input.email : '', ip: clientIpFrom(request.headers) };
        const throttle = signInThrottle();
        const verdict = await throttle.check(attempt);
        if (!verdict.allowed) throw new SignInThrottled(verdict.retryAfterSeconds);
        const parsed = PasswordCredentials.safeParse(input);
        const caller = parsed.success ? await passwordSignIn(parsed.data.email, parsed.data.password) : null;
        if (!caller) {
          await throttle.failed(attempt);
          throw new InvalidCredentials();
        }
        await throttle.succeeded(attempt);
        return { id: String(caller.accountId), accountId: caller.accountId, email: parsed.data!.email };
      },
    }),
    ...singleSignOnProvider(),
  ],
  callbacks: {
    // Single sign-on only for an existing account whose email the issuer verified; a refusal goes
    // back to the sign-in page, which says why.
    async signIn({ account, profile }) {
      if (account?.provider !== SSO_PROVIDER) return true;
      const result = await accountForSingleSignOn(profile ?? {});
      if (result.ok) return true;
      const refusal: SingleSignOnRefusal = result.reason === 'unknown_account' ? 'sso_unknown_account' : 'sso_unverified_email';
      log.info({ reason: result.reason }, 'portal single sign-on refused');
      return `${SIGN_IN_PATH}?error=${refusal}`;
    },
    async jwt({ token, user, account, profile }) {
      if (account?.provider === SSO_PROVIDER) {
        const result = await accountForSingleSignOn(profile ?? {});
        // Never a session for anyone else: the signIn callback has refused this already.
        if (!result.ok) return null;
        token.accountId = result.caller.accountId;
        return token;
      }
      if (user?.accountId) token.accountId = user.accountId;
      return token;
    },
    session({ session, token }) {
      if (typeof token.accountId === 'number') session.accountId = token.accountId;
      return session;
    },
  },
});

export const { handlers, auth, signIn, signOut } = NextAuth(config);

/** Whether the sign-in page offers single sign-on. */
export function hasSingleSignOn(): boolean {
  return singleSignOn() !== null;
}

/** Only a path on this site, never the sign-in page itself: no open redirect. */
export function safeReturnPath(value: string | null | undefined, fallback = '/apps'): string {
  return value && value.startsWith('/') && !value.startsWith('//') && !value.startsWith('/\\') && !value.startsWith(SIGN_IN_PATH) ? value : fallback;
}

/** Where a signed-out visitor of `path` goes: the sign-in page, which sends them back afterwards. */
export function signInUrl(path: string | null | undefined): string {
  const back = path && path.startsWith('/') && !path.startsWith('//') && !path.startsWith(SIGN_IN_PATH) ? path : null;
  return back ? `${SIGN_IN_PATH}?callbackUrl=${encodeURIComponent(back)}` : SIGN_IN_PATH;
}

/** The signed-in account, or null. Read once per request (React cache). */
export const currentAccount = cache(async (): Promise<AccountCaller | null> => {
  const session = await auth();
  if (typeof session?.accountId !== 'number') return null;
  const account = await getAccount(session.accountId);
  return account ? { kind: 'account', accountId: account.id, role: account.role } : null;
});

/** The signed-in account; a signed-out visitor is redirected to sign in and back here. */
export async function requireAccount(): Promise<AccountCaller> {
  const caller = await currentAccount();
  if (caller) return caller;
  redirect(signInUrl((await headers()).get(PATH_HEADER)));
}
