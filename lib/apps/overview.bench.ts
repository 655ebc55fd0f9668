// Measures the app home's figures (lib/apps/overview.ts) with 1,000,000 users in one app: time per
// call and the longest stall it causes other clients (a `SELECT 1` loop beside it), on the embedded
// database (default) or PostgreSQL (--postgres). Script, not a test:
//   node --import tsx lib/apps/overview.bench.ts [--users 1_000_000] [--postgres]
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { operator, type AccountCaller } from '../auth/caller';
import { listRecentAuditEvents } from '../audit/events';
import { getDb } from '../db/client';
import { log, median, ms, openDatabase, runBench, startJanitor, useDatabase, wholeNumber } from '../bench/harness';
import { createApp } from './apps';
import { getAppOverview } from './overview';
import { createAccount } from '../accounts/accounts';

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await work();
  return { ms: performance.now() - start, value };
}

runBench(async (argv) => {
  const arg = (name: string) => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1] : undefined; };
  const userCount = wholeNumber('users', arg('users'), 1_000_000, 1);
  await startJanitor();
  const dataDir = arg('data-dir'); // kept (and reused on the next run) when given
  const db = await openDatabase({ postgres: argv.includes('--postgres'), keep: false, dataDir });
  await useDatabase(db.url, randomBytes(32).toString('base64'));
  const existing = await getDb().execute<{ client_id: string; owner_id: string }>(sql`SELECT client_id, owner_id FROM apps WHERE name = 'Big app'`);
  if (existing.rows[0]) {
    const owner = { kind: 'account' as const, accountId: Number(existing.rows[0].owner_id), role: 'developer' as const };
    return measure(owner, existing.rows[0].client_id, userCount, db.describe);
  }
  const account = await createAccount(operator, { email: 'bench@example.test', password: randomBytes(12).toString('hex') });
  const owner = { kind: 'account' as const, accountId: account.id, role: account.role };
  const { app } = await createApp(owner, { name: 'Big app' });

  log(`inserting ${userCount.toLocaleString('en')} users over the last 60 days…`);
  const chunk = 50_000;
  for (let from = 1; from <= userCount; from += chunk) {
    const to = Math.min(userCount, from + chunk - 1);
    await getDb().execute(sql`
      INSERT INTO users (human_id, app_id, external_id, access_token_encrypted, access_token_hash, public_token_encrypted, public_token_hash, created_at, updated_at)
      SELECT md5(i || 'h'), a.id, 'bench-' || i, 'x', md5(i || 'a') || md5(i || 'A'), 'x', md5(i || 'p') || md5(i || 'P'),
             now() - (i % 60) * interval '1 day', now()
      FROM apps a, generate_series(${from}::int, ${to}::int) AS i WHERE a.client_id = ${app.clientId}`);
  }
  await getDb().execute(sql`ANALYZE users`);
  await measure(owner, app.clientId, userCount, db.describe);
});

async function measure(owner: AccountCaller, clientId: string, userCount: number, describe: string) {
  const app = { clientId };

  // A probe that keeps asking the database a trivial question, as another request would.
  let probing = true;
  let worstStall = 0;
  const probe = (async () => {
    while (probing) {
      const t = await timed(() => getDb().execute(sql`SELECT 1`));
      worstStall = Math.max(worstStall, t.ms);
    }
  })();

  const runs: number[] = [];
  let overview = await getAppOverview(owner, app.clientId);
  for (let i = 0; i < 10; i++) {
    const t = await timed(() => getAppOverview(owner, app.clientId));
    runs.push(t.ms);
    overview = t.value;
  }
  const audit = await timed(() => listRecentAuditEvents(owner, app.clientId, 10));
  probing = false;
  await probe;

  const exact = await timed(() => getDb().execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM users`));
  console.log(`database: ${describe}, ${userCount.toLocaleString('en')} users in one app`);
  console.log(`getAppOverview p50 ${ms(median(runs))} ms, max ${ms(Math.max(...runs))} ms (10 runs)`);
  console.log(`  users ${overview.users.isEstimate ? '≈' : ''}${overview.users.value.toLocaleString('en')} (exact ${exact.value.rows[0]!.n.toLocaleString('en')}; a full count(*) took ${ms(exact.ms)} ms)`);
  console.log(`  busiest chart day ${Math.max(...overview.newUsersByDay.map((d) => d.count)).toLocaleString('en')} (exact ≈ ${Math.round(userCount / 60).toLocaleString('en')}), estimate: ${overview.newUsersIsEstimate}`);
  console.log(`listRecentAuditEvents ${ms(audit.ms)} ms`);
  console.log(`longest wait of a SELECT 1 beside it: ${ms(worstStall)} ms`);
}
