// The one process that owns an embedded data folder: it takes the lock, opens PGlite and serves it
// over the Postgres wire protocol on loopback, so every other process (web server, CLI, tests)
// uses the same node-postgres driver as in production.
// Usage: tsx lib/db/embedded/owner.ts <dataDir> [port]   (prints "ready <port>" once serving)
import net from 'node:net';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { keepExchangesWhole } from './exchanges';
import { acquireLock, LockHeldError, OWNER_LOCK_HELD } from './lock';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

async function main() {
  const dataDir = path.resolve(process.argv[2] ?? '.data');
  const requestedPort = Number(process.argv[3] ?? 0);

  let lock: Awaited<ReturnType<typeof acquireLock>>;
  try {
    lock = await acquireLock(dataDir);
  } catch (error) {
    if (error instanceof LockHeldError) {
      console.error(`wearhouse: ${error.message}`);
      process.exit(OWNER_LOCK_HELD);
    }
    throw error;
  }

  let db: PGlite | undefined;
  let server: PGLiteSocketServer | undefined;
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    try {
      // pglite-socket 0.2.17 can leave a socket that arrived during shutdown half-open, so its
      // stop() never settles; don't let that keep the lock held and the data unflushed.
      await Promise.race([server?.stop(), new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
      if (db && !db.closed) {
        await db.exec('CHECKPOINT');
        await db.close();
      }
    } catch (error) {
      console.error('wearhouse: error while closing the embedded database:', error);
      code = code || 1;
    } finally {
      lock.release();
      process.exit(code);
    }
  };
  process.on('SIGTERM', () => void stop(0));
  process.on('SIGINT', () => void stop(0));
  // Started by a launcher over IPC: when the launcher dies, so does the owner (releasing the lock).
  process.on('disconnect', () => void stop(0));

  try {
    db = await PGlite.create({ dataDir: path.join(dataDir, 'pglite') });
    const port = requestedPort || (await freePort());
    server = new PGLiteSocketServer({ db: keepExchangesWhole(db), host: '127.0.0.1', port, maxConnections: 256 });
    await server.start();
    lock.update(port);
    process.stdout.write(`ready ${port}\n`);
    process.send?.({ ready: true, port });
  } catch (error) {
    console.error('wearhouse: the embedded database failed to start:', error);
    await stop(1);
  }
}

void main();
