// Apple Health export imports: an uploaded export.zip is streamed to a file under the data folder
// (never held in memory, capped in size), checked, and recorded as an import of a connection of the
// user to the `apple-health` source; a job then reads it (lib/sources/apple-health/parse.ts) into
// readings batch by batch, recording progress as it goes. An import that stopped part way (a
// restart, a lost database) is run again from the start: every reading is an idempotent upsert by
// a stable id, so what the first run wrote is rewritten, not duplicated.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadable } from 'node:stream/web';
import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import { operator, type Caller } from '../../auth/caller';
import { config } from '../../config';
import { getDb } from '../../db/client';
import { imports, users } from '../../db/schema';
import { DomainError, invalidInput, notFound } from '../../errors';
import { enqueue, RetryLater, runDueJobs, startJobs, unfinishedJobs, work, type Job } from '../../jobs/queue';
import { errorFields, log } from '../../log';
import { announceReadings } from '../../webhooks/events';
import { ingestReadings } from '../../readings/ingest';
import { availableSources, connectSource, userIdFor } from '../connections';
import { checkExportZip, ExportFileError, parseExport, type ExportProgress } from './parse';

export const APPLE_HEALTH_SOURCE = 'apple-health';
/** Content types an upload may declare: browsers on Windows call a zip application/x-zip-compressed. */
export const ZIP_CONTENT_TYPES = ['application/zip', 'application/x-zip-compressed'];
/** How long a running import is its worker's without a sign of life (renewed after every batch). */
export const IMPORT_LEASE_MS = 60_000;
/** Runs of one import before it is given up as failed (a file that is not an export fails at once). */
export const MAX_IMPORT_ATTEMPTS = 5;
/** Readings handed to ingestReadings at a time; progress is recorded after each. */
const READINGS_PER_STEP = 2_000;

export type ImportStatus = 'queued' | 'running' | 'done' | 'failed';

/** What a caller sees of an import. */
export type ImportView = {
  id: string;
  humanId: string;
  source: string;
  status: ImportStatus;
  /** Size of the uploaded zip. */
  bytes: number;
  /** Share of export.xml read, 0 to 1 (1 once done). */
  progress: number;
  recordsSeen: number;
  recordsImported: number;
  recordsSkipped: number;
  /** Skipped records by HealthKit type (types Wearhouse does not store, time in bed, workouts…). */
  skippedTypes: Record<string, number>;
  readingsWritten: number;
  /** Of those, new readings, and readings that existed with other values (the rest were unchanged). */
  readingsInserted: number;
  readingsUpdated: number;
  error: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
};

export const importsFolder = () => path.join(config().dataDir, 'imports');
const fileOf = (importId: string) => path.join(importsFolder(), `${importId}.zip`);

const megabytes = (bytes: number) => (bytes >= 1024 ** 3 ? `${Math.round((bytes / 1024 ** 3) * 10) / 10} GB` : `${Math.round(bytes / 1024 ** 2)} MB`);
export const tooLarge = () =>
  new DomainError('payload_too_large', `The export is larger than ${megabytes(config().WEARHOUSE_IMPORT_MAX_BYTES)}, the most this server accepts.`);
export const notAZip = () =>
  new DomainError('unsupported_media_type', 'Send the export.zip of the Health app as the body, with Content-Type: application/zip.');

/** Whether a request's Content-Type names a zip (parameters ignored). */
export function isZipContentType(header: string | undefined): boolean {
  return ZIP_CONTENT_TYPES.includes((header ?? '').split(';')[0]!.trim().toLowerCase());
}

const isZipSignature = (head: Buffer) =>
  // PK\x03\x04 starts every zip with an entry; PK\x05\x06 an empty one (refused later: no export.xml).
  head[0] === 0x50 && head[1] === 0x4b && ((head[2] === 3 && head[3] === 4) || (head[2] === 5 && head[3] === 6));

/**
 * Stream a request body into `file`, at most `max` bytes, waiting for the disk as it goes. Past the
 * cap, or when the first bytes are not a zip's, it stops reading without cancelling the body: the
 * HTTP server then answers and discards the rest (lib/server/unread-body.ts), so the client reads
 * the 413 or 415 instead of a reset connection.
 */
async function saveUpload(body: ReadableStream<Uint8Array> | Readable, file: string, max: number): Promise<number> {
  const chunks: AsyncIterable<Uint8Array> = body instanceof Readable ? body : (body as WebReadable).values({ preventCancel: true });
  const out = fs.createWriteStream(file, { mode: 0o600 });
  const failed = new Promise<never>((_, reject) => out.once('error', reject));
  failed.catch(() => undefined);
  let bytes = 0;
  let head = Buffer.alloc(0);
  try {
    for await (const chunk of chunks) {
      bytes += chunk.length;
      if (bytes > max) throw tooLarge();
      if (head.length < 4) {
        head = Buffer.concat([head, chunk.subarray(0, 4 - head.length)]);
        if (head.length >= 4 && !isZipSignature(head)) throw notAZip();
      }
      if (!out.write(chunk)) await Promise.race([once(out, 'drain'), failed]);
    }
    if (bytes > 0 && head.length < 4) throw notAZip();
    await Promise.race([new Promise<void>((resolve) => out.end(resolve)), failed]);
    return bytes;
  } finally {
    // Closed before the caller removes the file: a stream still opening would create it afterwards.
    if (!out.closed) await new Promise<void>((resolve) => out.destroy().once('close', () => resolve()));
  }
}

/**
 * Receive an export.zip for the user `humanId` of app `clientId` and queue its import. The body is
 * streamed to disk: more than WEARHOUSE_IMPORT_MAX_BYTES → 413, not a zip → 415, a zip without an
 * export.xml → 400; nothing is recorded for a refused upload. The user is checked before a byte
 * is read. End users may import only when their app offers Apple Health. `schedule: false` records
 * the import without queueing its job (tests run it with runImport).
 */
export async function receiveExport(
  caller: Caller,
  target: { clientId: string; humanId: string },
  body: ReadableStream<Uint8Array> | Readable | null,
  declared: { contentType?: string; contentLength?: number } = {},
  options: { schedule?: boolean } = {},
): Promise<ImportView> {
  const { appId, userId } = await userIdFor(caller, target.clientId, target.humanId);
  if (caller.kind === 'end-user' && !(await availableSources(caller, target.clientId)).some((s) => s.id === APPLE_HEALTH_SOURCE)) {
    throw invalidInput('This app does not offer Apple Health imports.');
  }
  if (!isZipContentType(declared.contentType)) throw notAZip();
  const max = config().WEARHOUSE_IMPORT_MAX_BYTES;
  if (declared.contentLength !== undefined && declared.contentLength > max) throw tooLarge();
  if (!body) throw invalidInput('The request has no body: send the export.zip as the body.');

  const id = randomUUID();
  const partial = path.join(importsFolder(), `${id}.zip.part`);
  await fs.promises.mkdir(importsFolder(), { recursive: true, mode: 0o700 });
  let bytes = 0;
  try {
    bytes = await saveUpload(body, partial, max);
    if (bytes === 0) throw invalidInput('The request body is empty: send the export.zip as the body.');
    let exportXmlBytes: number;
    try {
      ({ exportXmlBytes } = await checkExportZip(partial));
    } catch (error) {
      if (error instanceof ExportFileError) throw invalidInput(error.message);
      throw error;
    }
    const connectionId = await connectSource(caller, target.clientId, target.humanId, APPLE_HEALTH_SOURCE);
    await fs.promises.rename(partial, fileOf(id));
    try {
      await getDb().insert(imports).values({
        id, appId, userId, connectionId, sourceId: APPLE_HEALTH_SOURCE, bytes, xmlBytes: exportXmlBytes,
      });
    } catch (error) {
      await fs.promises.rm(fileOf(id), { force: true });
      throw error;
    }
  } catch (error) {
    await fs.promises.rm(partial, { force: true });
    throw error;
  }
  log.info({ event: 'import.received', importId: id, bytes }, 'Apple Health export received');
  const queued = await getImport(caller, target, id);
  if (options.schedule !== false) await scheduleImport(id);
  return queued;
}

type ImportRow = typeof imports.$inferSelect;

const toView = (row: ImportRow, humanId: string): ImportView => ({
  id: row.id,
  humanId,
  source: row.sourceId,
  status: row.status,
  bytes: row.bytes,
  progress: row.status === 'done' ? 1 : row.xmlBytes > 0 ? Math.min(1, row.xmlBytesRead / row.xmlBytes) : 0,
  recordsSeen: row.recordsSeen,
  recordsImported: row.recordsImported,
  recordsSkipped: row.recordsSkipped,
  skippedTypes: row.skippedTypes,
  readingsWritten: row.readingsWritten,
  readingsInserted: row.readingsInserted,
  readingsUpdated: row.readingsUpdated,
  error: row.error,
  createdAt: row.createdAt,
  startedAt: row.startedAt,
  finishedAt: row.finishedAt,
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** One import of the user, if the caller may see the user (another app's or user's → NotFound). */
export async function getImport(caller: Caller, target: { clientId: string; humanId: string }, importId: string): Promise<ImportView> {
  const { userId } = await userIdFor(caller, target.clientId, target.humanId);
  if (!UUID.test(importId)) throw notFound(`No import ${importId}.`);
  const [row] = await getDb().select().from(imports).where(and(eq(imports.id, importId.toLowerCase()), eq(imports.userId, userId)));
  if (!row) throw notFound(`No import ${importId}.`);
  return toView(row, target.humanId);
}

/** The user's imports, newest first (at most `limit`). */
export async function listImports(caller: Caller, target: { clientId: string; humanId: string }, limit = 20): Promise<ImportView[]> {
  const { userId } = await userIdFor(caller, target.clientId, target.humanId);
  const rows = await getDb().select().from(imports).where(eq(imports.userId, userId)).orderBy(desc(imports.createdAt)).limit(limit);
  return rows.map((row) => toView(row, target.humanId));
}

// ---- Running an import -------------------------------------------------------------------------

type Claimed = { id: string; attempt: number; connectionId: number; userId: number; clientId: string; humanId: string; beganAt: Date };

/** Take an import that is queued, or running under a lease that ran out; null when none such. */
async function claim(importId: string): Promise<Claimed | 'busy' | null> {
  const result = await getDb().execute<{ id: string; attempts: number; connection_id: number; user_id: number; client_id: string; human_id: string; began_at: string }>(sql`
    UPDATE imports i SET status = 'running', attempts = i.attempts + 1, started_at = coalesce(i.started_at, now()),
      lease_until = now() + ${IMPORT_LEASE_MS} * interval '1 millisecond', error = NULL,
      xml_bytes_read = 0, records_seen = 0, records_imported = 0, records_skipped = 0, skipped_types = '{}'::jsonb,
      readings_written = 0, readings_inserted = 0, readings_updated = 0, updated_at = now()
    FROM users u JOIN apps a ON a.id = u.app_id
    WHERE i.id = ${importId} AND u.id = i.user_id AND u.deleted_at IS NULL
      AND (i.status = 'queued' OR (i.status = 'running' AND i.lease_until < now()))
      AND EXISTS (SELECT 1 FROM connections c WHERE c.id = i.connection_id AND c.status <> 'disconnected')
    RETURNING i.id, i.attempts, i.connection_id::int AS connection_id, i.user_id::int AS user_id, a.client_id, u.human_id,
      to_json(now())#>>'{}' AS began_at`);
  const row = result.rows[0];
  if (row) {
    return {
      id: row.id, attempt: Number(row.attempts), connectionId: Number(row.connection_id), userId: Number(row.user_id),
      clientId: row.client_id.trim(), humanId: row.human_id, beganAt: new Date(row.began_at),
    };
  }
  const [other] = await getDb().select({ status: imports.status }).from(imports).where(eq(imports.id, importId));
  return other?.status === 'running' ? 'busy' : null;
}

/** This run's row: the same attempt, still running. */
const ours = (job: Claimed) => sql`id = ${job.id} AND status = 'running' AND attempts = ${job.attempt}`;

class ImportGone extends Error {}

type Written = { count: number; inserted: number; updated: number };

async function recordProgress(job: Claimed, progress: ExportProgress, written: Written) {
  const result = await getDb().execute(sql`
    UPDATE imports SET xml_bytes_read = ${progress.bytesRead}, records_seen = ${progress.recordsSeen},
      records_imported = ${progress.recordsImported}, records_skipped = ${progress.recordsSkipped},
      skipped_types = ${JSON.stringify(progress.skippedByType)}::jsonb, readings_written = ${written.count},
      readings_inserted = ${written.inserted}, readings_updated = ${written.updated},
      lease_until = now() + ${IMPORT_LEASE_MS} * interval '1 millisecond', updated_at = now()
    WHERE ${ours(job)}
      -- Disconnecting Apple Health meanwhile stops the import: its readings are being removed.
      AND EXISTS (SELECT 1 FROM connections c WHERE c.id = ${job.connectionId} AND c.status <> 'disconnected')`);
  if ((result.rowCount ?? 0) === 0) throw new ImportGone();
}

export type RunImportOptions = {
  signal?: AbortSignal;
  batchSize?: number;
  /** Keep the queue's claim on the job (false: the job is no longer this run's). */
  renew?: () => Promise<boolean>;
};

/** How often a running import renews its job's claim with the queue. */
const RENEW_MS = 30_000;

/**
 * Run the import `importId`: read its file into readings and record the outcome. 'done' or
 * 'failed' (a file that is not an export, or too many attempts) when it ran; 'busy' when another
 * worker holds it (try later); 'gone' when there is nothing to run (finished, or its user deleted).
 * Other errors (a lost database) are thrown after handing the import back, for the queue to retry.
 */
export async function runImport(importId: string, options: RunImportOptions = {}): Promise<'done' | 'failed' | 'busy' | 'gone'> {
  const job = await claim(importId);
  if (job === 'busy') return 'busy';
  if (!job) {
    await removeFileUnlessPending(importId);
    return 'gone';
  }
  const began = performance.now();
  let newest: Date | null = null;
  let oldest: Date | null = null;
  const written: Written = { count: 0, inserted: 0, updated: 0 };
  let renewed = performance.now();
  /** The reading types written (what a webhook event about this import names). */
  const types = new Set<string>();
  await getDb().execute(sql`UPDATE connections SET status = 'syncing', last_error = NULL, updated_at = now() WHERE id = ${job.connectionId} AND status <> 'disconnected'`);
  try {
    const result = await parseExport(fileOf(job.id), {
      batchSize: options.batchSize ?? READINGS_PER_STEP,
      signal: options.signal,
      onBatch: async (batch, progress) => {
        if (batch.length > 0) {
          // Written as the operator: the job outlives the request that queued it. The scope stays
          // the connection's own: ingestReadings checks it belongs to a live user of clientId.
          const result = await ingestReadings(operator, { clientId: job.clientId, connectionId: job.connectionId }, batch);
          written.count += result.count;
          written.inserted += result.inserted;
          written.updated += result.updated;
          for (const reading of batch) {
            types.add(reading.type);
            const ts = reading.ts as Date;
            if (!newest || ts > newest) newest = ts;
            if (!oldest || ts < oldest) oldest = ts;
          }
        }
        await recordProgress(job, progress, written);
        if (options.renew && performance.now() - renewed > RENEW_MS) {
          if (!(await options.renew())) throw new ImportGone();
          renewed = performance.now();
        }
      },
    });
    const finished = await getDb().execute(sql`
      UPDATE imports SET status = 'done', finished_at = now(), lease_until = NULL, xml_bytes_read = ${result.bytesRead},
        records_seen = ${result.recordsSeen}, records_imported = ${result.recordsImported}, records_skipped = ${result.recordsSkipped},
        skipped_types = ${JSON.stringify(result.skippedByType)}::jsonb, readings_written = ${written.count},
        readings_inserted = ${written.inserted}, readings_updated = ${written.updated}, updated_at = now()
      WHERE ${ours(job)}`);
    if ((finished.rowCount ?? 0) === 0) throw new ImportGone();
    const [from, to] = [oldest as Date | null, newest as Date | null];
    await getDb().execute(sql`
      UPDATE connections SET status = 'connected', last_error = NULL, last_sync_at = now(),
        history_synced_at = coalesce(history_synced_at, now()),
        oldest_reading_at = least(oldest_reading_at, ${from && from.toISOString()}::timestamptz),
        newest_reading_at = greatest(newest_reading_at, ${to && to.toISOString()}::timestamptz), updated_at = now()
      WHERE id = ${job.connectionId} AND status <> 'disconnected'`);
    await fs.promises.rm(fileOf(job.id), { force: true });
    // One webhook event for the import, after its writes committed (none when nothing changed);
    // updatedSince is the database's clock when this run began, before any of its writes.
    await announceReadings({
      clientId: job.clientId, userId: job.userId, humanId: job.humanId, types: [...types],
      count: written.inserted + written.updated, updatedSince: job.beganAt,
    });
    log.info({ event: 'import.done', importId: job.id, records: result.recordsSeen, readings: written.count, inserted: written.inserted, types: [...types], ms: Math.round(performance.now() - began) }, 'Apple Health import done');
    return 'done';
  } catch (error) {
    if (error instanceof ImportGone || (error instanceof DomainError && error.kind === 'not_found')) {
      // Its user was deleted or its source disconnected meanwhile: nothing left to import into.
      // (A row that is another run's now, or gone with its user, is left as it is.)
      await getDb().execute(sql`
        UPDATE imports SET status = 'failed', error = 'Apple Health was disconnected during the import.', lease_until = NULL,
          finished_at = now(), updated_at = now()
        WHERE ${ours(job)}`).catch((e: unknown) => log.error({ err: errorFields(e) }, 'could not record a stopped import'));
      await removeFileUnlessPending(job.id);
      return 'gone';
    }
    const missing = (error as { code?: unknown } | null)?.code === 'ENOENT';
    const permanent = error instanceof ExportFileError || missing;
    const stopping = options.signal?.aborted === true;
    const giveUp = permanent || (!stopping && job.attempt >= MAX_IMPORT_ATTEMPTS);
    const message = error instanceof ExportFileError ? error.message
      : missing ? 'The uploaded file is no longer on the server; upload the export again.'
      : 'The import stopped on our side; it will be retried.';
    if (permanent) log.warn({ event: 'import.refused', importId: job.id, reason: message }, 'Apple Health export could not be read');
    else if (!stopping) log.error({ event: 'import.failed', importId: job.id, attempt: job.attempt, err: errorFields(error) }, 'Apple Health import failed');
    await getDb().execute(sql`
      UPDATE imports SET status = ${giveUp ? 'failed' : 'queued'}::import_status, lease_until = NULL,
        attempts = attempts - ${stopping ? 1 : 0},
        error = ${stopping ? null : giveUp && !permanent ? 'The import failed too many times on our side; upload the export again.' : message},
        finished_at = ${giveUp ? sql`now()` : null}, updated_at = now()
      WHERE ${ours(job)}`).catch((e: unknown) => log.error({ err: errorFields(e) }, 'could not record a failed import'));
    await getDb().execute(sql`
      UPDATE connections SET status = ${giveUp ? 'error' : 'connected'}::connection_status,
        last_error = ${giveUp ? message : null}, updated_at = now()
      WHERE id = ${job.connectionId} AND status <> 'disconnected'`).catch(() => undefined);
    if (giveUp) {
      await fs.promises.rm(fileOf(job.id), { force: true });
      return 'failed';
    }
    throw error;
  }
}

/** Remove an import's file unless the import may still run (queued or running, for a live user). */
async function removeFileUnlessPending(importId: string) {
  const [row] = await getDb().select({ status: imports.status, deletedAt: users.deletedAt }).from(imports)
    .innerJoin(users, eq(users.id, imports.userId)).where(eq(imports.id, importId));
  if (!row || row.deletedAt !== null || row.status === 'done' || row.status === 'failed') await fs.promises.rm(fileOf(importId), { force: true });
}

// ---- Scheduling ----------------------------------------------------------------------------------

/** Imports waiting to run or left running by a stopped server, oldest first. */
export async function pendingImports(): Promise<string[]> {
  const rows = await getDb()
    .select({ id: imports.id })
    .from(imports)
    .innerJoin(users, eq(users.id, imports.userId))
    .where(and(sql`${imports.status} IN ('queued', 'running')`, isNull(users.deletedAt)))
    .orderBy(imports.createdAt);
  return rows.map((row) => row.id);
}

/** The queue imports run on (lib/jobs/queue.ts, pg-boss): retried with backoff, resumed after a restart. */
export const IMPORT_QUEUE = 'apple-health-import';
/** Imports this server runs at once: each reads one file into the database, so more only share it. */
const IMPORT_CONCURRENCY = 1;

type ImportJobData = { importId: string };

/** Queue the import's job. A duplicate job is harmless: it finds the import done, or running (and waits). */
async function scheduleImport(importId: string): Promise<void> {
  await enqueue(IMPORT_QUEUE, { importId }, {
    retryLimit: MAX_IMPORT_ATTEMPTS - 1, retryDelaySeconds: 30, retryBackoff: true, expireInSeconds: 15 * 60,
  });
}

/** The import job's handler, for work() and runDueJobs(). */
export async function importJob(job: Job<ImportJobData>): Promise<void> {
  const outcome = await runImport(job.data.importId, { signal: job.signal, renew: () => job.renew() });
  // Another worker holds it (a stopped server's lease not yet run out): look again once it has.
  if (outcome === 'busy') throw new RetryLater(IMPORT_LEASE_MS);
}

/**
 * Start this server's import worker. Before that, every import left queued or running without a
 * job (its enqueue lost to a crash right after the upload) gets one, and files no import will
 * read are removed.
 */
export async function startImportWorker(): Promise<void> {
  await startJobs();
  const pending = await pendingImports();
  await sweepImportFiles(pending);
  const have = new Set((await unfinishedJobs(IMPORT_QUEUE)).map((job) => String(job.data.importId)));
  for (const id of pending) if (!have.has(id)) await scheduleImport(id);
  await work(IMPORT_QUEUE, { concurrency: IMPORT_CONCURRENCY }, importJob);
}

/** Run every due import here until none is due; returns how many ran (tests and tools). */
export function drainImports(): Promise<number> {
  return runDueJobs(IMPORT_QUEUE, importJob);
}

/**
 * Remove files no import will read: those of imports that finished or whose user was deleted (the
 * rows go with the user), and uploads cut off part way more than a day ago.
 */
export async function sweepImportFiles(pending: string[]): Promise<number> {
  const keep = new Set(pending);
  let removed = 0;
  const names = await fs.promises.readdir(importsFolder()).catch(() => [] as string[]);
  for (const name of names) {
    const file = path.join(importsFolder(), name);
    const id = name.match(/^([0-9a-f-]{36})\.zip$/)?.[1];
    const modified = name.endsWith('.zip.part') ? (await fs.promises.stat(file).catch(() => null))?.mtimeMs : undefined;
    const stale = modified !== undefined && Date.now() - modified > 86_400_000;
    if ((id && !keep.has(id)) || stale) {
      await fs.promises.rm(file, { force: true });
      removed++;
    }
  }
  return removed;
}
