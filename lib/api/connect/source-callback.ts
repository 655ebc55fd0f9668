// GET /connect/callback/{source}: where Fitbit or Oura send the user back after consent, in the
// popup the Connect widget opened. The page finishes linking (lib/sources/oauth/authorize.ts),
// tells its opener through postMessage to its own origin, and closes. Neither page nor log line
// carries the code or the state.
import type { Context } from 'hono';
import { completeAuthorization, type AuthorizationResult } from '../../sources/oauth/authorize';
import { logFailure } from '../errors';
import { popupResultPage } from './popup-page';

/** The message the widget listens for (components/connect/widget.ts). */
export type SourceCallbackMessage = { type: 'wearhouse-source'; status: AuthorizationResult['status']; message: string; source: AuthorizationResult['source'] };

export function sourceResultPage(c: Context, result: AuthorizationResult): Response {
  const message: SourceCallbackMessage = { type: 'wearhouse-source', status: result.status, message: result.message, source: result.source };
  return popupResultPage(c, { title: result.status === 'connected' ? 'Connected' : 'Not connected', text: result.message, httpStatus: result.httpStatus, message });
}

/** The route's handler: every outcome is a page for the popup, a bug included (logged, no details). */
export async function handleSourceCallback(c: Context): Promise<Response> {
  try {
    return sourceResultPage(c, await completeAuthorization(c.req.param('source') ?? '', new URL(c.req.url)));
  } catch (error) {
    logFailure(error, { method: 'GET', route: '/connect/callback/:source', requestId: c.get('requestId') as string | undefined });
    return sourceResultPage(c, { status: 'failed', message: 'Something went wrong on our side; try again.', httpStatus: 500, source: null });
  }
}
