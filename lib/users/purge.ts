// The purger: removes deleted users' rows in short batches after deleteUser has hidden them, so a
// user with millions of readings never holds the (single-threaded embedded) database for long.
// The queue is the database itself (users whose deleted_at is set), so it survives restarts and
// any number of processes may purge side by side; nothing here is a source of truth.
import { sql } from 'drizzle-orm';
import { getDb, type Queryable } from '../db/client';
import { errorFields, log } from '../log';

/** Rows deleted per statement: small enough that one statement stays in the low milliseconds. */
export const PURGE_BATCH = 2_000;

export type PurgeStep = 'worked' | 'idle';

/**
 * One short statement of purging: a batch of the oldest deleted user's readings, else of its
 * rollups, else the user row itself (its connections and any Connect sessions, now small, go with
 * it by cascade). 'idle' when no deleted user is left.
 */
export async function purgeStep(db: Queryable = getDb(), batch = PURGE_BATCH): Promise<PurgeStep> {
  const [next] = (await db.execute<{ id: number }>(sql`
    SELECT id::int AS id FROM users WHERE deleted_at IS NOT NULL ORDER BY deleted_at, id LIMIT 1`)).rows;
  if (!next) return 'idle';
  // ctid lists make each batch a TID scan after one index range read (user_id leads both indexes).
  const readings = await db.execute(sql`
    DELETE FROM readings WHERE ctid = ANY(ARRAY(SELECT ctid FROM readings WHERE user_id = ${next.id} LIMIT ${batch}))`);
  if ((readings.rowCount ?? 0) > 0) return 'worked';
  const rollups = await db.execute(sql`
    DELETE FROM reading_rollups WHERE ctid = ANY(ARRAY(SELECT ctid FROM reading_rollups WHERE user_id = ${next.id} LIMIT ${batch}))`);
  if ((rollups.rowCount ?? 0) > 0) return 'worked';
  const gone = await db.execute(sql`DELETE FROM users WHERE id = ${next.id} AND deleted_at IS NOT NULL`);
  if ((gone.rowCount ?? 0) > 0) log.info({ event: 'user.purged', userId: next.id }, 'deleted user purged');
  return 'worked';
}

/** Purge until no deleted user is left (tests, the CLI); returns how many steps it took. */
export async function purgeAll(db: Queryable = getDb(), batch = PURGE_BATCH): Promise<number> {
  let steps = 0;
  while ((await purgeStep(db, batch)) === 'worked') steps++;
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
        step = await purgeStep(getDb(), batch);
      } catch (error) {
        log.error({ event: 'user.purge_failed', err: errorFields(error) }, 'purging deleted users failed; retrying later');
        step = 'idle';
      }
      if (stopped) break;
      await sleep(step === 'worked' ? pauseMs : idleMs);
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
