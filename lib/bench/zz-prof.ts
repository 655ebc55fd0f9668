import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { createScratchDatabase, dropScratchDatabase } from '../testing/scratch-database';
import { reloadConfig } from '../config';
import { closeDb, getDb } from '../db/client';
import { migrate } from '../db/migrate';
import { syncCatalog } from '../sources/catalog';
import { createAccount } from '../accounts/accounts';
import { createApp } from '../apps/apps';
import { operator } from '../auth/caller';
import { createUser } from '../users/users';
import { connectSource } from '../sources/connections';
import { writeReadings, ingestReadings } from '../readings/ingest';
import { uploadReadings } from '../readings/upload';

const admin = 'postgres://postgres@127.0.0.1:5432/test';
const { name, url } = await createScratchDatabase(admin, 'wearhouse_prof');
try {
  Object.assign(process.env, { DATABASE_URL: url, WEARHOUSE_SECRET_KEY: randomBytes(32).toString('hex') });
  reloadConfig();
  await migrate(getDb()); await syncCatalog(getDb());
  await createAccount(operator, { email: 'a@localhost', password: randomBytes(18).toString('base64url'), name: 'A', role: 'admin' });
  if (process.env.DROP_IDX) await getDb().execute(sql`DROP INDEX readings_user_id_type_updated_at_id_idx`);
  const app = await createApp(operator, { name: 'x' });
  const { user } = await createUser(operator, app.app.clientId, { externalId: 'e' });
  const caller = { kind: 'end-user', appId: 0, clientId: app.app.clientId, userId: 0, humanId: user.humanId, via: 'access-token' } as any;
  const [row] = (await getDb().execute<{ id: number; app_id: number }>(sql`SELECT id::int, app_id::int FROM users WHERE human_id = ${user.humanId}`)).rows;
  caller.userId = Number(row!.id); caller.appId = Number(row!.app_id);
  const start = Date.parse('2025-01-01T00:00:00Z');
  for (let b = 0; b < 4; b++) {
    const items = Array.from({ length: 10_000 }, (_, i) => { const m = b * 10_000 + i; return { sourceReadingId: `hr-${m}`, timestamp: new Date(start + m * 60_000).toISOString(), value: 50 + (m % 70), unit: 'count/min' }; });
    const body = JSON.stringify({ readings: items });
    let t = performance.now();
    const parsed = JSON.parse(body).readings;
    const tParse = performance.now() - t;
    t = performance.now();
    const { UploadReading } = await import('../readings/upload');
    for (const item of parsed) UploadReading.safeParse(item);
    console.log(`zod ${(performance.now() - t).toFixed(0)} ms`);
    const conn = (await getDb().execute<{ id: number }>(sql`SELECT id::int FROM connections WHERE user_id = ${caller.userId}`)).rows[0];
    if (conn) {
      const vr = parsed.map((p: any) => ({ type: 'heart_rate', ts: new Date(p.timestamp), tzOffsetMinutes: 0, value: p.value + 1, value2: null, sourceReadingId: p.sourceReadingId + 'x', sourceData: null }));
      t = performance.now();
      await writeReadings({ userId: caller.userId, connectionId: Number(conn.id) }, vr);
      console.log(`writeReadings ${(performance.now() - t).toFixed(0)} ms`);
    }
    t = performance.now();
    const r = await uploadReadings(caller, 'heart_rate', parsed);
    const tUp = performance.now() - t;
    if (b === 2) {
      const c = (await getDb().execute<{ id: number }>(sql`SELECT id::int FROM connections WHERE user_id = ${caller.userId}`)).rows[0]!.id;
      const plan = await getDb().execute(sql.raw(`EXPLAIN ANALYZE SELECT t.b, a.* FROM (SELECT timestamptz '2025-01-10T00:00:00Z' + g * interval '1 hour' AS b FROM generate_series(1, 100) g) t CROSS JOIN LATERAL (SELECT count(*) FROM readings r WHERE r.user_id = ${caller.userId} AND r.type = 'heart_rate' AND r.ts >= t.b AND r.ts < t.b + interval '1 hour' AND r.connection_id + 0 = ${c} AND r.tz_offset_minutes = 0) a`));
      console.log(plan.rows.map((r: any) => r['QUERY PLAN']).join('\n'));
    }
    console.log(`batch ${b}: JSON.parse ${tParse.toFixed(0)} ms, upload ${tUp.toFixed(0)} ms`, r.inserted);
  }
  // phases
  const { readings } = await (async () => { const m = await import('../readings/upload'); return { readings: null }; })();
} finally {
  await closeDb();
  await dropScratchDatabase(admin, name);
}
