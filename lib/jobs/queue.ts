// The durable job queue: pg-boss 10 in the application's own database (its tables in their own
// schema, `pgboss`), over the application's node-postgres pool. The one module that knows pg-boss:
// features enqueue jobs and register handlers here; storage, claims (FOR UPDATE SKIP LOCKED),
// singleton policies, retries with backoff, expiry of abandoned jobs and archiving are pg-boss's.
//
// Configured for the embedded engine's one shared session (../shared/NOTES.md): pg-boss runs every
// statement through our pool's executeSql (unnamed statements only, never `name:`); it takes only
// transaction-scoped advisory locks and sets only `SET LOCAL` inside its own BEGIN…COMMIT; it uses
// no LISTEN. Its cron timekeeper (`schedule`) and its own maintenance/monitor timers are off: this
// module runs maintenance itself, only in processes that run workers (startJobs), so a process
// that merely enqueues (a CLI, a test) leaves no timers behind. The run loop is ours (fetch → run →
// complete/fail), so stopping can hand a running job back due at once, and tests can drain a queue.
// A few statements touch pg-boss 10's tables directly (fetch, renew, hand back, expedite): pg-boss
// is pinned exactly (10.4.2; 11 needs Node 22) and queue.test.ts covers each of them.
import PgBoss from 'pg-boss';
import { getPool } from '../db/client';
import { errorFields, log } from '../log';
import { processWide } from '../process-wide';

export type JobOptions = {
  /** At most one job per key and queue in each state (queued, running) on `stately` queues. */
  singletonKey?: string;
  startAfterSeconds?: number;
  retryLimit?: number;
  retryDelaySeconds?: number;
  retryBackoff?: boolean;
  /** How long a run may hold the job before it counts as abandoned (renewable: see Job.renew). */
  expireInSeconds?: number;
};

/** Sync runs on one queue per provider (`sync-demo`, `sync-fitbit`, …) so each has its own limit. */
export type QueueName = 'webhook-delivery' | 'apple-health-import' | `sync-${string}`;

/** What a handler is given: the job, and the means to keep and check its claim. */
export type Job<T> = {
  id: string;
  data: T;
  /** 0 on the first run, then how many runs failed or were abandoned before this one. */
  retryCount: number;
  retryLimit: number;
  /** Aborted when this process stops its jobs: end soon and throw (the job is handed back). */
  signal: AbortSignal;
  /**
   * Extend this run's claim by the queue's expiry from now; false when the job is no longer this
   * run's (it expired and another run took it, or it was cancelled): the handler must stop.
   */
  renew(): Promise<boolean>;
};

export type JobHandler<T> = (job: Job<T>) => Promise<void>;

/** Thrown by a handler: run the job again after `delayMs` without counting a failed attempt (a 429). */
export class RetryLater extends Error {
  constructor(readonly delayMs: number, message = 'retry later') {
    super(message);
    this.name = 'RetryLater';
  }
}

type QueueSettings = { policy: 'standard' | 'short' | 'singleton' | 'stately'; retryLimit: number; retryDelay: number; retryBackoff: boolean; expireInSeconds: number };

/**
 * Each queue's policy and defaults (a job's own JobOptions take precedence). Sync queues are
 * `stately`: per singletonKey (the connection) at most one job queued and one running, so a
 * connection is never synced twice at once and any number of requests queue one run.
 */
function settingsFor(queue: QueueName): QueueSettings {
  if (queue.startsWith('sync-')) return { policy: 'stately', retryLimit: 8, retryDelay: 30, retryBackoff: true, expireInSeconds: 5 * 60 };
  return { policy: 'standard', retryLimit: 5, retryDelay: 30, retryBackoff: true, expireInSeconds: 15 * 60 };
}

export type StartOptions = {
  /** pg-boss's schema; tests give each file its own so one file's drains never run another's jobs. */
  schema?: string;
  /** How often abandoned jobs are expired into retries and old ones archived (seconds). */
  maintenanceIntervalSeconds?: number;
  /** How often idle workers look for due jobs (another server's, retries, startAfter). */
  pollIntervalMs?: number;
};

type Runtime = {
  boss: PgBoss;
  schema: string;
  queues: Map<string, Promise<void>>;
  stopping: AbortController;
  loops: Set<Promise<void>>;
  wakers: Map<string, Set<() => void>>;
  maintenance?: NodeJS.Timeout;
  pollIntervalMs: number;
  running: boolean;
};

// Once per process although Next.js loads this module again in its own chunks (lib/process-wide.ts):
// a portal action's enqueue wakes the server's workers, and there is one pg-boss.
const holder = processWide('jobs', (): { runtime?: Promise<Runtime>; options?: StartOptions } => ({}));
const SCHEMA = /^[a-z_][a-z0-9_]{0,62}$/;

async function open(options: StartOptions): Promise<Runtime> {
  const schema = options.schema ?? 'pgboss';
  if (!SCHEMA.test(schema)) throw new Error(`Invalid job queue schema name: ${schema}`);
  const boss = new PgBoss({
    // Our pool: its sessions carry statement_timeout, and on the embedded engine its statements are
    // unnamed; pg-boss's own Db would open a second pool with neither.
    db: { executeSql: (text: string, values: unknown[]) => getPool().query(text, values) },
    schema,
    // pg-boss creates and upgrades its own schema under its own advisory lock (see README).
    migrate: true,
    supervise: false,
    schedule: false,
    // Finished jobs leave the job table after an hour and the archive after two days: every
    // connection finishes a sync an hour, and maintenance moves them in single statements that the
    // single-threaded embedded engine runs while everyone else waits, so keep those small.
    archiveCompletedAfterSeconds: 60 * 60,
    deleteAfterDays: 2,
  });
  boss.on('error', (error: unknown) => log.error({ event: 'jobs.error', err: errorFields(error) }, 'job queue error'));
  await boss.start();
  return {
    boss, schema, queues: new Map(), stopping: new AbortController(), loops: new Set(), wakers: new Map(),
    pollIntervalMs: options.pollIntervalMs ?? 2_000, running: false,
  };
}

/** pg-boss, started in this process (idempotent): the schema exists, nothing runs yet. */
async function runtime(options: StartOptions = {}): Promise<Runtime> {
  // The options a process started with hold until it starts with others (after stopJobs).
  if (!holder.runtime) holder.options = { ...holder.options, ...options };
  holder.runtime ??= open(holder.options ?? {}).catch((error: unknown) => {
    holder.runtime = undefined;
    throw error;
  });
  const rt = await holder.runtime;
  if (options.schema !== undefined && options.schema !== rt.schema) {
    throw new Error(`The job queue runs on schema ${rt.schema} already; stopJobs() before starting it on ${options.schema}.`);
  }
  return rt;
}

async function ensureQueue(rt: Runtime, queue: QueueName): Promise<void> {
  let created = rt.queues.get(queue);
  if (!created) {
    const s = settingsFor(queue);
    created = rt.boss.createQueue(queue, { name: queue, policy: s.policy, retryLimit: s.retryLimit, retryDelay: s.retryDelay, retryBackoff: s.retryBackoff, expireInSeconds: s.expireInSeconds });
    created.catch(() => rt.queues.delete(queue));
    rt.queues.set(queue, created);
  }
  await created;
}

/**
 * Start the queue in this process (idempotent): pg-boss's schema created or upgraded, abandoned
 * jobs expired into retries now and then every `maintenanceIntervalSeconds`. Workers start with work().
 */
export async function startJobs(options: StartOptions = {}): Promise<void> {
  const rt = await runtime(options);
  if (rt.running) return;
  rt.running = true;
  const maintain = () => rt.boss.maintain().catch((error: unknown) => log.warn({ event: 'jobs.maintenance_failed', err: errorFields(error) }, 'job queue maintenance failed'));
  // A job a stopped server was running comes back here when its claim has run out.
  await maintain();
  rt.maintenance = setInterval(maintain, (holder.options?.maintenanceIntervalSeconds ?? 60) * 1000);
  rt.maintenance.unref();
}

/** Expire abandoned runs into retries (and archive old jobs) now: what startJobs does periodically. */
export async function maintainJobs(): Promise<void> {
  const rt = await runtime();
  await rt.boss.maintain();
}

/**
 * Stop this process's workers: running handlers see their signal abort, and a job whose handler
 * ends by throwing then is handed back, due at once, without counting an attempt. Resolves when
 * every run has ended. startJobs() may be called again afterwards.
 */
export async function stopJobs(): Promise<void> {
  const pending = holder.runtime;
  if (!pending) return;
  holder.runtime = undefined;
  const rt = await pending.catch(() => undefined);
  if (!rt) return;
  rt.stopping.abort(new Error('the job queue is stopping'));
  for (const set of rt.wakers.values()) for (const wake of set) wake();
  clearInterval(rt.maintenance);
  await Promise.allSettled([...rt.loops]);
  await rt.boss.stop({ graceful: false, close: false });
}

/**
 * Queue a job; its id, or null when the queue's policy refused it (a stately queue already holds
 * a queued job with this singletonKey: that one will run, see expedite()).
 */
export async function enqueue(queue: QueueName, data: Record<string, unknown>, options: JobOptions = {}): Promise<string | null> {
  const rt = await runtime();
  await ensureQueue(rt, queue);
  const id = await rt.boss.send(queue, data, {
    ...(options.singletonKey !== undefined && { singletonKey: options.singletonKey }),
    ...(options.startAfterSeconds !== undefined && { startAfter: Math.max(0, Math.ceil(options.startAfterSeconds)) }),
    ...(options.retryLimit !== undefined && { retryLimit: options.retryLimit }),
    ...(options.retryDelaySeconds !== undefined && { retryDelay: options.retryDelaySeconds }),
    ...(options.retryBackoff !== undefined && { retryBackoff: options.retryBackoff }),
    ...(options.expireInSeconds !== undefined && { expireInSeconds: options.expireInSeconds }),
  });
  if (id && !options.startAfterSeconds) wake(rt, queue);
  return id;
}

/**
 * Make the queued job with this singletonKey due now (one waiting for its startAfter or for a
 * retry's backoff). True when one is queued (now due), false when none is.
 */
export async function expedite(queue: QueueName, singletonKey: string): Promise<boolean> {
  const rt = await runtime();
  await ensureQueue(rt, queue);
  const result = await getPool().query(
    `UPDATE ${rt.schema}.job SET start_after = least(start_after, now())
     WHERE name = $1 AND singleton_key = $2 AND state < 'active' RETURNING id`,
    [queue, singletonKey],
  );
  if ((result.rowCount ?? 0) > 0) wake(rt, queue);
  return (result.rowCount ?? 0) > 0;
}

export type QueuedJob = { id: string; state: string; startAfter: Date; retryCount: number; data: Record<string, unknown> };

/** The jobs of a queue not finished yet (queued, waiting to retry, running), oldest first. For status and tests. */
export async function unfinishedJobs(queue: QueueName, options: { singletonKey?: string } = {}): Promise<QueuedJob[]> {
  const rt = await runtime();
  await ensureQueue(rt, queue);
  const result = await getPool().query<{ id: string; state: string; start_after: Date; retry_count: number; data: Record<string, unknown> }>(
    `SELECT id, state::text, start_after, retry_count, data FROM ${rt.schema}.job
     WHERE name = $1 AND state < 'completed' AND ($2::text IS NULL OR singleton_key = $2)
     ORDER BY created_on, id`,
    [queue, options.singletonKey ?? null],
  );
  return result.rows.map((r) => ({ id: r.id, state: r.state, startAfter: new Date(r.start_after), retryCount: Number(r.retry_count), data: r.data }));
}

function wake(rt: Runtime, queue: string) {
  for (const w of rt.wakers.get(queue) ?? []) w();
}

type Fetched = { id: string; data: unknown; retryCount: number; retryLimit: number; expireInSeconds: number };

/**
 * Claim the queue's next due job, or null. pg-boss 10's own fetch, plus one condition: on
 * singleton/stately queues it skips jobs whose key has a job running. (pg-boss's own fetch tries
 * to start such a job, fails on the policy's unique index and reports the whole queue empty until
 * the running job ends: one connection queued behind its own running sync would stall every other
 * connection's sync on that queue.)
 */
async function fetchOne(rt: Runtime, queue: QueueName): Promise<Fetched | null> {
  try {
    const result = await getPool().query<Fetched>(
      `WITH next AS (
         SELECT j.id FROM ${rt.schema}.job j
         -- <=: a job made due with now() (expedite) is due within the same clock tick (PGlite's clock
         -- can read the same instant in both statements).
         WHERE j.name = $1 AND j.state < 'active' AND j.start_after <= now()
           AND (coalesce(j.policy, 'standard') NOT IN ('singleton', 'stately') OR NOT EXISTS (
             SELECT 1 FROM ${rt.schema}.job a
             WHERE a.name = $1 AND a.state = 'active' AND a.policy = j.policy
               AND coalesce(a.singleton_key, '') = coalesce(j.singleton_key, '')))
         ORDER BY j.priority DESC, j.created_on, j.id
         LIMIT 1
         FOR UPDATE SKIP LOCKED)
       UPDATE ${rt.schema}.job j SET state = 'active', started_on = now(),
         retry_count = CASE WHEN j.started_on IS NOT NULL THEN j.retry_count + 1 ELSE j.retry_count END
       FROM next WHERE j.name = $1 AND j.id = next.id
       RETURNING j.id, j.data, j.retry_count AS "retryCount", j.retry_limit AS "retryLimit",
         extract(epoch FROM j.expire_in)::float8 AS "expireInSeconds"`,
      [queue],
    );
    return result.rows[0] ?? null;
  } catch (error) {
    // Two workers took the two waiting jobs of one key at the same moment: the policy refused the
    // second (unique index), which stays queued.
    if ((error as { code?: string }).code === '23505') return null;
    throw error;
  }
}

/** Put a claimed job back in the queue, due after `delayMs`, without counting a failed attempt. */
async function handBack(rt: Runtime, queue: QueueName, job: Fetched, delayMs: number): Promise<void> {
  try {
    // started_on NULL: the next fetch does not count this run as a retry.
    await getPool().query(
      `UPDATE ${rt.schema}.job SET state = 'retry', started_on = NULL,
         start_after = now() + $4 * interval '1 millisecond'
       WHERE name = $1 AND id = $2 AND state = 'active' AND retry_count = $3`,
      [queue, job.id, job.retryCount, Math.max(0, Math.round(delayMs))],
    );
  } catch (error) {
    // A stately queue already holds a waiting job for this key: that one runs instead.
    if ((error as { code?: string }).code !== '23505') throw error;
    await rt.boss.complete(queue, job.id);
  }
}

async function runFetched<T>(rt: Runtime, queue: QueueName, job: Fetched, handler: JobHandler<T>, signal: AbortSignal): Promise<void> {
  const expireIn = Math.max(1, Math.round(job.expireInSeconds));
  const renew = async () => {
    // The claim is the run's retry_count on an active row: a run that expired and was taken again
    // has a higher one.
    const result = await getPool().query(
      `UPDATE ${rt.schema}.job SET expire_in = (now() - started_on) + $4 * interval '1 second'
       WHERE name = $1 AND id = $2 AND state = 'active' AND retry_count = $3`,
      [queue, job.id, job.retryCount, expireIn],
    );
    return (result.rowCount ?? 0) > 0;
  };
  try {
    await handler({ id: job.id, data: job.data as T, retryCount: job.retryCount, retryLimit: job.retryLimit, signal, renew });
    await rt.boss.complete(queue, job.id);
  } catch (error) {
    if (error instanceof RetryLater) return handBack(rt, queue, job, error.delayMs);
    if (signal.aborted) return handBack(rt, queue, job, 0);
    log.warn({ event: 'jobs.failed', queue, jobId: job.id, retryCount: job.retryCount, err: errorFields(error) }, 'job failed');
    // Only the kind and message are kept in the job's row (a retry's backoff follows from the queue).
    const failure = error instanceof Error ? { name: error.name, message: error.message } : { message: String(error) };
    await rt.boss.fail(queue, job.id, failure);
  }
}

/**
 * Run `handler` for the queue's jobs in this process, `concurrency` at a time, until stopJobs().
 * Idle workers wake on enqueue() in this process, else every pollIntervalMs.
 */
export async function work<T>(queue: QueueName, options: { concurrency?: number }, handler: JobHandler<T>): Promise<void> {
  await startJobs();
  const rt = await runtime();
  await ensureQueue(rt, queue);
  const signal = rt.stopping.signal;
  for (let i = 0; i < Math.max(1, options.concurrency ?? 1); i++) {
    const loop = (async () => {
      while (!signal.aborted) {
        let job: Fetched | null = null;
        try {
          job = await fetchOne(rt, queue);
          if (job) await runFetched(rt, queue, job, handler, signal);
        } catch (error) {
          log.error({ event: 'jobs.worker_error', queue, err: errorFields(error) }, 'job worker error; continuing');
        }
        if (!job && !signal.aborted) await sleep(rt, queue, rt.pollIntervalMs);
      }
    })();
    rt.loops.add(loop);
    void loop.finally(() => rt.loops.delete(loop));
  }
}

function sleep(rt: Runtime, queue: string, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const set = rt.wakers.get(queue) ?? new Set();
    rt.wakers.set(queue, set);
    const done = () => {
      clearTimeout(timer);
      set.delete(done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    set.add(done);
  });
}

/**
 * Run the queue's due jobs here, one after another, until none is due; returns how many ran. For
 * tests and tools (the server uses work()). Jobs that fail are left to pg-boss's retry and backoff.
 */
export async function runDueJobs<T>(queue: QueueName, handler: JobHandler<T>, options: { signal?: AbortSignal } = {}): Promise<number> {
  const rt = await runtime();
  await ensureQueue(rt, queue);
  const signal = options.signal ?? new AbortController().signal;
  let ran = 0;
  for (;;) {
    if (signal.aborted) return ran;
    const job = await fetchOne(rt, queue);
    if (!job) return ran;
    await runFetched(rt, queue, job, handler, signal);
    ran++;
  }
}
