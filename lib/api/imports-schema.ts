// What both routes of Apple Health imports share, the app's (/v1/apps/…/imports) and the end
// user's (/v1/human/imports): the import object, its id and the upload body, as the API shows them.
import { z } from '@hono/zod-openapi';
import type { ImportView } from '../sources/apple-health/imports';

export const IMPORT_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const ImportObject = z
  .object({
    id: z.string().openapi({ example: '3b241101-e2bb-4255-8caf-4136c566a962' }),
    humanId: z.string().openapi({ example: '0a34dca6b9fe0b2361038bd371d96539' }),
    source: z.string().openapi({ example: 'apple-health' }),
    status: z.enum(['queued', 'running', 'done', 'failed']).openapi({ description: 'A stopped server takes up queued and running imports again when it starts.' }),
    bytes: z.number().int().openapi({ description: 'Size of the uploaded zip.', example: 73400320 }),
    progress: z.number().min(0).max(1).openapi({ description: 'Share of the export read, from 0 to 1.', example: 0.42 }),
    recordsSeen: z.number().int().openapi({ description: 'Records read so far (Record, Workout, ActivitySummary).', example: 420000 }),
    recordsImported: z.number().int().openapi({ description: 'Records that became readings.', example: 398000 }),
    recordsSkipped: z.number().int().openapi({ description: 'Records of types Wearhouse does not store, time in bed or awake, workouts and daily summaries (their minutes are already in the per-minute records).', example: 22000 }),
    skippedTypes: z.record(z.string(), z.number().int()).openapi({ description: 'Skipped records by HealthKit type.', example: { HKQuantityTypeIdentifierBasalEnergyBurned: 21000, Workout: 1000 } }),
    readingsWritten: z.number().int().openapi({ description: 'Readings written (a blood pressure reading is two records; a re-import rewrites the same readings).', example: 397000 }),
    readingsInserted: z.number().int().openapi({ description: 'Of those, readings that were new.', example: 397000 }),
    readingsUpdated: z.number().int().openapi({ description: 'Of those, readings that existed with other values (the rest were unchanged: importing the same export again inserts nothing).', example: 0 }),
    error: z.string().nullable().openapi({ description: 'Why a failed import failed.' }),
    createdAt: z.string().openapi({ format: 'date-time' }),
    startedAt: z.string().nullable().openapi({ format: 'date-time' }),
    finishedAt: z.string().nullable().openapi({ format: 'date-time' }),
  })
  .openapi('AppleHealthImport');

export const toImportObject = (view: ImportView): z.infer<typeof ImportObject> => ({
  id: view.id,
  humanId: view.humanId,
  source: view.source,
  status: view.status,
  bytes: view.bytes,
  progress: Math.round(view.progress * 1000) / 1000,
  recordsSeen: view.recordsSeen,
  recordsImported: view.recordsImported,
  recordsSkipped: view.recordsSkipped,
  skippedTypes: view.skippedTypes,
  readingsWritten: view.readingsWritten,
  readingsInserted: view.readingsInserted,
  readingsUpdated: view.readingsUpdated,
  error: view.error,
  createdAt: view.createdAt.toISOString(),
  startedAt: view.startedAt?.toISOString() ?? null,
  finishedAt: view.finishedAt?.toISOString() ?? null,
});

/** The upload's body in the document: the zip's bytes (streamed to disk by the server, never parsed here). */
export const uploadBody = {
  required: true,
  description: 'The export.zip of the iPhone Health app, unchanged.',
  content: { 'application/zip': { schema: z.string().openapi({ type: 'string', format: 'binary' }) } },
};
