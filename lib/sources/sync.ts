// Syncing connections: one job per connection on its provider's queue (lib/jobs/queue.ts, pg-boss),
// run by the source's connector (lib/sources/connectors.ts). The queue decides when a job runs and
// that a connection's job never runs twice at once (stately, keyed by the connection id); the
// connection's row says what the user sees (status, last sync, last error, a sync pending) and
// fences a run: a disconnect or re-link while it runs stops it at its next page. After a sync the
// next one is queued for SYNC_INTERVAL_SECONDS later (incremental, from the newest reading).
// Readings go through ingestReadings in short transactions: none is held across a provider call.
import { sql, type SQL } from 'drizzle-orm';
import { operator } from '../auth/caller';
import { getDb } from '../db/client';
import { DomainError } from '../errors';
import { enqueue, expedite, RetryLater, runDueJobs, startJobs, unfinishedJobs, work, type Job } from '../jobs/queue';
import { errorFields, log } from '../log';
import { ingestReadings, type ReadingInput } from '../readings/ingest';
import { purgeConnectionStep } from '../users/purge';
import { ProviderAuthorizationError, ProviderRateLimitedError, type SyncContext } from './connector';
import { announceReadings } from '../webhooks/events';
import { providerFetchFor, syncQueues, syncRegistration } from './connectors';

/** A connection's next incremental sync is queued this long after one finishes (or finally fails). */
export const SYNC_INTERVAL_SECONDS = 60 * 60;

export type SyncJobData = { connectionId: number };

export type SyncOptions = {
  /** The run's clock handed to connectors (tests move it); the database's clock runs the queue. */
  now?: () => Date;
};

const keyOf = (connectionId: number) => String(connectionId);

/**
 * Queue a sync of the connection, due now: a sync already queued for it (waiting for its time or
 * for a retry's backoff) is made due instead, so any number of requests queue one run.
 */
export async function queueSync(connectionId: number, sourceId: string): Promise<void> {
  const registration = syncRegistration(sourceId);
  if (!registration) return;
  if (await expedite(registration.queue, keyOf(connectionId))) return;
  await enqueue(registration.queue, { connectionId } satisfies SyncJobData, { singletonKey: keyOf(connectionId) });
}

async function queueNextSync(queue: Parameters<typeof enqueue>[0], connectionId: number, afterSeconds: number): Promise<void> {
  await enqueue(queue, { connectionId } satisfies SyncJobData, { singletonKey: keyOf(connectionId), startAfterSeconds: afterSeconds });
}

/** A claimed connection: as it was when its run began. Timestamps as exact ISO text where they fence. */
type Claimed = {
  connectionId: number; userId: number; appId: number; sourceId: string; sourceKind: string; humanId: string; clientId: string;
  /** The database's clock when the run began: every reading it writes has a later updated_at. */
  beganAt: string;
  connectedSince: string; historySyncedAt: Date | null; lastSyncAt: Date | null; newestReadingAt: Date | null;
  /** sync_requested_at when the run began: a "sync now" during the run moves it (requestSync). */
  requestedAt: string;
};

/** A timestamp as ISO 8601 text with all its digits, whatever the driver's parsing of timestamps. */
const isoOf = (column: SQL) => sql`to_json(${column})#>>'{}'`;

/** The connection is still this run's: the same incarnation (a re-link moves connected_since), still syncing. */
const owned = (c: Claimed) => sql`id = ${c.connectionId} AND status = 'syncing' AND connected_since = ${c.connectedSince}::timestamptz`;

async function claim(connectionId: number): Promise<Claimed | null> {
  type Row = { user_id: number; app_id: number; began_at: string; source_id: string; kind: string; human_id: string; client_id: string; connected_since: string; history_synced_at: string | null; last_sync_at: string | null; newest_reading_at: string | null; requested_at: string };
  const [row] = (await getDb().execute<Row>(sql`
    UPDATE connections c SET status = 'syncing', sync_requested_at = coalesce(c.sync_requested_at, now()), updated_at = now()
    FROM users u, apps a, sources s
    WHERE c.id = ${connectionId} AND u.id = c.user_id AND a.id = u.app_id AND s.id = c.source_id
      AND c.status <> 'disconnected' AND u.deleted_at IS NULL
    RETURNING c.user_id::int AS user_id, u.app_id::int AS app_id, ${isoOf(sql`now()`)} AS began_at,
      c.source_id, s.kind::text AS kind, u.human_id, a.client_id,
      ${isoOf(sql`c.connected_since`)} AS connected_since, ${isoOf(sql`c.history_synced_at`)} AS history_synced_at,
      ${isoOf(sql`c.last_sync_at`)} AS last_sync_at, ${isoOf(sql`c.newest_reading_at`)} AS newest_reading_at,
      ${isoOf(sql`c.sync_requested_at`)} AS requested_at`)).rows;
  if (!row) return null;
  const date = (value: string | null) => (value === null ? null : new Date(value));
  return {
    connectionId, userId: Number(row.user_id), appId: Number(row.app_id), beganAt: row.began_at, sourceId: row.source_id, sourceKind: row.kind, humanId: row.human_id, clientId: row.client_id.trim(),
    connectedSince: row.connected_since, historySyncedAt: date(row.history_synced_at), lastSyncAt: date(row.last_sync_at),
    newestReadingAt: date(row.newest_reading_at), requestedAt: row.requested_at,
  };
}

/** The run ends without a result (stopping, rate limited): the connection shows what it showed before, still pending. */
async function release(c: Claimed): Promise<void> {
  await getDb().execute(sql`
    UPDATE connections SET status = CASE WHEN last_error IS NULL THEN 'connected'::connection_status ELSE 'error' END, updated_at = now()
    WHERE ${owned(c)}`);
}

class RunGone extends Error {}

/** What the user is told about a failed sync: plain words, nothing internal. */
function lastErrorFor(error: unknown): string {
  if (error instanceof DomainError && error.kind !== 'unavailable') return `The sync failed: ${error.message} It will be retried.`;
  return 'The sync could not finish (the source or the server was busy or unavailable). It will be retried.';
}

/** The job: claim the connection, run its connector with a context, record the outcome, queue the next. */
async function runSync(job: Job<SyncJobData>, options: SyncOptions): Promise<void> {
  const connectionId = Number(job.data.connectionId);
  if (!Number.isSafeInteger(connectionId)) return;
  const c = await claim(connectionId);
  if (!c) return; // disconnected or its user deleted: nothing to do
  const registration = syncRegistration(c.sourceId);
  if (!registration) {
    await release(c);
    return;
  }
  const began = performance.now();
  let written = 0;
  /** Readings this run added or changed (a re-synced unchanged reading is not news), and their types. */
  let changed = 0;
  const types = new Set<string>();
  const span: { oldest: Date | null; newest: Date | null } = { oldest: null, newest: null };
  // Between pages: still running, still this run's job, the connection still wanted.
  const check = async () => {
    job.signal.throwIfAborted();
    if (!(await job.renew())) throw new RunGone();
    const [still] = (await getDb().execute(sql`SELECT 1 AS ok FROM connections WHERE ${owned(c)}`)).rows;
    if (!still) throw new RunGone();
  };
  const context: SyncContext = {
    connectionId,
    humanId: c.humanId,
    clientId: c.clientId,
    sourceId: c.sourceId,
    connectedSince: new Date(c.connectedSince),
    historySyncedAt: c.historySyncedAt,
    lastSyncAt: c.lastSyncAt,
    newestReadingAt: c.newestReadingAt,
    now: (options.now ?? (() => new Date()))(),
    signal: job.signal,
    async write(readings: ReadingInput[]) {
      await check();
      if (readings.length === 0) return;
      // Written as the operator: a job outlives the request that queued it, so no request caller
      // exists any more. The scope stays the connection's own: clientId is its user's app, and
      // ingestReadings checks the connection belongs to a live user of it.
      const stored = await ingestReadings(operator, { clientId: c.clientId, connectionId }, readings);
      written += stored.count;
      changed += stored.inserted + stored.updated;
      for (const r of readings) {
        if (stored.inserted + stored.updated > 0) types.add(String(r.type));
        const ts = new Date(r.ts as string | number | Date);
        if (!span.oldest || ts < span.oldest) span.oldest = ts;
        if (!span.newest || ts > span.newest) span.newest = ts;
      }
    },
    providerFetch: providerFetchFor({ id: c.sourceId, kind: c.sourceKind }, connectionId, options.now),
  };

  try {
    if (c.historySyncedAt === null && c.lastSyncAt === null) {
      // A first sync starts from nothing: a connection re-linked while the purger was still removing
      // its old rows gets them removed here (a no-op for a new one), as is a failed first attempt's.
      do await check();
      while ((await purgeConnectionStep(connectionId)) !== 'empty');
    }
    await registration.connector.sync(context);
    await check();
    const to = context.now.toISOString();
    const [finished] = (await getDb().execute<{ again: boolean }>(sql`
      UPDATE connections SET status = 'connected', last_error = NULL,
        last_sync_at = ${to}::timestamptz,
        history_synced_at = coalesce(history_synced_at, ${to}::timestamptz),
        oldest_reading_at = least(oldest_reading_at, ${span.oldest?.toISOString() ?? null}::timestamptz),
        newest_reading_at = greatest(newest_reading_at, ${span.newest?.toISOString() ?? null}::timestamptz),
        -- Done, unless someone asked again while it ran: then it stays pending and runs once more.
        sync_requested_at = CASE WHEN sync_requested_at = ${c.requestedAt}::timestamptz THEN NULL ELSE now() END,
        updated_at = now()
      WHERE ${owned(c)}
      RETURNING sync_requested_at IS NOT NULL AS again`)).rows;
    if (!finished) return;
    log.info({ event: 'connection.synced', connectionId, source: c.sourceId, readings: written, changed, types: [...types], ms: Math.round(performance.now() - began) }, 'connection synced');
    await queueNextSync(registration.queue, connectionId, finished.again ? 0 : SYNC_INTERVAL_SECONDS);
    // One webhook event for the run, after its writes committed (nothing when nothing changed).
    await announceReadings({ appId: c.appId, userId: c.userId, humanId: c.humanId, types: [...types], count: changed, updatedSince: new Date(c.beganAt) });
  } catch (error) {
    if (error instanceof RunGone) return;
    if (job.signal.aborted) {
      // Stopping: the queue hands the job back, due at once, for the next start or another server.
      await release(c).catch(() => undefined);
      throw error;
    }
    if (error instanceof ProviderRateLimitedError) {
      log.info({ event: 'connection.rate_limited', connectionId, source: c.sourceId, retryAfterMs: error.retryAfterMs }, 'provider rate limit; sync resumes later');
      await release(c);
      throw new RetryLater(error.retryAfterMs);
    }
    if (error instanceof ProviderAuthorizationError) {
      // Retrying cannot help: the user has to connect the source again (connectSource queues a sync).
      log.warn({ event: 'connection.unauthorized', connectionId, source: c.sourceId }, 'provider refused the connection; waiting for a reconnect');
      await getDb().execute(sql`
        UPDATE connections SET status = 'error', last_error = ${error.message}, sync_requested_at = NULL, updated_at = now()
        WHERE ${owned(c)}`);
      return;
    }
    const isFinal = job.retryCount >= job.retryLimit;
    log.error({ event: 'connection.sync_failed', connectionId, source: c.sourceId, retryCount: job.retryCount, err: errorFields(error) }, 'connection sync failed; retrying later');
    await getDb().execute(sql`
      UPDATE connections SET status = 'error', last_error = ${lastErrorFor(error)},
        sync_requested_at = ${isFinal ? null : sql`sync_requested_at`}, updated_at = now()
      WHERE ${owned(c)}`);
    // Out of retries: the queue gives this job up; the connection is tried again at the next interval.
    if (isFinal) await queueNextSync(registration.queue, connectionId, SYNC_INTERVAL_SECONDS);
    throw error; // the queue retries it after a backoff
  }
}

/** The sync job's handler, for work() and runDueJobs(). */
export function syncHandler(options: SyncOptions = {}) {
  return (job: Job<SyncJobData>) => runSync(job, options);
}

/**
 * Start this server's sync workers: each provider's queue with its concurrency. Before that, any
 * live connection of a synced source without a sync queued gets one (due now if a sync was asked
 * for, else at the next interval): installations upgraded from the row-based queue, seeded demo
 * connections, and a request whose enqueue was lost to a crash between its commit and the enqueue.
 */
export async function startSyncWorkers(options: SyncOptions & { queueMissing?: boolean } = {}): Promise<void> {
  await startJobs();
  if (options.queueMissing !== false) await queueMissingSyncs();
  for (const { queue, concurrency } of syncQueues()) await work(queue, { concurrency }, syncHandler(options));
}

/**
 * Queue a sync for every live, synced connection that has none queued or running; returns how
 * many. `humanId` limits it to one user's connections (tests share one database).
 */
export async function queueMissingSyncs(options: { humanId?: string } = {}): Promise<number> {
  const rows = (await getDb().execute<{ id: number; source_id: string; requested: boolean }>(sql`
    SELECT c.id::int AS id, c.source_id, c.sync_requested_at IS NOT NULL AS requested
    FROM connections c JOIN users u ON u.id = c.user_id
    WHERE c.status <> 'disconnected' AND u.deleted_at IS NULL
      ${options.humanId === undefined ? sql`` : sql`AND u.human_id = ${options.humanId}`}`)).rows;
  let queued = 0;
  for (const queue of new Set(rows.map((r) => syncRegistration(r.source_id)?.queue).filter((q) => q !== undefined))) {
    const have = new Set((await unfinishedJobs(queue)).map((j) => Number(j.data.connectionId)));
    for (const row of rows) {
      if (syncRegistration(row.source_id)?.queue !== queue || have.has(Number(row.id))) continue;
      await queueNextSync(queue, Number(row.id), row.requested ? 0 : SYNC_INTERVAL_SECONDS);
      queued++;
    }
  }
  return queued;
}

/** Run every due sync here until none is due; returns how many ran. For tests and tools. */
export async function drainSyncQueue(options: SyncOptions = {}): Promise<number> {
  let ran = 0;
  for (;;) {
    let now = 0;
    for (const { queue } of syncQueues()) now += await runDueJobs(queue, syncHandler(options));
    if (now === 0) return ran;
    ran += now;
  }
}

/**
 * Run due syncs until none of them is due or running (anywhere), waiting for those another worker
 * holds. For tests: `humanId` limits the wait to that user's connections.
 */
export async function waitForSyncs(options: SyncOptions & { humanId?: string; timeoutMs?: number } = {}): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  for (;;) {
    await drainSyncQueue(options);
    const mine = options.humanId === undefined ? null : new Set((await getDb().execute<{ id: number }>(sql`
      SELECT c.id::int AS id FROM connections c JOIN users u ON u.id = c.user_id WHERE u.human_id = ${options.humanId}`)).rows.map((r) => Number(r.id)));
    let pending = 0;
    for (const { queue } of syncQueues()) {
      pending += (await unfinishedJobs(queue)).filter((j) =>
        (j.state === 'active' || j.startAfter.getTime() <= Date.now()) && (!mine || mine.has(Number(j.data.connectionId)))).length;
    }
    if (pending === 0) return;
    if (Date.now() > deadline) throw new Error('waitForSyncs: syncs still pending after the timeout');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
