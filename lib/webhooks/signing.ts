// Standard Webhooks signing (https://www.standardwebhooks.com): secrets are `whsec_` + base64 of 24
// random bytes; each request carries `webhook-id`, `webhook-timestamp` (seconds) and
// `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, computed by the maintained
// `standardwebhooks` package so that receivers using any Standard Webhooks library verify it as is.
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

export const SIGNING_SECRET_PREFIX = 'whsec_';
const SECRET_BYTES = 24;

export type SigningSecret = { value: string; hint: string };

/** A new signing secret (192 random bits) and what the portal may show of it afterwards. */
export function newSigningSecret(): SigningSecret {
  const value = SIGNING_SECRET_PREFIX + randomBytes(SECRET_BYTES).toString('base64');
  return { value, hint: `${value.slice(0, SIGNING_SECRET_PREFIX.length + 4)}…${value.slice(-4)}` };
}

/** A `webhook-id`: unique per event, the same on every attempt and redelivery of it. */
export const newEventId = () => `msg_${randomBytes(16).toString('base64url')}`;

export type SignedHeaders = { 'webhook-id': string; 'webhook-timestamp': string; 'webhook-signature': string };

/**
 * The three Standard Webhooks headers for sending `body` as event `eventId` at `at`, signed with
 * each of `secrets` (space-separated signatures: during a rotation receivers verify with either).
 */
export function signedHeaders(secrets: string | string[], eventId: string, at: Date, body: string): SignedHeaders {
  return {
    'webhook-id': eventId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': [secrets].flat().map((secret) => new Webhook(secret).sign(eventId, at, body)).join(' '),
  };
}
