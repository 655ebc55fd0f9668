// The one place that creates database connections: a node-postgres pool, to PostgreSQL when
// DATABASE_URL is set, else to the embedded owner's Unix socket in the data folder.
// Queries are not named prepared statements on the embedded engine, which has one shared session;
// on PostgreSQL the hottest ones are (preparedName), so that each connection plans them once.
// Every pool carries time budgets so that no statement or idle transaction holds others up:
// PostgreSQL enforces them per session; the embedded owner (which ignores session settings and
// cannot interrupt a running statement) cuts off a client that holds it idle for as long.
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { config } from '../config';
import { log, errorFields } from '../log';
import { embeddedUrl } from './embedded/data-folder';
import { liveOwner } from './embedded/lock';
import * as schema from './schema';

export type Database = NodePgDatabase<typeof schema>;
/** A transaction handle: the same query API as Database. */
export type Tx = Parameters<Parameters<Database['transaction']>[0]>[0];
/** Either; functions that can run inside a caller's transaction take this. */
export type Queryable = Database | Tx;

export class DatabaseUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseUnavailableError';
  }
}

export function connectionString(): string {
  const { DATABASE_URL, dataDir } = config();
  if (DATABASE_URL) return DATABASE_URL;
  if (!liveOwner(dataDir)) {
    throw new DatabaseUnavailableError(
      `No database: DATABASE_URL is not set and no embedded database is running for ${dataDir}. ` +
        'Start Wearhouse with `npm start`, or set DATABASE_URL.',
    );
  }
  return embeddedUrl(dataDir);
}

type Connection = { pool: pg.Pool; db: Database; embedded?: Promise<boolean> };
// One pool per process, kept on globalThis so module reloads in development don't leak pools.
const holder = globalThis as typeof globalThis & { __wearhouseDb?: Connection };

function connect(): Connection {
  if (holder.__wearhouseDb) return holder.__wearhouseDb;
  const settings = config();
  const pool = new pg.Pool({
    connectionString: connectionString(),
    max: settings.DATABASE_POOL_SIZE,
    idleTimeoutMillis: 30_000,
    // A connection that never completes (an embedded owner frozen mid-accept, then replaced) would
    // otherwise leave its query waiting forever: a job worker stuck for good, a shutdown that never ends.
    connectionTimeoutMillis: settings.DATABASE_STATEMENT_TIMEOUT_MS || 30_000,
    application_name: 'wearhouse',
    // Sent in the startup message, so they hold for this pool's sessions only (never a SET on a
    // shared one). A statement that needs longer says so with SET LOCAL in its transaction.
    statement_timeout: settings.DATABASE_STATEMENT_TIMEOUT_MS,
    idle_in_transaction_session_timeout: settings.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS,
  });
  // An idle client that loses its server must not crash the process; the next query reconnects.
  pool.on('error', (error) => log.warn({ err: errorFields(error) }, 'database connection error'));
  holder.__wearhouseDb = { pool, db: drizzle({ client: pool, schema }) };
  return holder.__wearhouseDb;
}

export const getDb = (): Database => connect().db;
export const getPool = (): pg.Pool => connect().pool;

/** Whether this process's database is the embedded engine (PGlite) rather than PostgreSQL; asked once per pool. */
export function isEmbeddedEngine(): Promise<boolean> {
  const connection = connect();
  if (!connection.embedded) {
    const asked = connection.pool.query<{ embedded: boolean }>("SELECT version() LIKE '%PGlite%' AS embedded").then((r) => r.rows[0]?.embedded === true);
    // A failed question (the database down) is asked again next time.
    asked.catch(() => {
      if (connection.embedded === asked) connection.embedded = undefined;
    });
    connection.embedded = asked;
  }
  return connection.embedded;
}

/**
 * The statement name to give node-postgres for a hot query: on PostgreSQL each connection then
 * parses and plans it once and reuses the plan (bench:api: GET one user went from 73% to 106–109%
 * of the bare one-row ceiling, which re-plans every time). Undefined — an unnamed statement, planned
 * every time — on the embedded engine, whose one shared session cannot hold one client's named
 * statements, and when DATABASE_PREPARED_STATEMENTS is off.
 */
export async function preparedName(name: string): Promise<string | undefined> {
  if (!config().DATABASE_PREPARED_STATEMENTS) return undefined;
  return (await isEmbeddedEngine()) ? undefined : name;
}

export async function closeDb(): Promise<void> {
  const current = holder.__wearhouseDb;
  holder.__wearhouseDb = undefined;
  await current?.pool.end();
}

export { schema };
