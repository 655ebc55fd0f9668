// Reading an Apple Health export.zip as streams: yauzl finds export.xml through the zip's central
// directory (random access on the file, nothing else unpacked), its inflated bytes go through saxes
// chunk by chunk, and readings leave in batches. The next chunk is read only once a full batch has
// been handed over and written, so memory stays flat whatever the export's size (several GB exist).
import { StringDecoder } from 'node:string_decoder';
import { SaxesParser } from 'saxes';
import yauzl from 'yauzl';
import type { ReadingInput } from '../../readings/ingest';
import { BloodPressurePairing, DIASTOLIC, mapRecord, SYSTOLIC, type HealthRecord } from './mapping';

/** The file is not an Apple Health export: not a zip, a damaged one, or one without export.xml. */
export class ExportFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExportFileError';
  }
}

/** What an import has read so far. */
export type ExportProgress = {
  /** Every <Record>, <Workout> and <ActivitySummary> read. */
  recordsSeen: number;
  /** Records that became (part of) a reading. */
  recordsImported: number;
  /** Records not imported, by HealthKit type (unknown types, time in bed, bad values…). */
  recordsSkipped: number;
  skippedByType: Record<string, number>;
  /** Readings handed over (a blood pressure reading is two records). */
  readings: number;
  /** Inflated bytes of export.xml read, and its size. */
  bytesRead: number;
  bytesTotal: number;
};

export type ParseOptions = {
  /** Readings per onBatch call. */
  batchSize?: number;
  /** Called with each batch; the export is not read further until it resolves. */
  onBatch(readings: ReadingInput[], progress: ExportProgress): Promise<void>;
  signal?: AbortSignal;
};

/** The entry of export.xml: `apple_health_export/export.xml`, or an export.xml anywhere else. */
const EXPORT_XML = /(^|\/)export\.xml$/i;

function openZip(filePath: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(filePath, { lazyEntries: true, autoClose: false, strictFileNames: false, validateEntrySizes: true }, (error, zip) => {
      if (error) reject(new ExportFileError(`The file is not a readable zip archive (${error.message}).`));
      else resolve(zip);
    });
  });
}

/** The zip's export.xml entry (the central directory is read entry by entry, not all at once). */
function findExportXml(zip: yauzl.ZipFile): Promise<yauzl.Entry> {
  return new Promise((resolve, reject) => {
    let fallback: yauzl.Entry | undefined;
    const cleanup = () => {
      zip.removeListener('entry', onEntry);
      zip.removeListener('end', onEnd);
      zip.removeListener('error', onError);
    };
    const onEntry = (entry: yauzl.Entry) => {
      if (EXPORT_XML.test(entry.fileName)) {
        if (entry.fileName.toLowerCase() === 'apple_health_export/export.xml') {
          cleanup();
          return resolve(entry);
        }
        fallback ??= entry;
      }
      zip.readEntry();
    };
    const onEnd = () => {
      cleanup();
      if (fallback) resolve(fallback);
      else reject(new ExportFileError('The zip has no apple_health_export/export.xml: upload the export.zip the Health app made, unchanged.'));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(new ExportFileError(`The zip archive is damaged (${error.message}).`));
    };
    zip.on('entry', onEntry);
    zip.on('end', onEnd);
    zip.on('error', onError);
    zip.readEntry();
  });
}

/**
 * Check that a file is a zip with an export.xml, without reading the export (the upload endpoint
 * answers 400 at once for one that is not). Returns export.xml's inflated size.
 */
export async function checkExportZip(filePath: string): Promise<{ exportXmlBytes: number }> {
  const zip = await openZip(filePath);
  try {
    const entry = await findExportXml(zip);
    if (entry.isEncrypted()) throw new ExportFileError('The zip is encrypted: upload the export.zip the Health app made, unchanged.');
    if (!entry.canDecodeFileData()) throw new ExportFileError(`export.xml is compressed with an unsupported method (${entry.compressionMethod}).`);
    return { exportXmlBytes: entry.uncompressedSize };
  } finally {
    zip.close();
  }
}

const RECORD_ELEMENTS = new Set(['Record', 'Workout', 'ActivitySummary']);

/**
 * Read the export in `filePath` and hand its readings over in batches. Resolves with the final
 * counts once every batch has been handed over; rejects with ExportFileError for a file that is
 * not an export (or whose XML is broken part way: the batches before stay written).
 */
export async function parseExport(filePath: string, options: ParseOptions): Promise<ExportProgress> {
  const batchSize = options.batchSize ?? 2_000;
  const zip = await openZip(filePath);
  try {
    const entry = await findExportXml(zip);
    const stream = await new Promise<NodeJS.ReadableStream>((resolve, reject) =>
      zip.openReadStream(entry, (error, readable) => (error ? reject(new ExportFileError(`export.xml cannot be read (${error.message}).`)) : resolve(readable))));

    const progress: ExportProgress = {
      recordsSeen: 0, recordsImported: 0, recordsSkipped: 0, skippedByType: {}, readings: 0,
      bytesRead: 0, bytesTotal: entry.uncompressedSize,
    };
    const skip = (type: string, count = 1) => {
      progress.recordsSkipped += count;
      progress.skippedByType[type] = (progress.skippedByType[type] ?? 0) + count;
    };
    const pressure = new BloodPressurePairing();
    let batch: ReadingInput[] = [];
    let sawHealthData = false;
    let parseError: Error | undefined;

    const parser = new SaxesParser({ position: false, xmlns: false });
    parser.on('error', (error) => {
      parseError ??= error;
    });
    parser.on('opentag', (tag) => {
      if (!RECORD_ELEMENTS.has(tag.name)) {
        if (tag.name === 'HealthData') sawHealthData = true;
        return;
      }
      progress.recordsSeen++;
      // Workouts and activity summaries repeat what the per-minute records already hold (exercise
      // minutes, active energy, distance): importing them too would count the same effort twice.
      if (tag.name !== 'Record') return skip(tag.name);
      const record = tag.attributes as unknown as HealthRecord;
      const type = record.type ?? 'Record';
      const mapped = type === SYSTOLIC || type === DIASTOLIC ? pressure.add(record) : mapRecord(record);
      if (mapped === null) return void progress.recordsImported++; // a half waiting for its partner
      if ('skipped' in mapped) return skip(type);
      progress.recordsImported++;
      progress.readings++;
      batch.push(mapped);
    });

    // One batch is written while the next is read: at most two batches in memory, and the parser's
    // time overlaps the database's. A second full batch waits for the first to be written.
    const snapshot = (): ExportProgress => ({ ...progress, skippedByType: { ...progress.skippedByType } });
    let writing: Promise<void> | null = null;
    const handOver = async (full: ReadingInput[]) => {
      if (writing) await writing;
      writing = options.onBatch(full, snapshot());
      writing.catch(() => undefined); // awaited before the next batch, or below
    };
    const decoder = new StringDecoder('utf8');
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        if (options.signal?.aborted) throw options.signal.reason ?? new Error('aborted');
        progress.bytesRead += chunk.length;
        parser.write(decoder.write(chunk));
        if (parseError) throw new ExportFileError(`export.xml is not well-formed XML (${parseError.message}).`);
        if (batch.length >= batchSize) {
          const full = batch;
          batch = [];
          await handOver(full);
        }
      }
    } finally {
      // Never return (or close the zip) while a batch is still being written.
      if (writing) await (writing as Promise<void>).catch(() => undefined);
    }
    if (writing) await writing;
    parser.write(decoder.end());
    parser.close();
    if (parseError) throw new ExportFileError(`export.xml is not well-formed XML (${parseError.message}).`);
    if (!sawHealthData) throw new ExportFileError('export.xml is not an Apple Health export (no <HealthData> element).');
    // Halves counted as imported while they waited, but never paired: skipped after all.
    const unpaired = pressure.unpaired;
    if (unpaired > 0) {
      progress.recordsImported -= unpaired;
      skip('HKCorrelationTypeIdentifierBloodPressure', unpaired);
    }
    await options.onBatch(batch, progress);
    return progress;
  } finally {
    zip.close();
  }
}
