// One attempt at delivering one webhook, and when to try again. The delivery row is claimed in a
// short statement (so one delivery is never sent twice at once), the HTTP request is made with no
// transaction open, and the outcome is written in a second short transaction. The queue's job
// handler (worker.ts) is a thin wrapper: it calls deliverOnce and schedules the next attempt.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { sql } from 'drizzle-orm';
import { decrypt } from '../auth/encryption';
import { config } from '../config';
import { getDb } from '../db/client';
import { errorFields, log } from '../log';
import { guardedLookup, isPrivateAddress, PrivateAddressError, socketHost } from './addresses';
import { signedHeaders } from './signing';

/**
 * Delay before attempt n+1 after attempt n failed (Standard Webhooks' / Svix's schedule): 5 s,
 * 5 min, 30 min, 2 h, 5 h, 10 h, 10 h. After the eighth attempt the delivery has failed; a person
 * can still redeliver it from the portal.
 */
export const RETRY_DELAYS_MS = [5_000, 5 * 60_000, 30 * 60_000, 2 * 3_600_000, 5 * 3_600_000, 10 * 3_600_000, 10 * 3_600_000];
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;
/** Up to this share is added at random to each delay, so that receivers that failed together are not retried together. */
export const RETRY_JITTER = 0.2;
/** The whole attempt (connect, send, first bytes of the answer) must fit in this. */
export const DELIVERY_TIMEOUT_MS = 10_000;
/** A claimed attempt is the claimant's for this long; a crashed worker's attempt can be made again after it. */
const CLAIM_MS = DELIVERY_TIMEOUT_MS + 20_000;
/** How much of the receiver's answer is kept per attempt (the log shows it). */
export const EXCERPT_CHARS = 500;
const READ_BYTES = 2_048;

/** The delay after failed attempt `attempts` (1-based), with jitter; null when no attempt is left. */
export function retryDelayMs(attempts: number, random: () => number = Math.random): number | null {
  const base = RETRY_DELAYS_MS[attempts - 1];
  if (base === undefined) return null;
  return Math.round(base * (1 + RETRY_JITTER * random()));
}

export type AttemptResult = {
  status: number | null;
  excerpt: string | null;
  error: string | null;
  /** The destination was refused (a private address): retrying would knock on the same door. */
  isRefused?: boolean;
  durationMs: number;
};

/** What one deliverOnce call did. `skipped`: nothing to do (already delivered, gone, or claimed by another worker). */
export type DeliveryOutcome =
  | { outcome: 'succeeded'; attempts: number; status: number }
  | { outcome: 'retry'; attempts: number; nextAttemptAt: Date; delayMs: number }
  | { outcome: 'failed'; attempts: number }
  | { outcome: 'skipped' };

const printable = (text: string) => text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '').slice(0, EXCERPT_CHARS);

/** POST `body` to `url`, connecting only to checked addresses, following no redirect. */
export function postWebhook(url: URL, headers: Record<string, string>, body: string, allowPrivate: boolean, timeoutMs = DELIVERY_TIMEOUT_MS): Promise<AttemptResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (result: Omit<AttemptResult, 'durationMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...result, durationMs: elapsed() });
    };
    const host = socketHost(url);
    // An IP literal is connected to without a lookup: check it here.
    if (net.isIP(host) && !allowPrivate && isPrivateAddress(host)) {
      finish({ status: null, excerpt: null, error: new PrivateAddressError(host, host).message, isRefused: true });
      return;
    }
    const request = (url.protocol === 'https:' ? https : http).request(url, {
      method: 'POST',
      agent: false,
      lookup: guardedLookup(allowPrivate),
      headers: {
        ...headers,
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
        'user-agent': 'Wearhouse-Webhooks/1',
      },
    });
    timer = setTimeout(() => {
      request.destroy();
      finish({ status: null, excerpt: null, error: `No answer within ${timeoutMs / 1000} s.` });
    }, timeoutMs);
    request.on('error', (error) => {
      const code = (error as NodeJS.ErrnoException).code;
      if (error instanceof PrivateAddressError) return finish({ status: null, excerpt: null, error: error.message, isRefused: true });
      finish({ status: null, excerpt: null, error: code ? `Could not connect (${code}).` : `Could not deliver: ${error.message}` });
    });
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      let read = 0;
      const done = () => {
        response.destroy();
        finish({ status: response.statusCode ?? null, excerpt: printable(Buffer.concat(chunks).toString('utf8')) || null, error: null });
      };
      response.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        read += chunk.length;
        if (read >= READ_BYTES) done();
      });
      response.on('end', done);
      response.on('error', done);
    });
    request.end(body);
  });
}

type Claimed = {
  id: number; event_id: string; body: string; attempts: number;
  url: string | null; secret_encrypted: string | null; previous_secret_encrypted: string | null;
};

/**
 * Make one attempt at delivery `deliveryId` if it is pending and not being attempted elsewhere:
 * sign, POST (10 s budget, no redirects, checked addresses only), record the attempt, and set the
 * delivery to succeeded (2xx), failed (no attempt left, no webhook configured any more, or a
 * refused destination) or pending with its next attempt time. `now` is the time of the attempt
 * (the `webhook-timestamp`); the database's clock runs the schedule. With `expectedAttempts`, only
 * the attempt after that many is made.
 */
export async function deliverOnce(deliveryId: number, options: { now?: Date; expectedAttempts?: number } = {}): Promise<DeliveryOutcome> {
  // A job names the attempt it was queued for: a stale one (a redelivery or another job made that
  // attempt already) finds the count moved on and does nothing.
  const expected = options.expectedAttempts === undefined ? sql`` : sql`AND d.attempts = ${Math.trunc(options.expectedAttempts)}`;
  const claim = await getDb().execute<Claimed>(sql`
    UPDATE webhook_deliveries d
    SET attempts = d.attempts + 1, locked_until = now() + ${CLAIM_MS} * interval '1 millisecond', updated_at = now()
    WHERE d.id = ${deliveryId} AND d.status = 'pending' AND (d.locked_until IS NULL OR d.locked_until < now()) ${expected}
      -- A deleted user's events are not sent any more (the purge removes them with the user).
      AND (d.user_id IS NULL OR EXISTS (SELECT 1 FROM users u WHERE u.id = d.user_id AND u.deleted_at IS NULL))
    RETURNING d.id::int AS id, d.event_id, d.body, d.attempts,
      (SELECT url FROM webhook_endpoints w WHERE w.app_id = d.app_id) AS url,
      (SELECT secret_encrypted FROM webhook_endpoints w WHERE w.app_id = d.app_id) AS secret_encrypted,
      (SELECT previous_secret_encrypted FROM webhook_endpoints w WHERE w.app_id = d.app_id AND previous_secret_expires_at > now()) AS previous_secret_encrypted`);
  const job = claim.rows[0];
  if (!job) return { outcome: 'skipped' };

  const allowPrivate = config().WEARHOUSE_WEBHOOKS_ALLOW_PRIVATE;
  let result: AttemptResult = { status: null, excerpt: null, error: null, durationMs: 0 };
  let isFinal = false;
  if (!job.url || !job.secret_encrypted) {
    result = { status: null, excerpt: null, error: 'The app has no notify URL any more.', durationMs: 0 };
    isFinal = true;
  } else {
    let secrets: string[] | null = null;
    try {
      secrets = [job.secret_encrypted, ...(job.previous_secret_encrypted ? [job.previous_secret_encrypted] : [])].map(decrypt);
    } catch (error) {
      // The installation's key changed: no attempt can be signed until the secret is rotated.
      logDeliveryError(job.id, error);
      result = { status: null, excerpt: null, error: 'The signing secret cannot be decrypted (was WEARHOUSE_SECRET_KEY changed?): rotate it in Settings.', durationMs: 0 };
      isFinal = true;
    }
    if (secrets) {
      const headers = signedHeaders(secrets, job.event_id, options.now ?? new Date(), job.body);
      result = await postWebhook(new URL(job.url), headers, job.body, allowPrivate);
      // A refused destination stays refused: retrying would knock on the same private address.
      isFinal = result.isRefused === true;
    }
  }

  const succeeded = result.status !== null && result.status >= 200 && result.status < 300;
  const delayMs = succeeded || isFinal ? null : retryDelayMs(job.attempts);
  const status = succeeded ? 'succeeded' : delayMs === null ? 'failed' : 'pending';
  const nextAttemptAt = await getDb().transaction(async (tx) => {
    await tx.execute(sql`
      INSERT INTO webhook_delivery_attempts (delivery_id, attempt, duration_ms, response_status, response_excerpt, error)
      VALUES (${job.id}, ${job.attempts}, ${result.durationMs}, ${result.status}, ${result.excerpt}, ${result.error})
      ON CONFLICT (delivery_id, attempt) DO NOTHING`);
    const updated = await tx.execute<{ next_attempt_at: string | null }>(sql`
      UPDATE webhook_deliveries
      SET status = ${status}, locked_until = NULL, last_attempt_at = now(), last_response_status = ${result.status},
          last_error = ${result.error}, updated_at = now(),
          next_attempt_at = ${delayMs === null ? null : sql`now() + ${delayMs} * interval '1 millisecond'`}
      WHERE id = ${job.id}
      RETURNING to_json(next_attempt_at)#>>'{}' AS next_attempt_at`);
    return updated.rows[0]?.next_attempt_at ?? null;
  });
  log.info({ deliveryId: job.id, attempt: job.attempts, status: result.status, outcome: status, durationMs: result.durationMs }, 'webhook attempt');

  if (succeeded) return { outcome: 'succeeded', attempts: job.attempts, status: result.status! };
  if (delayMs === null || !nextAttemptAt) return { outcome: 'failed', attempts: job.attempts };
  return { outcome: 'retry', attempts: job.attempts, nextAttemptAt: new Date(nextAttemptAt), delayMs };
}

/** Log a delivery job's unexpected failure without its body or URL. */
export function logDeliveryError(deliveryId: number, error: unknown) {
  log.error({ deliveryId, err: errorFields(error) }, 'webhook delivery failed unexpectedly');
}
