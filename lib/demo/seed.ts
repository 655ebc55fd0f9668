// Bulk demo data: users with 1–3 connected demo sources and days of readings, inserted set-based
// (unnest batches for users and connections, generate_series for readings), in short transactions
// so a running server stays responsive. Also the first-start demo installation.
import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { appIdFor } from '../apps/access';
import { recordAudit } from '../audit/audit';
import type { Caller } from '../auth/caller';
import { getDb } from '../db/client';
import { refreshRollups } from '../readings/rollups';
import { newHumanId } from '../users/human-id';
import { newUserValues, type NewUser } from '../users/users';
import { seededRandom, type Random } from './random';
import { generateDemoReadings, READINGS_PER_DAY } from './readings';

const FIRST_NAMES = ['Ada', 'Ben', 'Chloe', 'Dev', 'Elena', 'Farah', 'Gus', 'Hana', 'Ivan', 'Jo', 'Kemi', 'Liam', 'Maya', 'Nico', 'Olu', 'Priya', 'Quinn', 'Rosa', 'Sam', 'Tariq', 'Uma', 'Vik', 'Wen', 'Xavi', 'Yara', 'Zoe'];
const LAST_NAMES = ['Adeyemi', 'Bauer', 'Costa', 'Dubois', 'Eriksen', 'Fischer', 'Garcia', 'Hughes', 'Ito', 'Jensen', 'Khan', 'Lopez', 'Moreau', 'Novak', 'Okafor', 'Patel', 'Rossi', 'Silva', 'Tanaka', 'Urban', 'Varga', 'Weber', 'Young', 'Zhang'];
const IDENTITY_PROVIDERS = [
  { name: 'Google', url: 'https://accounts.google.com' },
  { name: 'Apple', url: 'https://appleid.apple.com' },
  null, // signed up with the developer's own accounts: the app is the identity provider
] as const;
const DEMO_SOURCES = ['demo-tracker', 'demo-scale', 'demo-cuff', 'demo-glucose'];

export type SeedOptions = {
  users: number;
  days: number;
  seed: number;
  /** Readings end here (default: now, to the minute). */
  end?: Date;
  onProgress?: (done: number, total: number) => void;
};

export type SeedResult = { users: number; connections: number; readings: number };

const USER_BATCH = 5_000;
/** Keep each readings statement around this many rows, so no single statement stalls the engine. */
const READINGS_PER_STATEMENT = 60_000;

function demoPerson(random: Random, index: number, seed: number): NewUser {
  const first = random.pick(FIRST_NAMES);
  const last = random.pick(LAST_NAMES);
  const provider = random.pick(IDENTITY_PROVIDERS);
  const handle = `${first}.${last}${index}`.toLowerCase();
  return {
    externalId: `user-${seed}-${index}`,
    email: `${handle}@example.com`,
    name: `${first} ${last}`,
    username: handle,
    identityProvider: provider ?? undefined,
    providerUserId: provider ? String(100000000 + Math.floor(random.next() * 899999999)) : undefined,
  };
}

/** Which demo sources a user has: 1 to 3, the tracker most often. */
function demoSources(random: Random): string[] {
  const count = random.int(1, 3);
  const chosen = new Set<string>([random.next() < 0.8 ? 'demo-tracker' : random.pick(DEMO_SOURCES)]);
  while (chosen.size < count) chosen.add(random.pick(DEMO_SOURCES));
  return [...chosen];
}

/**
 * Create `users` demo users in an app the caller may act on. Idempotent for a seed: externalIds are
 * `user-<seed>-<n>`, and users that exist already are skipped.
 */
export async function seedUsers(caller: Caller, clientId: string, options: SeedOptions): Promise<SeedResult> {
  const appId = await appIdFor(caller, clientId);
  const db = getDb();
  const random = seededRandom(options.seed);
  const end = options.end ?? new Date(Math.floor(Date.now() / 60_000) * 60_000);
  // Sign-ups spread over the readings window (at least 30 days) before `end`, oldest first.
  const spanMs = Math.max(options.days, 30) * 86_400_000;
  const result: SeedResult = { users: 0, connections: 0, readings: 0 };

  for (let start = 0; start < options.users; start += USER_BATCH) {
    const count = Math.min(USER_BATCH, options.users - start);
    const rows: ReturnType<typeof newUserValues>[] = [];
    const sourcesByExternalId = new Map<string, string[]>();
    for (let i = start; i < start + count; i++) {
      const person = demoPerson(random, i + 1, options.seed);
      const createdAt = new Date(end.getTime() - spanMs + Math.floor((spanMs * i) / Math.max(options.users, 1)));
      // humanIds are unique across apps: derive them from the app as well as the seed.
      const entropy = createHash('sha256').update(`${appId}:${options.seed}:${i}`).digest();
      rows.push(newUserValues(appId, person, createdAt, newHumanId(createdAt, entropy)));
      sourcesByExternalId.set(person.externalId, demoSources(random));
    }

    const inserted = await db.transaction(async (tx) => {
      const users = await tx.execute<{ id: number; external_id: string }>(sql`
        INSERT INTO users (human_id, app_id, external_id, email, name, username, identity_provider_name,
          identity_provider_url, provider_user_id, access_token_encrypted, access_token_hash,
          public_token_encrypted, public_token_hash, created_at, updated_at, last_login_at, last_active_at)
        SELECT h, ${appId}, x, e, n, un, ipn, ipu, pu, ate, ath, pte, pth, c, c, c, ${end.toISOString()}::timestamptz
        FROM unnest(
          ${sql.param(rows.map((r) => r.humanId))}::text[], ${sql.param(rows.map((r) => r.externalId))}::text[],
          ${sql.param(rows.map((r) => r.email))}::text[], ${sql.param(rows.map((r) => r.name))}::text[],
          ${sql.param(rows.map((r) => r.username))}::text[], ${sql.param(rows.map((r) => r.identityProviderName))}::text[],
          ${sql.param(rows.map((r) => r.identityProviderUrl))}::text[], ${sql.param(rows.map((r) => r.providerUserId))}::text[],
          ${sql.param(rows.map((r) => r.accessTokenEncrypted))}::text[], ${sql.param(rows.map((r) => r.accessTokenHash))}::text[],
          ${sql.param(rows.map((r) => r.publicTokenEncrypted))}::text[], ${sql.param(rows.map((r) => r.publicTokenHash))}::text[],
          ${sql.param(rows.map((r) => r.createdAt.toISOString()))}::timestamptz[]
        ) AS t(h, x, e, n, un, ipn, ipu, pu, ate, ath, pte, pth, c)
        ON CONFLICT DO NOTHING
        RETURNING id::int, external_id`);

      const pairs = users.rows.flatMap((u) => (sourcesByExternalId.get(u.external_id) ?? []).map((s) => [u.id, s] as const));
      const connections = await tx.execute<{ id: number; source_id: string }>(sql`
        INSERT INTO connections (user_id, source_id, status, connected_since, last_sync_at)
        SELECT u.id, s, 'connected', u.created_at, ${end.toISOString()}::timestamptz
        FROM unnest(${sql.param(pairs.map((p) => p[0]))}::bigint[], ${sql.param(pairs.map((p) => p[1]))}::text[]) AS t(uid, s)
        JOIN users u ON u.id = t.uid
        ON CONFLICT DO NOTHING
        RETURNING id::int, source_id`);
      if (users.rows.length > 0) {
        await recordAudit(tx, caller, { appId, action: 'user.seed', details: { count: users.rows.length, seed: options.seed } });
      }
      return { users: users.rows.length, connections: connections.rows };
    });
    result.users += inserted.users;
    result.connections += inserted.connections.length;

    if (options.days > 0) {
      result.readings += await seedReadings(inserted.connections, { seed: options.seed, days: options.days, end });
    }
    options.onProgress?.(start + count, options.users);
  }
  // The embedded engine runs no autovacuum, so without this the planner never learns the tables
  // grew (an OFFSET deep into 1M users took 4–6 s unanalyzed, 0.8 s analyzed).
  if (result.users > 0) await db.execute(sql.raw(options.days > 0 ? 'ANALYZE users, connections, readings, reading_rollups' : 'ANALYZE users, connections'));
  return result;
}

async function seedReadings(connections: { id: number; source_id: string }[], window: { seed: number; days: number; end: Date }) {
  let total = 0;
  // Daily series start at the UTC midnight on or before the window's start.
  const from = new Date(Math.floor((window.end.getTime() - window.days * 86_400_000) / 86_400_000) * 86_400_000);
  for (const sourceId of DEMO_SOURCES) {
    const ids = connections.filter((c) => c.source_id === sourceId).map((c) => c.id);
    const perStatement = Math.max(1, Math.floor(READINGS_PER_STATEMENT / ((READINGS_PER_DAY[sourceId] ?? 1) * window.days)));
    for (let i = 0; i < ids.length; i += perStatement) {
      const batch = ids.slice(i, i + perStatement);
      total += await getDb().transaction(async (tx) => {
        await tx.execute(sql`SET LOCAL TIME ZONE 'UTC'`);
        const written = await generateDemoReadings(tx, sourceId, { connectionIds: batch, ...window });
        await refreshRollups(tx, batch, from, window.end);
        return written;
      });
    }
  }
  return total;
}
