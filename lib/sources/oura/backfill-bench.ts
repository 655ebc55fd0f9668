// `node --import tsx lib/sources/oura/backfill-bench.ts [--postgres] [--days N]`: the Oura connector's
// history backfill of one user with N days (default 365) of data, through the Oura stand-in into a
// fresh database: wall time, requests, readings and readings per second. A script that prints
// figures, not a test; it removes its database and data folder, also on failure.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { createAccount } from '../../accounts/accounts';
import { createApp } from '../../apps/apps';
import { operator, type AccountCaller } from '../../auth/caller';
import { closeDb, getDb } from '../../db/client';
import { spawnOwner } from '../../db/embedded/launch';
import { migrate } from '../../db/migrate';
import { ingestReadings } from '../../readings/ingest';
import { createScratchDatabase, dropScratchDatabase } from '../../testing/scratch-database';
import { startOuraStandIn } from '../../testing/stand-ins/oura';
import { createUser } from '../../users/users';
import { syncCatalog } from '../catalog';
import { connectSource } from '../connections';
import { ouraConnector } from './connector';
import { PROVIDERS } from '../oauth/providers';

const { values } = parseArgs({
  options: { postgres: { type: 'boolean', default: false }, days: { type: 'string', default: '365' } },
});
const DAYS = Number(values.days);
const REDIRECT = 'http://127.0.0.1/connect/callback/oura';

async function main() {
  const cleanups: (() => Promise<void> | void)[] = [];
  try {
    if (values.postgres) {
      const adminUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
      const scratch = await createScratchDatabase(adminUrl, 'wearhouse_bench_oura');
      cleanups.push(() => dropScratchDatabase(adminUrl, scratch.name));
      process.env.DATABASE_URL = scratch.url;
    } else {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wearhouse-bench-oura-'));
      cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
      const owner = await spawnOwner(dataDir);
      cleanups.push(async () => owner.stop?.());
      process.env.DATABASE_URL = owner.url;
    }
    process.env.WEARHOUSE_SECRET_KEY ??= randomBytes(32).toString('hex');
    cleanups.push(() => closeDb());
    await migrate(getDb());
    await syncCatalog(getDb());

    const oura = await startOuraStandIn({ redirectUris: [REDIRECT] });
    cleanups.push(() => oura.close());
    const ouraUser = oura.addUser({ historyDays: DAYS, tzOffsetMinutes: 60 });

    const account = await createAccount(operator, { email: `bench-${randomBytes(4).toString('hex')}@example.test`, password: randomBytes(12).toString('hex') });
    const owner: AccountCaller = { kind: 'account', accountId: account.id, role: account.role };
    const { app } = await createApp(owner, { name: 'Oura backfill bench' });
    const { user } = await createUser(owner, app.clientId, { externalId: 'oura-bench' });
    const connectionId = await connectSource(owner, app.clientId, user.humanId, 'oura');

    // The bench's own token plumbing: one authorization, then Bearer on every request.
    const authorize = new URL(oura.authorizationEndpoint);
    authorize.search = new URLSearchParams({ response_type: 'code', client_id: oura.client.clientId, redirect_uri: REDIRECT, scope: PROVIDERS.oura.scopes.join(' ') }).toString();
    const code = new URL((await fetch(authorize, { redirect: 'manual' })).headers.get('location')!).searchParams.get('code')!;
    const token = (await (await fetch(oura.tokenEndpoint, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: oura.client.clientId, client_secret: oura.client.clientSecret }),
    })).json()) as { access_token: string };

    let readings = 0;
    const started = performance.now();
    await ouraConnector({ apiBaseUrl: oura.url, historyDays: DAYS }).sync({
      connectionId, humanId: user.humanId, clientId: app.clientId, sourceId: 'oura', connectedSince: new Date(),
      historySyncedAt: null, lastSyncAt: null, newestReadingAt: null, now: oura.now(), signal: new AbortController().signal,
      write: async (page) => {
        readings += page.length;
        await ingestReadings(operator, { clientId: app.clientId, connectionId }, page);
      },
      providerFetch: (url, init = {}) => fetch(url, { ...init, headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${token.access_token}` } }),
    });
    const seconds = (performance.now() - started) / 1000;
    const [row] = (await getDb().execute<{ n: string }>(sql`SELECT count(*) AS n FROM readings WHERE connection_id = ${connectionId}`)).rows;
    console.log(JSON.stringify({
      engine: values.postgres ? 'PostgreSQL' : 'embedded (PGlite)', days: DAYS, ouraUser: ouraUser.id,
      requests: oura.counters.dataRequests, readingsWritten: readings, readingsStored: Number(row!.n),
      seconds: Math.round(seconds * 10) / 10, readingsPerSecond: Math.round(readings / seconds),
    }));
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup();
  }
}

main().then(() => process.exit(0), (error: unknown) => {
  console.error(error);
  process.exit(1);
});
