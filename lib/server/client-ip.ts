// The client's IP for the portal, which Next.js does not expose: the one server stamps the socket's
// remote address (what the API's clientIp reads through Hono's getConnInfo) into a header of its own
// on every request it hands to Next.js, replacing any value the client sent, so that it cannot be
// forged the way X-Forwarded-For can.
import type { IncomingMessage } from 'node:http';

export const CLIENT_IP_HEADER = 'x-wearhouse-client-ip';

export function stampClientIp(req: IncomingMessage): void {
  req.headers[CLIENT_IP_HEADER] = req.socket.remoteAddress ?? '';
}

/** The stamped IP from a request's headers, or null outside the one server (e.g. `next dev` alone). */
export function clientIpFrom(headers: Headers): string | null {
  return headers.get(CLIENT_IP_HEADER) || null;
}
