// "Sign in with single sign-on": off to the configured OpenID Connect issuer, and back to where the
// person was going. A link rather than a form, so that it is one click from the sign-in page; it only
// starts a sign-in (state, PKCE and nonce cookies guard the way back), so a forged visit can do no
// more than sign someone in to their own account.
import { notFound } from 'next/navigation';
import { hasSingleSignOn, safeReturnPath, signIn, SSO_PROVIDER } from '@/lib/auth/session';

export async function GET(request: Request) {
  if (!hasSingleSignOn()) notFound();
  const callbackUrl = new URL(request.url).searchParams.get('callbackUrl');
  await signIn(SSO_PROVIDER, { redirectTo: safeReturnPath(callbackUrl) });
}
