// The one process that owns an embedded data folder: it takes the lock, opens PGlite, serves it
// over the Postgres wire protocol on a Unix socket inside the (owner-only) data folder, so every
// other process of the same OS user (web server, CLI, tests) uses the same node-postgres driver as
// in production, and runs the maintenance autovacuum would.
// Usage: tsx lib/db/embedded/owner.ts <dataDir>   (prints "ready <url>" once serving)
// Settings come from the environment (see lib/config.ts): DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS is the
// hold budget, WEARHOUSE_MAINTENANCE_INTERVAL_MS the maintenance interval.
import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { errorFields, log } from '../../log';
import { DataFolderError, embeddedUrl, makeOwnerOnly, prepareDataFolder, socketPathFor } from './data-folder';
import { acquireLock, LockHeldError, OWNER_LOCK_HELD, type Lock } from './lock';
import { startMaintenance, type Maintenance } from './maintenance';
import { EngineSocketServer } from './socket-server';

/** Exit code for a data folder the owner refuses (permissions, path too long). */
export const OWNER_FOLDER_REFUSED = 4;

const setting = (name: string, fallback: number) => {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
};

async function main() {
  const dataDir = path.resolve(process.argv[2] ?? '.data');
  const holdTimeoutMs = setting('DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS', 5_000);
  const maintenanceIntervalMs = setting('WEARHOUSE_MAINTENANCE_INTERVAL_MS', 60_000);
  // Whatever this process creates is the owner's alone (PGlite itself ignores it; see data-folder).
  process.umask(0o077);

  let lock: Lock;
  try {
    prepareDataFolder(dataDir);
    lock = await acquireLock(dataDir);
  } catch (error) {
    if (error instanceof LockHeldError || error instanceof DataFolderError) {
      console.error(`wearhouse: ${error.message}`);
      process.exit(error instanceof LockHeldError ? OWNER_LOCK_HELD : OWNER_FOLDER_REFUSED);
    }
    throw error;
  }

  const socketPath = socketPathFor(dataDir);
  let db: PGlite | undefined;
  let server: EngineSocketServer | undefined;
  let maintenance: Maintenance | undefined;
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    try {
      await maintenance?.stop();
      await server?.stop();
      if (db && !db.closed) {
        await db.exec('CHECKPOINT');
        await db.close();
      }
    } catch (error) {
      log.error({ err: errorFields(error) }, 'embedded database: error while closing');
      code = code || 1;
    } finally {
      fs.rmSync(socketPath, { force: true });
      lock.release();
      process.exit(code);
    }
  };
  process.on('SIGTERM', () => void stop(0));
  process.on('SIGINT', () => void stop(0));
  // Started by a launcher over IPC: when the launcher dies, so does the owner (releasing the lock).
  process.on('disconnect', () => void stop(0));

  try {
    db = await PGlite.create({
      dataDir: path.join(dataDir, 'pglite'),
      // PGlite keeps PostgreSQL's 1 GB max_wal_size: measured 241 MB of pg_wal left after loading
      // 1.1M rows, 113 MB with 96 MB. A checkpoint forced by WAL volume stalls clients briefly
      // (measured 70–210 ms) once per ~96 MB written, which only bulk loads reach.
      startParams: [...PGlite.defaultStartParams, '-c', 'max_wal_size=96MB', '-c', 'min_wal_size=32MB'],
    });
    makeOwnerOnly(dataDir);
    // We hold the lock, so a socket file here is a dead owner's.
    fs.rmSync(socketPath, { force: true });
    server = new EngineSocketServer({ db, path: socketPath, holdTimeoutMs });
    await server.listen();
    fs.chmodSync(socketPath, 0o600);
    const engine = server;
    maintenance = startMaintenance(db, {
      dataDir,
      intervalMs: maintenanceIntervalMs,
      // Each step waits for a 50 ms lull in client traffic (at most one interval), then its turn.
      turn: async (work) => {
        await engine.quiet(50, maintenanceIntervalMs);
        return engine.runBetweenExchanges(work);
      },
    });
    const url = embeddedUrl(dataDir);
    lock.update(url);
    process.stdout.write(`ready ${url}\n`);
    process.send?.({ ready: true, url });
  } catch (error) {
    log.error({ err: errorFields(error) }, 'embedded database: failed to start');
    await stop(1);
  }
}

void main();
