// The source page's route handlers (chart data, raw readings, CSV) share one edge: the session is
// checked here (the proxy is not the gate), services check access, domain errors become JSON.
import 'server-only';
import { currentAccount } from '@/lib/auth/session';
import type { AccountCaller } from '@/lib/auth/caller';
import { DomainError } from '@/lib/errors';
import type { SourceTarget } from '@/lib/readings/series';

export type SourceRouteContext = { params: Promise<{ clientId: string; humanId: string; sourceId: string }> };

const problem = (status: number, message: string) =>
  Response.json({ error: message }, { status, headers: { 'Cache-Control': 'no-store' } });

/** Run `answer` for the signed-in account with the route's target and query; errors as JSON. */
export async function sourceEndpoint(
  request: Request,
  context: SourceRouteContext,
  answer: (caller: AccountCaller, target: SourceTarget, query: Record<string, string>) => Promise<Response>,
): Promise<Response> {
  const caller = await currentAccount();
  if (!caller) return problem(401, 'Sign in to read this data.');
  const target = await context.params;
  const query = Object.fromEntries(new URL(request.url).searchParams);
  try {
    return await answer(caller, target, query);
  } catch (error) {
    if (error instanceof DomainError) return problem(error.status, error.message);
    throw error;
  }
}
