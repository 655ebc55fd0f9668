// `npm start`: build the portal if needed, start the embedded database (unless DATABASE_URL is
// set), serve API + portal on one port, migrate, set up demo data on first start, and on
// SIGTERM/SIGINT drain requests and shut the database down cleanly.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApi } from '../api/app';
import { flushKeyUsage } from '../apps/keys';
import { assertSecretKey, ensureKeyFile } from '../auth/encryption';
import { config } from '../config';
import { closeDb, getDb } from '../db/client';
import { spawnOwner, type EmbeddedDatabase } from '../db/embedded/launch';
import { liveOwner, lockPathFor, LockHeldError } from '../db/embedded/lock';
import { migrate } from '../db/migrate';
import { describeCredentials, setUpFirstStart } from '../demo/installation';
import { syncCatalog } from '../sources/catalog';
import { startPurger, type Purger } from '../users/purge';
import { buildIsCurrent, buildPortal } from './build';
import { createAppServer } from './http';

const root = fileURLToPath(new URL('../..', import.meta.url));
const log = (message: string) => console.log(`wearhouse: ${message}`);

async function main() {
  const startedAt = Date.now();
  process.chdir(root);
  const settings = config();
  Object.assign(process.env, { NODE_ENV: 'production' });

  // Refuse before building: a rebuild would pull the portal out from under the running server.
  const holder = settings.DATABASE_URL ? null : liveOwner(settings.dataDir);
  if (holder) throw new LockHeldError(holder, lockPathFor(settings.dataDir));

  if (process.env.WEARHOUSE_SKIP_BUILD !== '1' && !buildIsCurrent(root)) {
    log('building the portal (first start, or the sources changed)…');
    await buildPortal(root);
  }

  let embedded: EmbeddedDatabase | undefined;
  if (!settings.DATABASE_URL) {
    ensureKeyFile();
    log(`starting the embedded database in ${path.relative(root, settings.dataDir) || '.'}/pglite…`);
    embedded = await spawnOwner(settings.dataDir);
  }
  assertSecretKey();

  const api = createApi({ readiness: { isStarted: () => appServer.isStarted() } });
  const appServer = createAppServer(api);
  const baseUrl = settings.WEARHOUSE_BASE_URL ?? `http://localhost:${settings.PORT}`;
  await new Promise<void>((resolve, reject) => {
    appServer.server.once('error', reject);
    appServer.server.listen(settings.PORT, settings.HOST, resolve);
  });
  log(`listening on ${baseUrl} (ready once /readyz says so)`);

  // Deleted users are purged in the background (lib/users/purge.ts); stopped before the database.
  let purger: Purger | undefined;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: finishing in-flight requests…`);
    await appServer.drain(10_000);
    await flushKeyUsage();
    await purger?.stop();
    await api.close();
    await closeDb();
    await embedded?.stop?.();
    log('stopped.');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  const { default: next } = await import('next');
  const portal = next({ dev: false, dir: root, hostname: 'localhost', port: settings.PORT });
  const [applied] = await Promise.all([migrate(getDb()), portal.prepare()]);
  if (applied > 0) log(`applied ${applied} migration(s).`);
  await syncCatalog(getDb());
  purger = startPurger(); // resumes any purge a previous run left unfinished

  const firstStart = await setUpFirstStart({
    baseUrl,
    dataDir: settings.dataDir,
    admin: { email: settings.ADMIN_EMAIL, password: settings.ADMIN_PASSWORD },
    demo: settings.WEARHOUSE_DEMO,
    seed: settings.WEARHOUSE_DEMO_SEED,
  });
  if (firstStart) {
    if (firstStart.seeded) log(`demo data: ${firstStart.seeded.users} users, ${firstStart.seeded.connections} connections, ${firstStart.seeded.readings.toLocaleString('en')} readings.`);
    console.log(describeCredentials(firstStart.credentials, path.join(settings.dataDir, 'demo-credentials.json')));
  }

  const handle = portal.getRequestHandler();
  appServer.attachNext((req, res) => handle(req, res));
  appServer.markStarted();
  log(`ready on ${baseUrl} in ${((Date.now() - startedAt) / 1000).toFixed(1)} s.`);
}

main().catch((error: unknown) => {
  console.error(`wearhouse: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
