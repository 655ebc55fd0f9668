// `npm start`: build the portal if needed (on a laptop, while the embedded database starts), serve
// API + portal on one port, migrate, set up the demo on first start and fill its readings once
// ready. Every way of being stopped — SIGTERM/SIGINT/SIGHUP to npm or to this process, Ctrl-C, the
// parent dying — ends in the same clean stop; a watchdog restarts an embedded database that hangs
// or exits.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApi } from '../api/app';
import { flushKeyUsage } from '../apps/keys';
import { startTokenCleanup, type TokenCleanup } from '../connect/tokens';
import { assertSecretKey, ensureKeyFile } from '../auth/encryption';
import { config } from '../config';
import { closeDb, getDb, getPool } from '../db/client';
import { spawnOwner, type EmbeddedDatabase } from '../db/embedded/launch';
import { liveOwner, lockPathFor, LockHeldError } from '../db/embedded/lock';
import { migrate } from '../db/migrate';
import { credentialsFile, describeCredentials, hasPendingDemoReadings, setUpFirstStart, writeDemoReadings } from '../demo/installation';
import { errorFields, log } from '../log';
import { syncCatalog } from '../sources/catalog';
import { stopJobs } from '../jobs/queue';
import { startImportWorker } from '../sources/apple-health/imports';
import { startSyncWorkers } from '../sources/sync';
import { startWebhookWorker } from '../webhooks/worker';
import { startPurger, type Purger } from '../users/purge';
import { buildPortal, buildState, productionBuildProblem } from './build';
import { createAppServer, type AppServer } from './http';

const root = fileURLToPath(new URL('../..', import.meta.url));
// Progress goes to the structured log; the first-start credentials banner and a fatal start-up
// error stay plain text for the person at the terminal.
const say = (message: string) => log.info(message);

/** How often the watchdog asks the embedded database a trivial query, and how long it waits. */
const PROBE_EVERY_MS = 2_000;
const PROBE_TIMEOUT_MS = 4_000;
/** Unanswered probes in a row before the owner is declared hung and replaced. */
const PROBES_BEFORE_RESTART = 2;
/** More restarts than this within the window: exit non-zero and leave it to a supervisor. */
const MAX_RESTARTS = 3;
const RESTART_WINDOW_MS = 10 * 60_000;
/** How long in-flight requests get to finish on stop. */
const DRAIN_MS = 10_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());

async function main() {
  const startedAt = Date.now();
  process.chdir(root);
  const settings = config();
  // WEARHOUSE_DEV=1: Next.js in development mode (compiles pages on first visit, reloads on edit)
  // for working on the portal; never for measuring it.
  const dev = process.env.WEARHOUSE_DEV === '1';
  Object.assign(process.env, { NODE_ENV: dev ? 'development' : 'production' });

  let embedded: EmbeddedDatabase | undefined;
  let appServer: AppServer | undefined;
  let api: ReturnType<typeof createApi> | undefined;
  let demoReadings: Promise<unknown> | undefined;
  // Deleted users are purged in the background (lib/users/purge.ts); stopped before the database.
  let purger: Purger | undefined;
  let tokenCleanup: TokenCleanup | undefined;
  let databaseUp = true;
  let stopping = false;
  const stopDemo = new AbortController();

  const shutdown = async (reason: string, code = 0) => {
    if (stopping) return;
    stopping = true;
    say(`${reason}: finishing in-flight requests…`);
    try {
      stopDemo.abort();
      await appServer?.drain(DRAIN_MS);
      await demoReadings; // its current batch: the next start carries on from there
      await flushKeyUsage();
      // The job queue (lib/jobs/queue.ts): running syncs stop at their next page and are handed
      // back, due at once, for the next start; stopped before the database.
      await stopJobs();
      await purger?.stop();
      await tokenCleanup?.stop();
      await api?.close();
      await closeDb();
      await embedded?.stop?.();
      say('stopped.');
    } catch (error) {
      log.error({ err: errorFields(error) }, 'error while stopping');
      code = code || 1;
    }
    process.exit(code);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGHUP', () => void shutdown('SIGHUP'));
  // npm (or a shell) killed outright cannot forward a signal: when the process that started this
  // one is gone, stop as if it had asked.
  const parent = process.ppid;
  if (parent > 1) {
    setInterval(() => {
      if (process.ppid !== parent) void shutdown('the parent process exited');
    }, 500).unref();
  }

  // Refuse before building: a rebuild would pull the portal out from under the running server.
  const holder = settings.DATABASE_URL ? null : liveOwner(settings.dataDir);
  if (holder) throw new LockHeldError(holder, lockPathFor(settings.dataDir));

  let building: Promise<void> = Promise.resolve();
  if (process.env.WEARHOUSE_SKIP_BUILD !== '1' && !dev) {
    const state = buildState(root);
    if (settings.DATABASE_URL) {
      const problem = productionBuildProblem(state);
      if (problem) throw new Error(problem);
    } else if (state !== 'current') {
      say(`building the portal (${state === 'missing' ? 'first start' : 'the sources changed'}) while the database starts…`);
      building = buildPortal(root);
      building.catch((error: unknown) => {
        console.error(`wearhouse: ${(error as Error).message}`);
        void shutdown('the build failed', 1);
      });
    }
  }
  // Next.js loads the build once it exists; meanwhile the database starts and migrates.
  const portalPrepared = building.then(async () => {
    const { default: next } = await import('next');
    const portal = next({ dev, dir: root, hostname: 'localhost', port: settings.PORT });
    await portal.prepare();
    return portal;
  });
  portalPrepared.catch(() => undefined); // reported through `building` or awaited below

  if (!settings.DATABASE_URL) {
    ensureKeyFile();
    say(`starting the embedded database in ${path.relative(root, settings.dataDir) || '.'}/pglite…`);
    embedded = await spawnOwner(settings.dataDir);
  }
  assertSecretKey();

  api = createApi({ readiness: { isStarted: () => !!appServer?.isStarted() && databaseUp && !stopping } });
  appServer = createAppServer(api);
  const server = appServer.server;
  const baseUrl = settings.WEARHOUSE_BASE_URL ?? `http://localhost:${settings.PORT}`;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.PORT, settings.HOST, resolve);
  });
  say(`listening on ${baseUrl} (ready once /readyz says so)`);

  const applied = await migrate(getDb());
  if (applied > 0) say(`applied ${applied} migration(s).`);
  await syncCatalog(getDb());
  purger = startPurger(); // resumes any purge a previous run left unfinished
  tokenCleanup = startTokenCleanup(); // expired Connect tokens, in short batches
  await startSyncWorkers(); // likewise any sync queued or left half-done (lib/jobs/queue.ts, pg-boss)
  await startImportWorker(); // and any Apple Health import queued or left half-done
  await startWebhookWorker(); // webhook deliveries due, and any recorded but never queued

  const firstStart = await setUpFirstStart({
    baseUrl,
    dataDir: settings.dataDir,
    admin: { email: settings.ADMIN_EMAIL, password: settings.ADMIN_PASSWORD },
    demo: settings.WEARHOUSE_DEMO,
    seed: settings.WEARHOUSE_DEMO_SEED,
  });
  if (firstStart) {
    if (firstStart.credentials.demoApp) say(`demo app with ${firstStart.users} users; their readings follow once the server is ready.`);
    console.log(describeCredentials(firstStart.credentials, credentialsFile(settings.dataDir), process.stdout.isTTY === true));
  }

  const portal = await portalPrepared;
  if (stopping) return;
  const handle = portal.getRequestHandler();
  appServer.attachNext((req, res) => handle(req, res));
  appServer.markStarted();
  say(`ready on ${baseUrl} in ${((Date.now() - startedAt) / 1000).toFixed(1)} s.`);

  if (settings.WEARHOUSE_DEMO && hasPendingDemoReadings(settings.dataDir)) {
    const began = Date.now();
    demoReadings = writeDemoReadings(settings.dataDir, stopDemo.signal).then(
      (written) => {
        if (written !== null && !stopDemo.signal.aborted) say(`demo readings written: ${written.toLocaleString('en')} in ${((Date.now() - began) / 1000).toFixed(1)} s.`);
      },
      (error: unknown) => log.error({ err: errorFields(error) }, 'demo readings stopped; the next start resumes them'),
    );
  }

  if (embedded) {
    watchOwner({
      current: () => embedded!,
      replace: async () => {
        const previous = embedded!;
        await endOwner(previous);
        await Promise.race([closeDb(), sleep(2_000)]); // the next query connects to the new owner
        embedded = await spawnOwner(settings.dataDir);
        return embedded;
      },
      isStopping: () => stopping,
      setUp: (up) => void (databaseUp = up),
      giveUp: (reason) => void shutdown(reason, 1),
    });
  }
}

/**
 * The watchdog of the embedded database: the owner is one single-threaded process, so if it exits
 * or stops answering `SELECT 1` the whole server is down. Then /readyz says 503 (a load balancer
 * stops sending), the owner is replaced, and /readyz recovers. If it keeps failing, the server
 * exits 1 for its supervisor rather than answer errors forever.
 */
function watchOwner(options: {
  current: () => EmbeddedDatabase;
  replace: () => Promise<EmbeddedDatabase>;
  isStopping: () => boolean;
  setUp: (up: boolean) => void;
  giveUp: (reason: string) => void;
}) {
  let unanswered = 0;
  let restarting = false;
  const restarts: number[] = [];

  const restart = async (why: string) => {
    if (restarting || options.isStopping()) return;
    restarting = true;
    options.setUp(false);
    const now = Date.now();
    while (restarts.length && now - restarts[0]! > RESTART_WINDOW_MS) restarts.shift();
    if (restarts.length >= MAX_RESTARTS) {
      log.error({ restarts: restarts.length }, `the embedded database ${why} again; giving up`);
      options.giveUp(`the embedded database keeps failing (${why})`);
      return;
    }
    restarts.push(now);
    log.warn({ pid: options.current().pid }, `the embedded database ${why}; restarting it`);
    try {
      const replacement = await options.replace();
      watchExit(replacement);
      unanswered = 0;
      options.setUp(true);
      log.info({ pid: replacement.pid }, 'the embedded database is back');
    } catch (error) {
      log.error({ err: errorFields(error) }, 'the embedded database could not be restarted');
      options.giveUp('the embedded database could not be restarted');
    } finally {
      restarting = false;
    }
  };

  const watchExit = (owner: EmbeddedDatabase) => {
    void owner.exited?.then((code) => {
      if (owner === options.current() && !options.isStopping()) void restart(`exited (code ${code})`);
    });
  };
  watchExit(options.current());

  const probe = async () => {
    if (restarting || options.isStopping()) return;
    const answered = await Promise.race([
      getPool().query('SELECT 1').then(() => true, () => false),
      sleep(PROBE_TIMEOUT_MS).then(() => false),
    ]);
    if (restarting || options.isStopping()) return;
    unanswered = answered ? 0 : unanswered + 1;
    if (unanswered > 0) options.setUp(false);
    if (answered) options.setUp(true);
    if (unanswered >= PROBES_BEFORE_RESTART) await restart('stopped answering');
  };
  const loop = async () => {
    while (!options.isStopping()) {
      await sleep(PROBE_EVERY_MS);
      await probe();
    }
  };
  void loop();
}

/** Stop an owner that may be hung: its one thread may never run the SIGTERM handler. */
async function endOwner(owner: EmbeddedDatabase) {
  let exited = false;
  const done = owner.exited?.then(() => void (exited = true));
  try {
    process.kill(owner.pid, 'SIGTERM');
  } catch {
    return; // gone already
  }
  await Promise.race([done, sleep(3_000)]);
  if (!exited) {
    try {
      process.kill(owner.pid, 'SIGKILL');
    } catch {
      return;
    }
    await Promise.race([done, sleep(3_000)]);
  }
}

main().catch((error: unknown) => {
  console.error(`wearhouse: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
