// Bulk demo data: users with 1–3 connected demo sources and days of readings, inserted set-based
// (unnest batches for users and connections, generate_series for readings), in short transactions
// so a running server stays responsive. Readings can also be added later (and resumed) for the
// connections that have none yet, which is how the first start fills the demo after it is ready.
import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { appIdFor } from '../apps/access';
import { recordAudit } from '../audit/audit';
import type { Caller } from '../auth/caller';
import { getDb, isEmbeddedEngine, type Tx } from '../db/client';
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
  /** Days of readings for the first user, a showcase with a long history (default: `days`). */
  firstUserDays?: number;
  /** Days of readings for sources with a few readings a day (scales, cuffs; default: `days`). */
  sparseDays?: number;
  onProgress?: (done: number, total: number) => void;
};

export type ReadingsOptions = {
  seed: number;
  end: Date;
  days: number;
  firstUserDays?: number;
  sparseDays?: number;
  /** Stops between batches; what is written so far stays, and a later call resumes. */
  signal?: AbortSignal;
};

export type SeedResult = { users: number; connections: number; readings: number };

const USER_BATCH = 5_000;
/** Keep each readings statement around this many rows: the embedded engine serves no one else
 * meanwhile (20,000 take a few hundred milliseconds; a running server stays responsive). */
const READINGS_PER_STATEMENT = 20_000;
/** Embedded engine: checkpoint after about this many readings so the WAL stays a few segments. */
const READINGS_PER_CHECKPOINT = 100_000;

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

/** Which demo sources a user has: 1 to 3, the tracker most often (and always for the first user,
 * whose long history shows what a year of five-minute heart rate looks like). */
function demoSources(random: Random, index: number): string[] {
  const count = random.int(1, 3);
  const tracker = random.next() < 0.8 || index === 1;
  const chosen = new Set<string>([tracker ? 'demo-tracker' : random.pick(DEMO_SOURCES)]);
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
      sourcesByExternalId.set(person.externalId, demoSources(random, i + 1));
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
      const connections = await tx.execute<DemoConnection>(sql`
        INSERT INTO connections (user_id, source_id, status, connected_since, last_sync_at, history_synced_at)
        SELECT u.id, s, 'connected', u.created_at, ${end.toISOString()}::timestamptz, ${end.toISOString()}::timestamptz
        FROM unnest(${sql.param(pairs.map((p) => p[0]))}::bigint[], ${sql.param(pairs.map((p) => p[1]))}::text[]) AS t(uid, s)
        JOIN users u ON u.id = t.uid
        ON CONFLICT DO NOTHING
        RETURNING id::int, source_id, (SELECT external_id FROM users WHERE id = user_id) AS external_id`);
      if (users.rows.length > 0) {
        await recordAudit(tx, caller, { appId, action: 'user.seed', details: { count: users.rows.length, seed: options.seed } });
      }
      return { users: users.rows.length, connections: connections.rows };
    });
    result.users += inserted.users;
    result.connections += inserted.connections.length;

    if (options.days > 0) {
      result.readings += await seedReadings(inserted.connections, { seed: options.seed, days: options.days, firstUserDays: options.firstUserDays, sparseDays: options.sparseDays, end });
    }
    options.onProgress?.(start + count, options.users);
  }
  if (result.users > 0) await settle(options.days > 0 ? ['users', 'connections', 'readings', 'reading_rollups'] : ['users', 'connections']);
  return result;
}

type DemoConnection = { id: number; source_id: string; external_id: string };

/**
 * Readings for the demo connections of an app that do not have them yet: a first call fills them,
 * a call after an interruption finishes the rest (see `readingSteps`). Returns the readings written.
 */
export async function seedPendingReadings(caller: Caller, clientId: string, options: ReadingsOptions): Promise<number> {
  const appId = await appIdFor(caller, clientId);
  const connections = await getDb().execute<DemoConnection & { oldest: Date | null }>(sql`
    SELECT c.id::int, c.source_id, u.external_id,
      (SELECT min(r.ts) FROM readings r WHERE r.user_id = c.user_id AND r.connection_id = c.id) AS oldest
    FROM connections c JOIN users u ON u.id = c.user_id
    WHERE u.app_id = ${appId} AND c.source_id = ANY(${sql.param(DEMO_SOURCES)}::text[])
      AND u.external_id LIKE ${`user-${options.seed}-%`}
    ORDER BY c.id`);
  // None yet, or interrupted part-way (the oldest part of the window is missing). Sparse series
  // may start a day or two into their window, hence the slack.
  const pending = connections.rows.filter(
    (c) => c.oldest === null || new Date(c.oldest).getTime() > options.end.getTime() - (daysFor(c, options) - 3) * DAY_MS,
  );
  const written = await seedReadings(pending, options);
  if (written > 0 && !options.signal?.aborted) await settle(['readings', 'reading_rollups']);
  return written;
}

/** Which window a connection gets: the first user's is longer, and so are sparse sources'. */
function daysFor(connection: DemoConnection, options: Pick<ReadingsOptions, 'seed' | 'days' | 'firstUserDays' | 'sparseDays'>): number {
  if (connection.external_id === `user-${options.seed}-1`) return options.firstUserDays ?? options.days;
  const sparse = (READINGS_PER_DAY[connection.source_id] ?? 1) <= SPARSE_PER_DAY;
  return sparse ? Math.max(options.days, options.sparseDays ?? 0) : options.days;
}
/** A source with at most this many readings a day costs little to show over a longer window. */
const SPARSE_PER_DAY = 10;

async function seedReadings(connections: DemoConnection[], options: ReadingsOptions): Promise<number> {
  const embedded = await isEmbeddedEngine();
  let total = 0;
  let sinceCheckpoint = 0;
  const groups = new Map<string, { sourceId: string; days: number; ids: number[] }>();
  for (const connection of connections) {
    const days = daysFor(connection, options);
    const key = `${connection.source_id}:${days}`;
    const group = groups.get(key) ?? groups.set(key, { sourceId: connection.source_id, days, ids: [] }).get(key)!;
    group.ids.push(connection.id);
  }
  for (const { sourceId, days, ids } of groups.values()) {
    for (const step of readingSteps(ids, READINGS_PER_DAY[sourceId] ?? 1, days, options.end)) {
      if (options.signal?.aborted) return total;
      const written = await getDb().transaction(async (tx) => {
        await tx.execute(sql`SET LOCAL TIME ZONE 'UTC'`);
        const written = await generateDemoReadings(tx, sourceId, { connectionIds: step.ids, seed: options.seed, days: step.days, end: step.end });
        // Daily series start at the UTC midnight on or before the window's start.
        const from = new Date(Math.floor((step.end.getTime() - step.days * DAY_MS) / DAY_MS) * DAY_MS);
        await refreshRollups(tx, step.ids, from, step.end);
        await recordReadingSpan(tx, step.ids);
        return written;
      });
      total += written;
      sinceCheckpoint += written;
      if (embedded && sinceCheckpoint >= READINGS_PER_CHECKPOINT) {
        await releaseWal();
        sinceCheckpoint = 0;
      }
    }
  }
  return total;
}

const DAY_MS = 86_400_000;

/**
 * Keep the connections' oldest and newest reading current (the Data API's /sources shows them), as
 * a sync would. Per connection and type, the first and last reading by the chart index (user_id,
 * type, ts); `connection_id + 0` keeps the planner off the idempotency index (see rollups.ts).
 */
async function recordReadingSpan(tx: Tx, connectionIds: number[]): Promise<void> {
  await tx.execute(sql`
    UPDATE connections c SET oldest_reading_at = least(c.oldest_reading_at, x.oldest),
      newest_reading_at = greatest(c.newest_reading_at, x.newest)
    FROM (
      SELECT k.id, min(o.ts) AS oldest, max(n.ts) AS newest
      FROM connections k JOIN sources s ON s.id = k.source_id, unnest(s.data_types) AS t(type),
        LATERAL (SELECT r.ts FROM readings r WHERE r.user_id = k.user_id AND r.type = t.type AND r.connection_id + 0 = k.id ORDER BY r.ts LIMIT 1) o,
        LATERAL (SELECT r.ts FROM readings r WHERE r.user_id = k.user_id AND r.type = t.type AND r.connection_id + 0 = k.id ORDER BY r.ts DESC LIMIT 1) n
      WHERE k.id = ANY(${sql.param(connectionIds)}::bigint[])
      GROUP BY k.id
    ) x
    WHERE c.id = x.id`);
}

/**
 * Statements of about READINGS_PER_STATEMENT readings: several connections per statement when
 * their windows are short; one connection and part of its window, newest part first, when its
 * window alone is longer (a year of five-minute heart rate is 105,000 readings). Values depend only
 * on the time, and parts overlap by at most a boundary reading that ON CONFLICT skips, so the result
 * is the same as one statement. A connection interrupted part-way lacks its oldest readings, which
 * is how `seedPendingReadings` knows to finish it.
 */
export function readingSteps(ids: number[], perDay: number, days: number, end: Date): { ids: number[]; days: number; end: Date }[] {
  if (days <= 0 || ids.length === 0) return [];
  const steps: { ids: number[]; days: number; end: Date }[] = [];
  if (perDay * days <= READINGS_PER_STATEMENT) {
    const perStatement = Math.max(1, Math.floor(READINGS_PER_STATEMENT / (perDay * days)));
    for (let i = 0; i < ids.length; i += perStatement) steps.push({ ids: ids.slice(i, i + perStatement), days, end });
    return steps;
  }
  const partDays = Math.max(1, Math.floor(READINGS_PER_STATEMENT / perDay));
  for (const id of ids) {
    for (let done = 0; done < days; done += partDays) {
      steps.push({ ids: [id], days: Math.min(partDays, days - done), end: new Date(end.getTime() - done * DAY_MS) });
    }
  }
  return steps;
}

/**
 * After a bulk load: statistics for the planner (the embedded engine runs no autovacuum, so without
 * this it never learns the tables grew: an OFFSET deep into 1M users took 4–6 s unanalyzed, 0.8 s
 * analyzed). Embedded, also VACUUM, so the hint bits of every new row are set now — before the
 * checkpoint that drops the load's WAL, not by the first reads after it, which would log each page
 * again (50 MB of WAL after a 320k-reading demo) — and then that checkpoint.
 */
async function settle(tables: string[]): Promise<void> {
  const list = tables.join(', ');
  if (!(await isEmbeddedEngine())) {
    await getDb().execute(sql.raw(`ANALYZE ${list}`));
    return;
  }
  await getDb().execute(sql.raw(`VACUUM (ANALYZE) ${list}`));
  await releaseWal();
}

/**
 * The embedded engine runs no checkpointer, so a bulk load keeps all of its WAL until the next
 * checkpoint, which then recycles (keeps) every segment for reuse: the old 90-day demo left 353 MB
 * of WAL in a 597 MB data folder. A checkpoint with recycling off every so often deletes them.
 * (wal_recycle is superuser-settable; SET LOCAL keeps it from leaking into the shared session.)
 */
async function releaseWal(): Promise<void> {
  await getDb().transaction(async (tx) => {
    await tx.execute(sql`SET LOCAL wal_recycle = off`);
    await tx.execute(sql`CHECKPOINT`);
  });
}
