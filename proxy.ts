// Convenience only, never the gate: every page and action checks the session through the services
// (lib/auth/session.ts requireAccount → lib/<feature>). This passes the requested path on, so a
// signed-out page can send you back after sign-in, and sends visitors without a session cookie to
// sign in before anything renders.
import { NextResponse, type NextRequest } from 'next/server';

const SESSION_COOKIES = ['authjs.session-token', '__Secure-authjs.session-token'];

export function proxy(request: NextRequest) {
  const { pathname, search } = request.nextUrl;
  const path = pathname + search;
  const hasSession = SESSION_COOKIES.some((name) => request.cookies.has(name) || request.cookies.has(`${name}.0`));
  if (!hasSession) {
    const url = request.nextUrl.clone();
    url.pathname = '/sign-in';
    url.search = `?callbackUrl=${encodeURIComponent(path)}`;
    return NextResponse.redirect(url);
  }
  const forwarded = new Headers(request.headers);
  forwarded.set('x-wearhouse-path', path);
  return NextResponse.next({ request: { headers: forwarded } });
}

// The portal's signed-in areas; the sign-in page, the docs, Auth.js and static files pass through.
export const config = { matcher: ['/apps/:path*', '/accounts/:path*'] };
