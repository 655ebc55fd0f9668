// `npm run bench:portal [-- --postgres] [--users N] [--readings N] [--rounds N] [--users-query Q …]`:
// the portal as a developer meets it, on a fresh database with N users in one app (1,000,000 by
// default) and one user holding a year of minute heart rate (525,600 readings). Runs the real
// server (API + the production Next.js build; run `npx next build` first), signs in through the
// Auth.js credentials form, and prints: server render time of the users page (first page, a deep
// page by its keyset cursor, a search), chart-data latency and points for 24 h / 30 d / 1 y, the CSV
// export of the year, and first-load JavaScript per route from the build. Figures, not a test.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import vm from 'node:vm';
import { gzipSync } from 'node:zlib';
import { sql } from 'drizzle-orm';
import { createAccount } from '../accounts/accounts';
import { createApp } from '../apps/apps';
import { operator } from '../auth/caller';
import { getDb } from '../db/client';
import { seedUsers } from '../demo/seed';
import { refreshRollups } from '../readings/rollups';
import { connectSource } from '../sources/connections';
import { createUser } from '../users/users';
import {
  beginRun, load, log, median, ms, openDatabase, projectRoot, runBench, startServer, UsageError, useDatabase, wholeNumber,
} from './harness';

const USAGE = `Usage: npm run bench:portal -- [options]
  --postgres          PostgreSQL instead of the embedded engine (a fresh database on DATABASE_URL's
                      server, default ${'postgres://postgres@127.0.0.1:5432/test'})
  --users N           users in the app (default 1,000,000)
  --readings N        minutes of heart rate for the chart user, ending now (default 525,600: a year)
  --rounds N          timed requests per figure, after 5 warm-up requests (default 30)
  --users-query Q     an extra users-page query string to time (repeatable), e.g. 'sort=lastActive'
Needs the production build (npx next build).`;

const DAY_MS = 86_400_000;

type Timed = { p50: number; p95: number; max: number; status: number; bytes: number };

/** `rounds` sequential GETs of `url` (after 5 to warm up), each read to its last byte. */
async function timeGet(url: string, headers: Record<string, string>, rounds: number): Promise<Timed & { body: string }> {
  const times: number[] = [];
  let status = 0;
  let body = '';
  for (let i = 0; i < rounds + 5; i++) {
    const began = performance.now();
    const response = await fetch(url, { headers, redirect: 'manual' });
    body = await response.text();
    const elapsed = performance.now() - began;
    status = response.status;
    if (i >= 5) times.push(elapsed);
  }
  times.sort((a, b) => a - b);
  return { p50: median(times), p95: times[Math.min(times.length - 1, Math.floor(times.length * 0.95))]!, max: times.at(-1)!, status, bytes: Buffer.byteLength(body), body };
}

/** Sign in as a developer through the Auth.js credentials form; the session cookie. */
async function signIn(baseUrl: string, email: string, password: string): Promise<string> {
  const jar = new Map<string, string>();
  const keep = (response: Response) => {
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const at = pair!.indexOf('=');
      jar.set(pair!.slice(0, at), pair!.slice(at + 1));
    }
  };
  const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const csrf = await fetch(`${baseUrl}/api/auth/csrf`);
  keep(csrf);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const callback = await fetch(`${baseUrl}/api/auth/callback/password`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieHeader() },
    body: new URLSearchParams({ csrfToken, email, password, callbackUrl: `${baseUrl}/apps` }),
  });
  keep(callback);
  if (![...jar.keys()].some((name) => name.includes('session-token'))) {
    throw new Error(`Sign-in failed (HTTP ${callback.status}, location ${callback.headers.get('location')}).`);
  }
  return cookieHeader();
}

/**
 * First-load JavaScript of each app route from the build: the scripts a first visit loads (the
 * root main files plus the route's own client chunks from its client reference manifest), each
 * gzipped on its own as a server would send it.
 */
function firstLoadJs(): { route: string; files: number; rawKb: number; gzipKb: number }[] {
  const next = path.join(projectRoot, '.next');
  const buildManifest = JSON.parse(fs.readFileSync(path.join(next, 'build-manifest.json'), 'utf8')) as { rootMainFiles?: string[]; polyfillFiles?: string[] };
  const shared = [...(buildManifest.rootMainFiles ?? [])];
  const appDir = path.join(next, 'server/app');
  const manifests: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name === 'page_client-reference-manifest.js') manifests.push(full);
    }
  };
  walk(appDir);
  const sizes = new Map<string, { raw: number; gzip: number }>();
  const sizeOf = (file: string) => {
    let size = sizes.get(file);
    if (!size) {
      const body = fs.readFileSync(path.join(next, file.replace(/^\/?_next\//, '')));
      size = { raw: body.length, gzip: gzipSync(body, { level: 9 }).length };
      sizes.set(file, size);
    }
    return size;
  };
  const rows = manifests.map((file) => {
    const route = '/' + path.relative(appDir, path.dirname(file)).split(path.sep).join('/');
    const text = fs.readFileSync(file, 'utf8');
    // `globalThis.__RSC_MANIFEST["/route/page"] = {...}`: run it against an empty global.
    const sandbox: { globalThis?: unknown; __RSC_MANIFEST?: Record<string, { entryJSFiles?: Record<string, string[]> }> } = {};
    sandbox.globalThis = sandbox;
    vm.runInNewContext(text, sandbox);
    const manifest = Object.values(sandbox.__RSC_MANIFEST ?? {})[0] ?? {};
    const files = new Set(shared);
    for (const [entry, chunks] of Object.entries(manifest.entryJSFiles ?? {})) {
      // The route's own tree: its page and the layouts, boundaries and not-found pages above it.
      if (entry.startsWith('[project]/app/')) for (const chunk of chunks) files.add(chunk);
    }
    const js = [...files].filter((f) => f.endsWith('.js'));
    const total = js.reduce((sum, f) => { const s = sizeOf(f); return { raw: sum.raw + s.raw, gzip: sum.gzip + s.gzip }; }, { raw: 0, gzip: 0 });
    // Route groups do not show in URLs: /(portal)/apps is /apps.
    return { route: route.replace(/\/\([^/]+\)/g, '') || '/', files: js.length, rawKb: total.raw / 1024, gzipKb: total.gzip / 1024 };
  });
  return rows.sort((a, b) => a.route.localeCompare(b.route));
}

runBench(async (argv) => {
  const { values } = parseArgs({
    args: argv,
    options: {
      postgres: { type: 'boolean', default: false },
      users: { type: 'string' },
      readings: { type: 'string' },
      rounds: { type: 'string' },
      'users-query': { type: 'string', multiple: true },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const users = wholeNumber('users', values.users, 1_000_000, 100);
  const minutes = wholeNumber('readings', values.readings, 525_600, 1_440);
  const rounds = wholeNumber('rounds', values.rounds, 30, 1);
  if (!fs.existsSync(path.join(projectRoot, '.next/BUILD_ID'))) throw new UsageError('No production build: run `npx next build` first.');

  const startLoad = await beginRun();
  const db = await openDatabase({ postgres: values.postgres, keep: false });
  const secretKey = randomBytes(32).toString('hex');
  await useDatabase(db.url, secretKey);

  // ---- Data: a developer, one app of `users` users, one user with a year of minute heart rate.
  const email = 'bench-portal@example.test';
  const password = randomBytes(18).toString('base64url');
  await createAccount(operator, { email, password, role: 'admin' });
  const { app } = await createApp(operator, { name: `Portal bench (${users.toLocaleString('en')} users)` });
  let began = performance.now();
  let shown = 0;
  await seedUsers(operator, app.clientId, {
    users: users - 1, days: 0, seed: 1,
    onProgress: (done, total) => {
      if (done - shown < 100_000 && done < total) return;
      shown = done;
      log(`seeded ${done.toLocaleString('en')} / ${total.toLocaleString('en')} users (${Math.round(done / ((performance.now() - began) / 1000)).toLocaleString('en')}/s)`);
    },
  });
  const seedSeconds = (performance.now() - began) / 1000;
  const { user } = await createUser(operator, app.clientId, { externalId: 'chart-user' });
  const connectionId = await connectSource(operator, app.clientId, user.humanId, 'fitbit');
  const end = Math.floor(Date.now() / 60_000) * 60_000;
  const start = end - minutes * 60_000;
  began = performance.now();
  log(`loading ${minutes.toLocaleString('en')} minutes of heart rate…`);
  for (let done = 0; done < minutes; done += 50_000) {
    const n = Math.min(50_000, minutes - done);
    // Set-based, as the readings bench loads its heavy user: the bench is about reading them.
    await getDb().execute(sql`
      INSERT INTO readings (user_id, connection_id, type, ts, value, unit, source_reading_id)
      SELECT c.user_id, c.id, 'heart_rate', ${new Date(start).toISOString()}::timestamptz + g * interval '1 minute',
             55 + (g % 97) * 0.5 + 20 * sin(g / 240.0), 'bpm', 'hr-' || g
      FROM connections c, generate_series(${done + 1}::int, ${done + n}::int) AS g WHERE c.id = ${connectionId}`);
  }
  for (let from = start; from < end; from += 30 * DAY_MS) {
    await refreshRollups(getDb(), [connectionId], new Date(from), new Date(Math.min(end, from + 30 * DAY_MS)));
  }
  await getDb().execute(sql`ANALYZE users, connections, readings, reading_rollups`);
  const loadSeconds = (performance.now() - began) / 1000;

  // Where the users page's keyset cursor stands 90 % of the way down (created, newest first).
  const depth = Math.floor(users * 0.9);
  const [deep] = (await getDb().execute<{ human_id: string }>(sql`
    SELECT u.human_id FROM users u JOIN apps a ON a.id = u.app_id WHERE a.client_id = ${app.clientId}
    ORDER BY u.human_id DESC OFFSET ${depth} LIMIT 1`)).rows;
  const [sample] = (await getDb().execute<{ human_id: string; external_id: string }>(sql`
    SELECT u.human_id, u.external_id FROM users u JOIN apps a ON a.id = u.app_id WHERE a.client_id = ${app.clientId}
    ORDER BY u.human_id OFFSET ${Math.floor(users / 3)} LIMIT 1`)).rows;

  // ---- The real server, signed in.
  log('starting the portal server…');
  const server = await startServer('portal-server.ts', 'portal', {
    ...process.env, NODE_ENV: 'production', DATABASE_URL: db.url, WEARHOUSE_SECRET_KEY: secretKey,
    AUTH_SECRET: randomBytes(32).toString('hex'), WEARHOUSE_RATE_LIMIT: '0',
  });
  const cookie = await signIn(server.baseUrl, email, password);
  const headers = { cookie };

  const usersPath = `/apps/${app.clientId}/users`;
  const pages: [string, string][] = [
    ['users page, first page', usersPath],
    [`users page, deep page (after the ${depth.toLocaleString('en')}th user)`, `${usersPath}?after=${deep!.human_id}`],
    ['users page, search by humanId prefix', `${usersPath}?q=${sample!.human_id.slice(0, 6)}`],
    ['users page, search by externalId prefix', `${usersPath}?q=${encodeURIComponent(sample!.external_id.slice(0, 10))}`],
    ...(values['users-query'] ?? []).map((q): [string, string] => [`users page, ?${q}`, `${usersPath}?${q}`]),
    ['source page (charts load after it)', `${usersPath}/${user.humanId}/sources/fitbit`],
  ];
  const pageRows: string[] = [];
  for (const [label, url] of pages) {
    log(`timing ${label}…`);
    const t = await timeGet(server.baseUrl + url, headers, rounds);
    pageRows.push(`| ${label} | ${t.status} | ${ms(t.p50)} | ${ms(t.p95)} | ${ms(t.max)} | ${(t.bytes / 1024).toFixed(0)} kB |`);
  }

  const seriesPath = `${usersPath}/${user.humanId}/sources/fitbit/series?type=heart_rate`;
  const chartRows: string[] = [];
  for (const range of ['24h', '7d', '30d', '90d', '1y']) {
    log(`timing chart data for ${range}…`);
    const t = await timeGet(`${server.baseUrl}${seriesPath}&range=${range}`, headers, rounds);
    const body = t.status === 200 ? (JSON.parse(t.body) as { points: unknown[]; resolution: string; intervalSeconds: number }) : null;
    chartRows.push(`| ${range} | ${t.status} | ${ms(t.p50)} | ${ms(t.p95)} | ${ms(t.max)} | ${body?.points.length ?? '—'} | ${body ? `${body.resolution}, ${body.intervalSeconds / 60} min` : '—'} |`);
  }

  // The year as CSV while another client keeps asking for the 24 h chart.
  log('exporting the year as CSV…');
  const exportUrl = `${server.baseUrl}${usersPath}/${user.humanId}/sources/fitbit/export?range=1y`;
  const during: number[] = [];
  let exporting = true;
  const reader = (async () => {
    while (exporting) {
      const t0 = performance.now();
      await (await fetch(`${server.baseUrl}${seriesPath}&range=24h`, { headers })).arrayBuffer();
      during.push(performance.now() - t0);
    }
  })();
  began = performance.now();
  const exported = await fetch(exportUrl, { headers });
  let bytes = 0;
  let lines = 0;
  let firstByteMs = 0;
  const decoder = new TextDecoder();
  for await (const chunk of exported.body as unknown as AsyncIterable<Uint8Array>) {
    if (!firstByteMs) firstByteMs = performance.now() - began;
    bytes += chunk.length;
    for (const ch of decoder.decode(chunk, { stream: true })) if (ch === '\n') lines++;
  }
  const exportSeconds = (performance.now() - began) / 1000;
  exporting = false;
  await reader;
  during.sort((a, b) => a - b);
  const serverRss = (() => {
    try {
      return Number(/VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${server.pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
    } catch {
      return NaN;
    }
  })();

  const js = firstLoadJs();

  console.log(`## bench:portal on ${db.describe}\n`);
  console.log(`${users.toLocaleString('en')} users in one app (seeded in ${seedSeconds.toFixed(0)} s); one user with ${minutes.toLocaleString('en')} minutes of heart rate (loaded and rolled up in ${loadSeconds.toFixed(0)} s). ${rounds} timed requests per figure after 5 warm-up, one at a time, signed in; load average at start ${startLoad}, at end ${load()}.\n`);
  console.log('### Server render (whole HTML response), goal p50 ≤ 100 ms at any depth\n');
  console.log('| page | HTTP | p50 | p95 | max | size |\n|---|---|---|---|---|---|');
  for (const row of pageRows) console.log(row);
  console.log('\n### Chart data (heart rate, one source), goal 1 y ≤ 100 ms embedded / ≤ 50 ms PostgreSQL, ≤ 1,000 points\n');
  console.log('| range | HTTP | p50 | p95 | max | points | from, per point |\n|---|---|---|---|---|---|---|');
  for (const row of chartRows) console.log(row);
  console.log(`\n### CSV export of the year\n`);
  console.log(`| figure | value |\n|---|---|`);
  console.log(`| HTTP / lines (header included) / size | ${exported.status} / ${lines.toLocaleString('en')} / ${(bytes / 1024 / 1024).toFixed(1)} MB |`);
  console.log(`| first byte / whole file | ${ms(firstByteMs)} ms / ${exportSeconds.toFixed(1)} s (${Math.round((lines - 1) / exportSeconds).toLocaleString('en')} rows/s) |`);
  console.log(`| 24 h chart meanwhile (${during.length} requests): p50 / max | ${ms(median(during))} / ${ms(during.at(-1) ?? NaN)} ms |`);
  console.log(`| server peak RSS (whole run) | ${serverRss.toFixed(0)} MB |`);
  console.log('\n### First-load JavaScript per route (gzip, each file on its own), goal users page ≤ 180 kB\n');
  console.log('| route | files | raw | gzip |\n|---|---|---|---|');
  for (const row of js) console.log(`| ${row.route} | ${row.files} | ${row.rawKb.toFixed(0)} kB | ${row.gzipKb.toFixed(1)} kB |`);
  await server.stop();
});
