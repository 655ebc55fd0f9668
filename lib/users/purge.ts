// The purger: removes deleted users' rows, and disconnected connections' rows, in short batches
// after deleteUser or disconnectSource has hidden them, so a user with millions of readings never
// holds the (single-threaded embedded) database for long. The queue is the database itself (users
// whose deleted_at is set; connections with status `disconnected`, found through the sync queue's
// partial index on sync_requested_at), so it survives restarts and any number of processes may
// purge side by side; nothing here is a source of truth.
import { sql } from 'drizzle-orm';
import { getDb, getPool } from '../db/client';
import { errorFields, log } from '../log';

/** Rows deleted per statement: small enough that one statement stays in the low milliseconds. */
export const PURGE_BATCH = 1_000;

/** What one step removed: a batch of readings or rollups, a connection, the user row; or nothing. */
export type PurgeStep = 'readings' | 'rollups' | 'connection' | 'user' | 'idle';

/**
 * Run `statement` after `SET LOCAL enable_seqscan = off`, both in one simple-protocol message (one
 * implicit transaction, one round trip: the embedded engine's other clients wait for no more).
 * A batch is found through the index on user_id and deleted by row address; without statistics
 * (the embedded engine runs no ANALYZE by itself) the planner may scan the whole table with the
 * address list as a filter instead (measured: ~90 ms per rollups batch), so keep it on the index.
 * Values are inlined, hence integers only. Returns the statement's row count.
 */
async function deleteOnIndex(statement: string): Promise<number> {
  const results = (await getPool().query(`SET LOCAL enable_seqscan = off; ${statement}`)) as unknown as { rowCount: number | null }[];
  return results.at(-1)?.rowCount ?? 0;
}

/**
 * Delete a batch of the readings, else of the rollups, of connection `connectionId`; 'empty' when
 * it has neither. Both are found through indexes that lead with connection_id (the idempotency
 * key of readings, the primary key of rollups). With `onlyIfDisconnected`, the batch is empty
 * unless the connection is still disconnected: a reconnect stops its purge at once.
 */
export async function purgeConnectionStep(
  connectionId: number,
  options: { batch?: number; onlyIfDisconnected?: boolean } = {},
): Promise<'readings' | 'rollups' | 'empty'> {
  const [id, limit] = [Math.trunc(connectionId), Math.trunc(options.batch ?? PURGE_BATCH)];
  if (!Number.isSafeInteger(id) || !(limit > 0)) throw new Error('purgeConnectionStep: bad connection id or batch');
  const guard = options.onlyIfDisconnected
    ? ` AND EXISTS (SELECT 1 FROM connections WHERE id = ${id} AND status = 'disconnected')`
    : '';
  if (await deleteOnIndex(`DELETE FROM readings WHERE ctid = ANY(ARRAY(SELECT ctid FROM readings WHERE connection_id = ${id}${guard} LIMIT ${limit}))`)) {
    return 'readings';
  }
  if (await deleteOnIndex(`DELETE FROM reading_rollups WHERE ctid = ANY(ARRAY(SELECT ctid FROM reading_rollups WHERE connection_id = ${id}${guard} LIMIT ${limit}))`)) {
    return 'rollups';
  }
  return 'empty';
}

/**
 * One short step of purging: of the oldest deleted user, a batch of its readings, else of its
 * rollups, else one of its connections, else the user row itself (with any Connect sessions);
 * without one, the same for the oldest disconnected connection (its readings, rollups, then the
 * row). 'idle' when nothing is left to purge.
 */
export async function purgeStep(batch = PURGE_BATCH): Promise<PurgeStep> {
  const [next] = (await getDb().execute<{ id: number }>(sql`
    SELECT id::int AS id FROM users WHERE deleted_at IS NOT NULL ORDER BY deleted_at, id LIMIT 1`)).rows;
  if (!next) return purgeDisconnectedStep(batch);
  const [id, limit] = [Number(next.id), Math.trunc(batch)];
  if (!Number.isSafeInteger(id) || !(limit > 0)) throw new Error('purgeStep: bad user id or batch');
  // Every batch starts at the user's first index entry: the scan steps over the entries deleted
  // before (until a VACUUM) and marks them dead in the index, so the next scans skip them cheaply.
  // A cursor was tried: entries behind it were never marked, and the last look from the start then
  // checked a million of them in one statement (a 770 ms stall).
  if (await deleteOnIndex(`DELETE FROM readings WHERE ctid = ANY(ARRAY(SELECT ctid FROM readings WHERE user_id = ${id} LIMIT ${limit}))`)) {
    return 'readings';
  }
  if (await deleteOnIndex(`DELETE FROM reading_rollups WHERE ctid = ANY(ARRAY(SELECT ctid FROM reading_rollups WHERE user_id = ${id} LIMIT ${limit}))`)) {
    return 'rollups';
  }
  // One connection per step: deleting it makes the database check (by index) that no reading or
  // rollup still refers to it. That check still steps over the deleted readings' index entries
  // until a VACUUM: the longest step, ~95 ms for a million readings on the embedded engine.
  const connection = await getDb().execute(sql`
    DELETE FROM connections WHERE id = (SELECT id FROM connections WHERE user_id = ${id} LIMIT 1)`);
  if ((connection.rowCount ?? 0) > 0) return 'connection';
  // Its connections are gone and so are its readings: the cascade (Connect sessions) is small.
  const gone = await getDb().execute(sql`DELETE FROM users WHERE id = ${id} AND deleted_at IS NOT NULL`);
  if ((gone.rowCount ?? 0) > 0) log.info({ event: 'user.purged', userId: id }, 'deleted user purged');
  return 'user';
}

/** One step of purging the oldest disconnected connection (see purgeStep). */
async function purgeDisconnectedStep(batch: number): Promise<PurgeStep> {
  // Disconnecting leaves sync_requested_at set, so the queue's partial index finds these rows.
  const [next] = (await getDb().execute<{ id: number }>(sql`
    SELECT id::int AS id FROM connections
    WHERE sync_requested_at IS NOT NULL AND status = 'disconnected'
    ORDER BY sync_requested_at, id LIMIT 1`)).rows;
  if (!next) return 'idle';
  const id = Number(next.id);
  const step = await purgeConnectionStep(id, { batch, onlyIfDisconnected: true });
  if (step !== 'empty') return step;
  // Reconnected meanwhile: the row stays (and the purge of it ends here). Else the cascade
  // removes only what a sync still running for it may have written since the last batch.
  const gone = await getDb().execute(sql`DELETE FROM connections WHERE id = ${id} AND status = 'disconnected'`);
  if ((gone.rowCount ?? 0) > 0) log.info({ event: 'connection.purged', connectionId: id }, 'disconnected connection purged');
  return 'connection';
}

/** Purge until nothing is left to purge (tests, the CLI); returns how many steps it took. */
export async function purgeAll(batch = PURGE_BATCH): Promise<number> {
  let steps = 0;
  while ((await purgeStep(batch)) !== 'idle') steps++;
  return steps;
}

// Purgers running in this process, woken when a user is deleted (the database still decides).
const sleepers = new Set<() => void>();

/** Tell this process's purgers that there is work (deleteUser calls it after committing). */
export function wakePurger(): void {
  for (const wake of sleepers) wake();
}

export type Purger = { stop(): Promise<void> };

/**
 * Purge in the background until stopped: a batch, then a short pause so other clients' queries
 * run between batches; when idle, sleep until woken by wakePurger or `idleMs` passes (which also
 * picks up users deleted by another process or before a restart).
 */
export function startPurger(options: { idleMs?: number; pauseMs?: number; batch?: number } = {}): Purger {
  const { idleMs = 30_000, pauseMs = 2, batch = PURGE_BATCH } = options;
  let stopped = false;
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
    while (!stopped) {
      let step: PurgeStep;
      try {
        step = await purgeStep(batch);
      } catch (error) {
        log.error({ event: 'user.purge_failed', err: errorFields(error) }, 'purging deleted users failed; retrying later');
        step = 'idle';
      }
      if (stopped) break;
      await sleep(step === 'idle' ? idleMs : pauseMs);
    }
  })();

  return {
    async stop() {
      stopped = true;
      wake?.();
      await loop;
    },
  };
}
