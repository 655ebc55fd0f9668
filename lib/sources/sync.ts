// The sync worker: a durable queue in `connections.sync_requested_at` (set on connect and "sync
// now"), run by one loop per server process. A job is claimed in a short transaction (FOR UPDATE
// SKIP LOCKED) by moving sync_requested_at forward to the end of a lease: until then no other
// worker — in this process or another server on the same PostgreSQL — takes it, and if the worker
// dies the job is simply due again when the lease ends. Readings go through ingestReadings like
// every other source's, in short batches.
import { sql, type SQL } from 'drizzle-orm';
import { operator } from '../auth/caller';
import { getDb } from '../db/client';
import { DomainError } from '../errors';
import { ingestReadings } from '../readings/ingest';
import { purgeConnectionStep } from '../users/purge';
import { errorFields, log } from '../log';
import { demoReadings, HISTORY_DAYS } from './demo/generator';

const DAY_MS = 86_400_000;
/** How long a claimed job is the claimant's alone; renewed between batches. */
export const SYNC_LEASE_MS = 2 * 60_000;
/** A later sync starts this long before the newest reading it has, in case of late arrivals. */
export const SYNC_OVERLAP_MS = 60 * 60_000;
/** Readings handed to ingestReadings at a time (it commits them in INGEST_BATCH transactions);
 * between these the lease is renewed and the job checks that its connection is still wanted. */
const READINGS_PER_STEP = 2_000;

export type SyncOptions = {
  /** The clock readings are generated up to (tests move it); the database's clock runs the queue. */
  now?: () => Date;
  leaseMs?: number;
  /** Only this user's connections (tests that must not run other tests' jobs). */
  humanId?: string;
  signal?: AbortSignal;
};

/** A claimed job: the connection as it was when claimed, and the lease that proves the claim. */
export type SyncJob = {
  connectionId: number;
  userId: number;
  sourceId: string;
  humanId: string;
  clientId: string;
  connectedSince: Date;
  historySyncedAt: Date | null;
  lastSyncAt: Date | null;
  newestReadingAt: Date | null;
  /** The end of the lease as stored in sync_requested_at (moved on by renewals). */
  lease: Date;
};

type JobRow = {
  connection_id: number; user_id: number; source_id: string; human_id: string; client_id: string;
  connected_since: string; history_synced_at: string | null; last_sync_at: string | null; newest_reading_at: string | null; lease: string;
};

const iso = (date: Date) => date.toISOString();
/** A timestamp as ISO 8601 text, whatever the driver's parsing of timestamps. */
const isoOf = (column: SQL) => sql`to_json(${column})#>>'{}'`;
const lease = (ms: number) => sql`date_trunc('milliseconds', now()) + ${Math.trunc(ms)} * interval '1 millisecond'`;

/**
 * Whether the row is still this job's: the same connection incarnation (a reconnect moves
 * connected_since), still syncing, and sync_requested_at within [lease, lease + leaseMs). A
 * "sync now" meanwhile adds a millisecond per request (see requestSync); another worker could only
 * have claimed the row after the lease ended, which puts its lease at least leaseMs later.
 */
const owned = (job: SyncJob, leaseMs: number) => sql`
  id = ${job.connectionId} AND status = 'syncing' AND connected_since = ${iso(job.connectedSince)}::timestamptz
  AND sync_requested_at >= ${iso(job.lease)}::timestamptz
  AND sync_requested_at < ${iso(job.lease)}::timestamptz + ${Math.trunc(leaseMs)} * interval '1 millisecond'`;

/** Claim the oldest due job (a demo source's live connection), or null when none is due. */
export async function claimSyncJob(options: SyncOptions = {}): Promise<SyncJob | null> {
  const leaseMs = options.leaseMs ?? SYNC_LEASE_MS;
  const result = await getDb().execute<JobRow>(sql`
    WITH pick AS (
      SELECT c.id, u.human_id, a.client_id
      FROM connections c
      JOIN sources s ON s.id = c.source_id
      JOIN users u ON u.id = c.user_id
      JOIN apps a ON a.id = u.app_id
      WHERE c.sync_requested_at <= now() AND c.status <> 'disconnected' AND s.kind = 'demo' AND u.deleted_at IS NULL
        ${options.humanId === undefined ? sql`` : sql`AND u.human_id = ${options.humanId}`}
      ORDER BY c.sync_requested_at, c.id
      LIMIT 1
      FOR UPDATE OF c SKIP LOCKED
    )
    UPDATE connections c SET sync_requested_at = ${lease(leaseMs)}, status = 'syncing', updated_at = now()
    FROM pick WHERE c.id = pick.id
    RETURNING c.id::int AS connection_id, c.user_id::int AS user_id, c.source_id, pick.human_id, pick.client_id,
      ${isoOf(sql`c.connected_since`)} AS connected_since, ${isoOf(sql`c.history_synced_at`)} AS history_synced_at,
      ${isoOf(sql`c.last_sync_at`)} AS last_sync_at, ${isoOf(sql`c.newest_reading_at`)} AS newest_reading_at,
      ${isoOf(sql`c.sync_requested_at`)} AS lease`);
  const row = result.rows[0];
  if (!row) return null;
  const date = (value: string | null) => (value === null ? null : new Date(value));
  return {
    connectionId: Number(row.connection_id),
    userId: Number(row.user_id),
    sourceId: row.source_id,
    humanId: row.human_id,
    clientId: row.client_id.trim(),
    connectedSince: date(row.connected_since)!,
    historySyncedAt: date(row.history_synced_at),
    lastSyncAt: date(row.last_sync_at),
    newestReadingAt: date(row.newest_reading_at),
    lease: date(row.lease)!,
  };
}

/** Extend the lease (keeping any "sync now" marks); false when the job is no longer this worker's. */
async function renewLease(job: SyncJob, leaseMs: number): Promise<boolean> {
  const result = await getDb().execute<{ lease: string }>(sql`
    UPDATE connections SET sync_requested_at = ${lease(leaseMs)} + (sync_requested_at - ${iso(job.lease)}::timestamptz)
    WHERE ${owned(job, leaseMs)}
    RETURNING ${isoOf(lease(leaseMs))} AS lease`);
  const row = result.rows[0];
  if (!row) return false;
  job.lease = new Date(row.lease);
  return true;
}

class JobGone extends Error {}

/** What the job writes: readings that became available in its window, through ingestReadings. */
async function runJob(job: SyncJob, options: Required<Pick<SyncOptions, 'now'>> & SyncOptions, leaseMs: number) {
  const to = options.now();
  const historyFrom = new Date(to.getTime() - HISTORY_DAYS * DAY_MS);
  const isFirst = job.historySyncedAt === null && job.lastSyncAt === null;
  const since = job.newestReadingAt ?? job.lastSyncAt;
  const from = isFirst || !since ? historyFrom : new Date(Math.max(historyFrom.getTime(), since.getTime() - SYNC_OVERLAP_MS));
  const step = async () => {
    if (options.signal?.aborted) throw options.signal.reason ?? new Error('stopped');
    if (!(await renewLease(job, leaseMs))) throw new JobGone();
  };

  if (isFirst) {
    // A first sync starts from nothing: a connection re-linked while the purger was still removing
    // its old rows gets them removed here (a no-op for a new one), as is a failed first attempt's.
    do await step();
    while ((await purgeConnectionStep(job.connectionId)) !== 'empty');
  }

  // Written as the operator: a job outlives the request that queued it (retries, restarts, another
  // server), so no request caller exists any more. The scope stays the connection's own: clientId
  // is its user's app, and ingestReadings checks the connection belongs to a live user of it.
  const readings = demoReadings(job.humanId, job.sourceId, { from, to });
  for (let start = 0; start < readings.length; start += READINGS_PER_STEP) {
    await step();
    await ingestReadings(operator, { clientId: job.clientId, connectionId: job.connectionId }, readings.slice(start, start + READINGS_PER_STEP));
  }
  const oldest = readings[0]?.ts ?? null;
  const newest = readings.reduce<Date | null>((max, r) => (max && max > r.ts ? max : r.ts), null);
  return { to, oldest, newest, written: readings.length };
}

/**
 * Claim and run one due job. 'synced' or 'failed' (the connection shows `error`, retried after a
 * backoff) when one ran; 'gone' when its connection was disconnected, re-linked or taken over
 * meanwhile; 'idle' when nothing is due.
 */
export async function syncOne(options: SyncOptions = {}): Promise<'synced' | 'failed' | 'gone' | 'idle'> {
  const leaseMs = options.leaseMs ?? SYNC_LEASE_MS;
  const job = await claimSyncJob(options);
  if (!job) return 'idle';
  const began = performance.now();
  try {
    const done = await runJob(job, { ...options, now: options.now ?? (() => new Date()) }, leaseMs);
    const finished = await getDb().execute(sql`
      UPDATE connections SET status = 'connected', last_error = NULL,
        last_sync_at = ${iso(done.to)}::timestamptz,
        history_synced_at = coalesce(history_synced_at, ${iso(done.to)}::timestamptz),
        oldest_reading_at = least(oldest_reading_at, ${done.oldest && iso(done.oldest)}::timestamptz),
        newest_reading_at = greatest(newest_reading_at, ${done.newest && iso(done.newest)}::timestamptz),
        -- Done, unless someone asked again while it ran: then it is due again at once.
        sync_requested_at = CASE WHEN sync_requested_at = ${iso(job.lease)}::timestamptz THEN NULL ELSE now() END,
        updated_at = now()
      WHERE ${owned(job, leaseMs)}`);
    if ((finished.rowCount ?? 0) === 0) return 'gone';
    log.info({ event: 'connection.synced', connectionId: job.connectionId, source: job.sourceId, readings: done.written, ms: Math.round(performance.now() - began) }, 'connection synced');
    return 'synced';
  } catch (error) {
    if (error instanceof JobGone) return 'gone';
    if (options.signal?.aborted) {
      // Stopping: hand the job back, due at once, for the next start or another server.
      await getDb().execute(sql`
        UPDATE connections SET status = CASE WHEN last_error IS NULL THEN 'connected'::connection_status ELSE 'error' END,
          sync_requested_at = now(), updated_at = now()
        WHERE ${owned(job, leaseMs)}`).catch(() => undefined);
      return 'gone';
    }
    log.error({ event: 'connection.sync_failed', connectionId: job.connectionId, source: job.sourceId, err: errorFields(error) }, 'connection sync failed; retrying later');
    // Retry sooner for a connection that worked a moment ago, later for one failing for long:
    // a quarter of the time since it last synced, between 30 seconds and an hour.
    await getDb().execute(sql`
      UPDATE connections SET status = 'error', last_error = ${lastErrorFor(error)},
        sync_requested_at = CASE WHEN sync_requested_at = ${iso(job.lease)}::timestamptz
          THEN now() + least(greatest((now() - coalesce(last_sync_at, connected_since)) / 4, interval '30 seconds'), interval '1 hour')
          ELSE now() END,
        updated_at = now()
      WHERE ${owned(job, leaseMs)}`).catch((e: unknown) => log.error({ err: errorFields(e) }, 'could not record a failed sync'));
    return 'failed';
  }
}

/** What the user is told about a failed sync: plain words, nothing internal. */
function lastErrorFor(error: unknown): string {
  if (error instanceof DomainError && error.kind !== 'unavailable') return `The sync failed: ${error.message} It will be retried.`;
  return 'The sync could not finish (the server was busy or unavailable). It will be retried.';
}

/** Run due jobs until none is left; returns how many ran. For tests and tools. */
export async function drainSyncQueue(options: SyncOptions = {}): Promise<number> {
  let ran = 0;
  while ((await syncOne(options)) !== 'idle') ran++;
  return ran;
}

/**
 * Run the queue until it is empty, waiting for jobs another worker holds a lease on (they end
 * or their lease does). For tests: `humanId` limits it to one user's connections.
 */
export async function waitForSyncs(options: SyncOptions & { timeoutMs?: number } = {}): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  for (;;) {
    await drainSyncQueue(options);
    const [pending] = (await getDb().execute<{ n: number }>(sql`
      SELECT count(*)::int AS n FROM connections c JOIN sources s ON s.id = c.source_id JOIN users u ON u.id = c.user_id
      WHERE c.sync_requested_at IS NOT NULL AND c.status <> 'disconnected' AND s.kind = 'demo' AND u.deleted_at IS NULL
        AND (c.status = 'syncing' OR c.sync_requested_at <= now())
        ${options.humanId === undefined ? sql`` : sql`AND u.human_id = ${options.humanId}`}`)).rows;
    if (!pending || Number(pending.n) === 0) return;
    if (Date.now() > deadline) throw new Error('waitForSyncs: syncs still pending after the timeout');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// Workers running in this process, woken when a sync is requested (the database still decides).
const sleepers = new Set<() => void>();

/** Tell this process's sync workers there may be work (connectSource, requestSync). */
export function wakeSyncWorker(): void {
  for (const wake of sleepers) wake();
}

export type SyncWorker = { stop(): Promise<void> };

/**
 * Sync in the background until stopped: job after job, then sleep until woken or `pollMs` passes
 * (which also picks up jobs requested through another server, retries after a backoff, and
 * leases a dead worker left behind). stop() ends the current job between batches and hands it back.
 */
export function startSyncWorker(options: { pollMs?: number; pauseMs?: number; leaseMs?: number } = {}): SyncWorker {
  const { pollMs = 3_000, pauseMs = 2, leaseMs = SYNC_LEASE_MS } = options;
  const stopping = new AbortController();
  let wake: (() => void) | undefined;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        sleepers.delete(done);
        wake = undefined;
        resolve();
      }
      wake = done;
      sleepers.add(done);
    });

  const loop = (async () => {
    while (!stopping.signal.aborted) {
      let outcome: Awaited<ReturnType<typeof syncOne>>;
      try {
        outcome = await syncOne({ leaseMs, signal: stopping.signal });
      } catch (error) {
        log.error({ event: 'connection.sync_failed', err: errorFields(error) }, 'the sync queue could not be read; retrying later');
        outcome = 'idle';
      }
      if (stopping.signal.aborted) break;
      await sleep(outcome === 'idle' ? pollMs : pauseMs);
    }
  })();

  return {
    async stop() {
      stopping.abort(new Error('the sync worker is stopping'));
      wake?.();
      await loop;
    },
  };
}
