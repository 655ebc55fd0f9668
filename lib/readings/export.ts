// CSV export of one source's readings over a range: authorised and validated up front, then read
// in keyset batches (each a short statement, so a year of minute data never holds the embedded
// engine for long) and handed out chunk by chunk, never the whole file in memory.
import { sql, type SQL } from 'drizzle-orm';
import type { Caller } from '../auth/caller';
import { invalidInput } from '../errors';
import { sourceReadingColumns, toSourceReading, withOrderedIndexScan, type SourceReadingRow } from './query';
import { resolveRange, sourceConnection, type SourceTarget } from './series';
import { ReadingTypeSchema, type ReadingType } from './types';

/** Rows per statement. Measured on the embedded engine: see the README's bench:portal figures. */
export const EXPORT_BATCH = 2_000;

export const CSV_HEADER = 'type,timestamp,value,value2,unit\n';

export type SourceExport = {
  /** A safe file name: externalId, source and days of the range. */
  filename: string;
  /** The CSV, header first, one chunk per batch. Pull it: nothing is read before it is asked for. */
  chunks: AsyncGenerator<string, void, undefined>;
};

const csvField = (text: string) => (/[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text);
const fileSafe = (text: string) => text.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60) || 'user';

/**
 * Open an export of the source's readings of `type` (or of every type it provides, one after the
 * other) in [from, to), oldest first. Throws not_found / invalid_input before anything is streamed.
 */
export async function exportSourceReadings(
  caller: Caller,
  target: SourceTarget,
  query: Record<string, unknown>,
  options: { batch?: number; now?: Date } = {},
): Promise<SourceExport> {
  const range = resolveRange(query, options.now);
  const found = await sourceConnection(caller, target);
  let types: ReadingType[] = found.overview.source.dataTypes;
  if (query.type !== undefined && query.type !== '') {
    const type = ReadingTypeSchema.safeParse(query.type);
    if (!type.success || !types.includes(type.data)) throw invalidInput(`${found.overview.source.name} does not provide ${String(query.type)}.`);
    types = [type.data];
  }
  const batch = options.batch ?? EXPORT_BATCH;
  const day = (d: Date) => d.toISOString().slice(0, 10);
  const filename = `${fileSafe(found.overview.user.externalId)}-${target.sourceId}-${day(range.from)}-to-${day(new Date(range.to.getTime() - 1))}.csv`;

  async function* chunks(): AsyncGenerator<string, void, undefined> {
    yield CSV_HEADER;
    for (const type of types) {
      let after: { micros: string; id: string } | null = null;
      for (;;) {
        const position: { micros: string; id: string } | null = after;
        const keyset: SQL = position
          ? sql`AND r.ts >= (timestamptz 'epoch' + ${position.micros}::bigint * interval '1 microsecond')
                AND (r.ts > (timestamptz 'epoch' + ${position.micros}::bigint * interval '1 microsecond') OR r.id > ${position.id}::bigint)`
          : sql``;
        const result: { rows: SourceReadingRow[] } = await withOrderedIndexScan((tx) => tx.execute<SourceReadingRow>(sql`
          SELECT ${sourceReadingColumns} FROM readings r
          WHERE r.user_id = ${found.userId} AND r.type = ${type}
            AND r.ts >= ${range.from.toISOString()}::timestamptz AND r.ts < ${range.to.toISOString()}::timestamptz
            AND r.connection_id = ${found.connectionId} ${keyset}
          ORDER BY r.ts, r.id LIMIT ${batch}`));
        const rows: SourceReadingRow[] = result.rows;
        if (rows.length === 0) break;
        let text = '';
        for (const row of rows) {
          const reading = toSourceReading(row);
          text += `${type},${reading.timestamp},${reading.value},${reading.value2 ?? ''},${csvField(reading.unit)}\n`;
        }
        yield text;
        if (rows.length < batch) break;
        const last: SourceReadingRow = rows[rows.length - 1]!;
        after = { micros: last.micros, id: last.id };
      }
    }
  }
  return { filename, chunks: chunks() };
}
