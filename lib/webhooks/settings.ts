// An app's webhook settings: its notify URL and signing secret. The secret is shown in full once,
// when it is made (the first save of a URL, or a rotation), and kept encrypted because every
// delivery signs with it; the portal sees only its hint afterwards.
import { eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { appIdFor } from '../apps/access';
import { recordAudit } from '../audit/audit';
import type { Caller } from '../auth/caller';
import { encrypt } from '../auth/encryption';
import { config } from '../config';
import { getDb } from '../db/client';
import { webhookEndpoints } from '../db/schema';
import { forbidden, invalidInput, notFound } from '../errors';
import { checkDestination, PrivateAddressError } from './addresses';
import { newSigningSecret } from './signing';

export type WebhookSettings = {
  /** Null: the app has no webhooks. */
  url: string | null;
  /** e.g. `whsec_Ab3d…xY9=`: enough to tell secrets apart, never enough to sign. */
  secretHint: string | null;
  secretRotatedAt: Date | null;
  /** Until when the secret replaced by the last rotation still signs deliveries too (null: it no longer does). */
  previousSecretExpiresAt: Date | null;
  /** Whether this installation delivers to private addresses (WEARHOUSE_WEBHOOKS_ALLOW_PRIVATE). */
  allowsPrivateAddresses: boolean;
};

const parseUrl = (u: string) => (URL.canParse(u) ? new URL(u) : null);

export const NotifyUrl = z.string().trim().min(1, 'Enter the URL that receives your webhooks.').max(2000, 'At most 2,000 characters.')
  .refine((u) => {
    const url = parseUrl(u);
    return !!url && (url.protocol === 'https:' || url.protocol === 'http:');
  }, 'A notify URL is an absolute http(s) URL, like https://api.example.com/webhooks/wearhouse.')
  .refine((u) => {
    const url = parseUrl(u);
    return !url || (!url.username && !url.password && !url.hash);
  }, 'A notify URL has no user name, password or #fragment.');

function portalOnly(caller: Caller) {
  if (caller.kind !== 'account' && caller.kind !== 'operator') throw forbidden('Only the portal or the operator can change webhook settings.');
}

export async function getWebhookSettings(caller: Caller, clientId: string): Promise<WebhookSettings> {
  portalOnly(caller);
  const appId = await appIdFor(caller, clientId);
  const [row] = await getDb()
    .select({
      url: webhookEndpoints.url,
      secretHint: webhookEndpoints.secretHint,
      secretRotatedAt: webhookEndpoints.secretRotatedAt,
      previousSecretExpiresAt: sql<string | null>`CASE WHEN ${webhookEndpoints.previousSecretExpiresAt} > now() THEN to_json(${webhookEndpoints.previousSecretExpiresAt})#>>'{}' END`,
    })
    .from(webhookEndpoints)
    .where(eq(webhookEndpoints.appId, appId));
  return {
    url: row?.url ?? null,
    secretHint: row?.secretHint ?? null,
    secretRotatedAt: row?.secretRotatedAt ?? null,
    previousSecretExpiresAt: row?.previousSecretExpiresAt ? new Date(row.previousSecretExpiresAt) : null,
    allowsPrivateAddresses: config().WEARHOUSE_WEBHOOKS_ALLOW_PRIVATE,
  };
}

/** Parse and check a notify URL; refuses private destinations up front (unless allowed) with a message for the form. */
async function checkedUrl(input: string): Promise<string> {
  const parsed = NotifyUrl.safeParse(input);
  if (!parsed.success) {
    const message = parsed.error.issues[0]?.message ?? 'Invalid notify URL.';
    throw invalidInput(message, [{ path: 'url', message }]);
  }
  const url = new URL(parsed.data);
  try {
    await checkDestination(url, config().WEARHOUSE_WEBHOOKS_ALLOW_PRIVATE);
  } catch (error) {
    if (!(error instanceof PrivateAddressError)) throw error;
    const message = `${url.hostname} is a loopback, private or reserved address. Webhooks go to public addresses only (the operator can allow private ones with WEARHOUSE_WEBHOOKS_ALLOW_PRIVATE=1).`;
    throw invalidInput(message, [{ path: 'url', message }]);
  }
  return url.href;
}

/**
 * Set the app's notify URL. The first time, a signing secret is made too and returned in full
 * (`secret`); later saves keep the secret and return null.
 */
export async function saveWebhookUrl(caller: Caller, clientId: string, input: string): Promise<{ settings: WebhookSettings; secret: string | null }> {
  portalOnly(caller);
  const appId = await appIdFor(caller, clientId);
  const url = await checkedUrl(input);
  const secret = newSigningSecret();
  const created = await getDb().transaction(async (tx) => {
    const [row] = await tx
      .insert(webhookEndpoints)
      .values({ appId, url, secretEncrypted: encrypt(secret.value), secretHint: secret.hint })
      .onConflictDoUpdate({ target: webhookEndpoints.appId, set: { url, updatedAt: sql`now()` } })
      // xmax = 0: this statement inserted the row (the secret is the one just made), not updated it.
      .returning({ isNew: sql<boolean>`xmax = 0` });
    await recordAudit(tx, caller, { appId, action: 'webhook.update', target: clientId, details: row?.isNew ? { secret: 'created' } : undefined });
    return !!row?.isNew;
  });
  return { settings: await getWebhookSettings(caller, clientId), secret: created ? secret.value : null };
}

/** How long a replaced signing secret keeps signing deliveries beside the new one. */
export const SECRET_OVERLAP_HOURS = 24;

/**
 * Replace the signing secret. For SECRET_OVERLAP_HOURS, deliveries carry a signature with the
 * replaced secret too (Standard Webhooks' space-separated signatures), so the receiver can switch
 * without dropping events. Returns the new secret in full.
 */
export async function rotateWebhookSecret(caller: Caller, clientId: string): Promise<string> {
  portalOnly(caller);
  const appId = await appIdFor(caller, clientId);
  const secret = newSigningSecret();
  await getDb().transaction(async (tx) => {
    const updated = await tx
      .update(webhookEndpoints)
      .set({
        previousSecretEncrypted: sql`${webhookEndpoints.secretEncrypted}`,
        previousSecretExpiresAt: sql`now() + ${SECRET_OVERLAP_HOURS} * interval '1 hour'`,
        secretEncrypted: encrypt(secret.value),
        secretHint: secret.hint,
        secretRotatedAt: sql`now()`,
        updatedAt: sql`now()`,
      })
      .where(eq(webhookEndpoints.appId, appId))
      .returning({ appId: webhookEndpoints.appId });
    if (!updated.length) throw notFound('This app has no webhook yet: save a notify URL first.');
    await recordAudit(tx, caller, { appId, action: 'webhook.rotate_secret', target: clientId });
  });
  return secret.value;
}

/** Stop webhooks for the app: the URL and secret go; pending deliveries fail at their next attempt. */
export async function removeWebhook(caller: Caller, clientId: string): Promise<void> {
  portalOnly(caller);
  const appId = await appIdFor(caller, clientId);
  await getDb().transaction(async (tx) => {
    await tx.delete(webhookEndpoints).where(eq(webhookEndpoints.appId, appId));
    await recordAudit(tx, caller, { appId, action: 'webhook.remove', target: clientId });
  });
}
