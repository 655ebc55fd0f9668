// Developers' apps: creation (with their first client secret and App Key), listing, details.
import { and, asc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { recordAudit } from '../audit/audit';
import type { Caller } from '../auth/caller';
import { issueSecret, randomHex } from '../auth/secrets';
import { getDb } from '../db/client';
import { accounts, appKeys, apps } from '../db/schema';
import { forbidden, invalidInput, notFound } from '../errors';
import { appIdFor } from './access';

export type App = {
  clientId: string;
  name: string;
  ownerEmail: string;
  connectOrigins: string[];
  /** What the portal may show of the client secret, e.g. `whs_Ab3d…9xYz`. */
  clientSecretHint: string;
  createdAt: Date;
  updatedAt: Date;
};

export type CreatedApp = { app: App; clientSecret: string; appKey: string };

const Origin = z.url().refine((u) => {
  const url = new URL(u);
  return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === u.replace(/\/$/, '');
}, 'An origin is a scheme, host and optional port, like https://app.example.com.');

export const NewAppInput = z.object({
  name: z.string().trim().min(1, 'An app needs a name.').max(100),
  connectOrigins: z.array(Origin).max(20).default([]),
  /** Operator only: who owns the app (defaults to the first admin). */
  ownerEmail: z.string().trim().min(3).max(254).optional(),
});

const appColumns = {
  id: apps.id,
  clientId: apps.clientId,
  name: apps.name,
  ownerEmail: accounts.email,
  connectOrigins: apps.connectOrigins,
  clientSecretPrefix: apps.clientSecretPrefix,
  clientSecretLast4: apps.clientSecretLast4,
  createdAt: apps.createdAt,
  updatedAt: apps.updatedAt,
};

const toApp = (row: { clientId: string; name: string; ownerEmail: string; connectOrigins: string[]; clientSecretPrefix: string; clientSecretLast4: string; createdAt: Date; updatedAt: Date }): App => ({
  clientId: row.clientId,
  name: row.name,
  ownerEmail: row.ownerEmail,
  connectOrigins: row.connectOrigins,
  clientSecretHint: `${row.clientSecretPrefix}…${row.clientSecretLast4}`,
  createdAt: row.createdAt,
  updatedAt: row.updatedAt,
});

async function ownerIdFor(caller: Caller, ownerEmail: string | undefined): Promise<number> {
  if (caller.kind === 'account') {
    if (ownerEmail) throw forbidden('Apps you create belong to you.');
    return caller.accountId;
  }
  if (caller.kind !== 'operator') throw forbidden('An App Key cannot create apps.');
  const [owner] = await getDb()
    .select({ id: accounts.id })
    .from(accounts)
    .where(ownerEmail ? sql`lower(${accounts.email}) = lower(${ownerEmail})` : eq(accounts.role, 'admin'))
    .orderBy(asc(accounts.id))
    .limit(1);
  if (!owner) throw notFound(ownerEmail ? `No account ${ownerEmail}.` : 'No admin account exists yet; create one first.');
  return owner.id;
}

/** Create an app with its client secret and first App Key; both are returned in full only here. */
export async function createApp(caller: Caller, input: z.input<typeof NewAppInput>): Promise<CreatedApp> {
  const parsed = NewAppInput.safeParse(input);
  if (!parsed.success) throw invalidInput(parsed.error.issues[0]?.message ?? 'Invalid app.');
  const ownerId = await ownerIdFor(caller, parsed.data.ownerEmail);
  const clientSecret = issueSecret('clientSecret');
  const appKey = issueSecret('appKey');

  const clientId = await getDb().transaction(async (tx) => {
    const [app] = await tx
      .insert(apps)
      .values({
        clientId: randomHex(20),
        name: parsed.data.name,
        ownerId,
        connectOrigins: parsed.data.connectOrigins,
        clientSecretHash: clientSecret.hash,
        clientSecretPrefix: clientSecret.prefix,
        clientSecretLast4: clientSecret.last4,
      })
      .returning({ id: apps.id, clientId: apps.clientId });
    await tx.insert(appKeys).values({
      appId: app!.id,
      label: 'Default key',
      keyHash: appKey.hash,
      keyPrefix: appKey.prefix,
      keyLast4: appKey.last4,
      createdById: caller.kind === 'account' ? caller.accountId : null,
    });
    await recordAudit(tx, caller, { appId: app!.id, action: 'app.create', target: app!.clientId });
    return app!.clientId;
  });
  return { app: await getApp(caller, clientId), clientSecret: clientSecret.value, appKey: appKey.value };
}

export async function getApp(caller: Caller, clientId: string): Promise<App> {
  const appId = await appIdFor(caller, clientId);
  const [row] = await getDb().select(appColumns).from(apps).innerJoin(accounts, eq(accounts.id, apps.ownerId)).where(eq(apps.id, appId));
  if (!row) throw notFound(`No app ${clientId}.`);
  return toApp(row);
}

/** The apps a caller may see, oldest first. */
export async function listApps(caller: Caller): Promise<App[]> {
  if (caller.kind === 'app' || caller.kind === 'client' || caller.kind === 'end-user') return [await getApp(caller, caller.clientId)];
  const rows = await getDb()
    .select(appColumns)
    .from(apps)
    .innerJoin(accounts, eq(accounts.id, apps.ownerId))
    .where(caller.kind === 'account' && caller.role !== 'admin' ? eq(apps.ownerId, caller.accountId) : undefined)
    .orderBy(asc(apps.id));
  return rows.map(toApp);
}

/** Replace the client secret; the old one stops working at once. Returns the new one in full. */
export async function rotateClientSecret(caller: Caller, clientId: string): Promise<string> {
  if (caller.kind !== 'account' && caller.kind !== 'operator') throw forbidden('Only the portal or the operator can rotate the client secret.');
  const appId = await appIdFor(caller, clientId);
  const secret = issueSecret('clientSecret');
  await getDb().transaction(async (tx) => {
    await tx
      .update(apps)
      .set({ clientSecretHash: secret.hash, clientSecretPrefix: secret.prefix, clientSecretLast4: secret.last4, clientSecretRotatedAt: sql`now()`, updatedAt: sql`now()` })
      .where(and(eq(apps.id, appId)));
    await recordAudit(tx, caller, { appId, action: 'app.rotate_client_secret', target: clientId });
  });
  return secret.value;
}
