// Writes a realistic Apple Health export.zip of any size, streaming (a million records are never
// held in memory): the Health app's layout (apple_health_export/export.xml with its DOCTYPE, Me,
// records sorted by type with metadata children, blood pressure as Correlation elements plus their
// top-level halves, sleep stages, workouts, activity summaries, types Wearhouse does not store).
// Used by the tests and the ingest benchmark; as a CLI:
//   node --import tsx lib/sources/apple-health/generate-export.ts out.zip 1000000
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import yazl from 'yazl';
import { seededRandom } from '../../demo/random';
import type { ReadingType } from '../../readings/types';

export type GeneratedExport = {
  bytes: number;
  /** Every Record, Workout and ActivitySummary written (nested correlation halves included). */
  records: number;
  /** Distinct readings an import must store, by type. */
  readingsByType: Partial<Record<ReadingType, number>>;
  readings: number;
  /** Records an import must skip (types not stored, time in bed, workouts, summaries). */
  skipped: number;
};

export type GenerateOptions = {
  /** About this many records (the mix is fixed; the total is exact). */
  records: number;
  seed?: number;
  /** The first day, UTC. */
  from?: Date;
  sourceName?: string;
  /** Bytes of workout route (GPX) files beside export.xml, stored uncompressed, as real exports carry. */
  routeBytes?: number;
};

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Central European offsets: +0200 from April to October, else +0100 (the phone's zone moves with DST). */
const offsetAt = (ms: number) => {
  const month = new Date(ms).getUTCMonth();
  return month >= 3 && month <= 9 ? 120 : 60;
};

/** `2024-01-02 08:03:00 +0100`, as the Health app writes dates. */
export function exportDate(ms: number, offsetMinutes = offsetAt(ms)): string {
  const local = new Date(ms + offsetMinutes * 60_000);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())} ` +
    `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())} ${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`;
}

const HEADER = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE HealthData [
<!-- HealthKit Export Version: 13 -->
<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary|ClinicalRecord|Audiogram|VisionPrescription)*)>
<!ATTLIST HealthData
  locale CDATA #REQUIRED
>
<!ELEMENT ExportDate EMPTY>
<!ATTLIST ExportDate
  value CDATA #REQUIRED
>
<!ELEMENT Record ((MetadataEntry|HeartRateVariabilityMetadataList)*)>
<!ATTLIST Record
  type          CDATA #REQUIRED
  unit          CDATA #IMPLIED
  value         CDATA #IMPLIED
  sourceName    CDATA #REQUIRED
  sourceVersion CDATA #IMPLIED
  device        CDATA #IMPLIED
  creationDate  CDATA #IMPLIED
  startDate     CDATA #REQUIRED
  endDate       CDATA #REQUIRED
>
<!ELEMENT MetadataEntry EMPTY>
<!ATTLIST MetadataEntry
  key   CDATA #REQUIRED
  value CDATA #REQUIRED
>
]>
`;

const DEVICE = '&lt;&lt;HKDevice: 0x281b3a2b0&gt;, name:Apple Watch, manufacturer:Apple Inc., model:Watch, hardware:Watch6,2, software:10.2&gt;';

const escapeAttribute = (value: string) => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** The share of records per kind; heart rate dominates real exports. */
const MIX = [
  ['heart_rate', 0.55], ['steps', 0.12], ['calories', 0.1], ['distance', 0.06], ['activity', 0.03], ['sleep', 0.03],
  ['in_bed', 0.01], ['unknown', 0.04], ['blood_oxygen', 0.01], ['weight', 0.005], ['body_fat', 0.005], ['bmi', 0.005],
  ['blood_pressure', 0.005], ['blood_glucose', 0.005], ['workout', 0.005], ['summary', 0.005],
] as const;
type Kind = (typeof MIX)[number][0];

/** Minutes between two records of a kind (each kind runs from `from` on). */
const SPACING: Record<Kind, number> = {
  heart_rate: 2, steps: 10, calories: 10, distance: 15, activity: 30, sleep: 30, in_bed: 480, unknown: 7, blood_oxygen: 60,
  weight: 1440, body_fat: 1440, bmi: 1440, blood_pressure: 720, blood_glucose: 240, workout: 1440, summary: 1440,
};

/**
 * How many records of each kind for `total`: the mix, with the rounding left-over going to heart rate.
 * A blood pressure measurement writes four records (a Correlation's two halves and the same two at the top level).
 */
function countsFor(total: number): Record<Kind, number> {
  const counts = {} as Record<Kind, number>;
  let used = 0;
  for (const [kind, share] of MIX) {
    const perItem = kind === 'blood_pressure' ? 4 : 1;
    const n = Math.floor((total * share) / perItem);
    counts[kind] = n;
    used += n * perItem;
  }
  counts.heart_rate += total - used;
  return counts;
}

/** The XML of the export, in chunks of a few hundred records. */
async function* exportXml(options: Required<GenerateOptions>, counts: Record<Kind, number>): AsyncGenerator<string> {
  const random = seededRandom(options.seed);
  const from = options.from.getTime();
  const source = escapeAttribute(options.sourceName);
  const phone = escapeAttribute(options.sourceName.replace('Watch', 'iPhone'));
  yield HEADER + `<HealthData locale="en_US">\n <ExportDate value="${exportDate(from + 400 * 86_400_000)}"/>\n` +
    ' <Me HKCharacteristicTypeIdentifierDateOfBirth="1985-04-12" HKCharacteristicTypeIdentifierBiologicalSex="HKBiologicalSexFemale" ' +
    'HKCharacteristicTypeIdentifierBloodType="HKBloodTypeNotSet" HKCharacteristicTypeIdentifierFitzpatrickSkinType="HKFitzpatrickSkinTypeNotSet" ' +
    'HKCharacteristicTypeIdentifierCardioFitnessMedicationsUse="None"/>\n';

  const record = (type: string, unit: string | null, value: string, start: number, end: number, name = source, children = '') => {
    const attributes = `type="${type}" sourceName="${name}" sourceVersion="10.2" device="${DEVICE}"${unit === null ? '' : ` unit="${unit}"`} ` +
      `creationDate="${exportDate(end + 60_000)}" startDate="${exportDate(start)}" endDate="${exportDate(end)}" value="${value}"`;
    return children ? ` <Record ${attributes}>\n${children} </Record>\n` : ` <Record ${attributes}/>\n`;
  };
  const kinds = Object.keys(counts) as Kind[];
  // Records sorted by type, as the Health app writes them.
  const bpHalves: string[] = [];
  for (const kind of kinds) {
    let lines: string[] = [];
    for (let i = 0; i < counts[kind]; i++) {
      const start = from + i * SPACING[kind] * 60_000;
      const minutes = (n: number) => start + n * 60_000;
      switch (kind) {
        case 'heart_rate':
          lines.push(record('HKQuantityTypeIdentifierHeartRate', 'count/min', String(random.int(52, 150)), start, start, source,
            '  <MetadataEntry key="HKMetadataKeyHeartRateMotionContext" value="0"/>\n'));
          break;
        case 'steps':
          lines.push(record('HKQuantityTypeIdentifierStepCount', 'count', String(random.int(0, 1200)), start, minutes(10), phone));
          break;
        case 'calories':
          lines.push(record('HKQuantityTypeIdentifierActiveEnergyBurned', 'Cal', (random.next() * 40).toFixed(3), start, minutes(10)));
          break;
        case 'distance':
          lines.push(record('HKQuantityTypeIdentifierDistanceWalkingRunning', 'km', (random.next() * 1.5).toFixed(5), start, minutes(15)));
          break;
        case 'activity':
          lines.push(record('HKQuantityTypeIdentifierAppleExerciseTime', 'min', String(random.int(1, 30)), start, minutes(30)));
          break;
        case 'sleep':
          lines.push(record('HKCategoryTypeIdentifierSleepAnalysis', null,
            random.pick(['HKCategoryValueSleepAnalysisAsleepCore', 'HKCategoryValueSleepAnalysisAsleepDeep', 'HKCategoryValueSleepAnalysisAsleepREM']),
            start, minutes(random.int(5, 29))));
          break;
        case 'in_bed':
          lines.push(record('HKCategoryTypeIdentifierSleepAnalysis', null, 'HKCategoryValueSleepAnalysisInBed', start, minutes(470), phone));
          break;
        case 'unknown':
          lines.push(record('HKQuantityTypeIdentifierBasalEnergyBurned', 'Cal', (random.next() * 20).toFixed(3), start, minutes(7)));
          break;
        case 'blood_oxygen':
          lines.push(record('HKQuantityTypeIdentifierOxygenSaturation', '%', (random.int(93, 100) / 100).toFixed(2), start, start));
          break;
        case 'weight':
          lines.push(record('HKQuantityTypeIdentifierBodyMass', 'lb', (150 + random.next() * 5).toFixed(1), start, start, 'Withings'));
          break;
        case 'body_fat':
          lines.push(record('HKQuantityTypeIdentifierBodyFatPercentage', '%', (0.2 + random.next() * 0.05).toFixed(3), start, start, 'Withings'));
          break;
        case 'bmi':
          lines.push(record('HKQuantityTypeIdentifierBodyMassIndex', 'count', (22 + random.next()).toFixed(2), start, start, 'Withings'));
          break;
        case 'blood_glucose':
          lines.push(record('HKQuantityTypeIdentifierBloodGlucose', 'mmol&lt;180.1558800000541&gt;/L', (4 + random.next() * 4).toFixed(1), start, start, 'OneTouch'));
          break;
        case 'blood_pressure': {
          const systolic = record('HKQuantityTypeIdentifierBloodPressureSystolic', 'mmHg', String(random.int(105, 140)), start, start, 'Omron');
          const diastolic = record('HKQuantityTypeIdentifierBloodPressureDiastolic', 'mmHg', String(random.int(65, 90)), start, start, 'Omron');
          lines.push(` <Correlation type="HKCorrelationTypeIdentifierBloodPressure" sourceName="Omron" sourceVersion="1" creationDate="${exportDate(start)}" ` +
            `startDate="${exportDate(start)}" endDate="${exportDate(start)}">\n ${systolic} ${diastolic} </Correlation>\n`);
          bpHalves.push(systolic, diastolic);
          break;
        }
        case 'workout':
          lines.push(` <Workout workoutActivityType="HKWorkoutActivityTypeRunning" duration="32.5" durationUnit="min" sourceName="${source}" ` +
            `sourceVersion="10.2" creationDate="${exportDate(minutes(33))}" startDate="${exportDate(start)}" endDate="${exportDate(minutes(32))}">\n` +
            '  <WorkoutStatistics type="HKQuantityTypeIdentifierActiveEnergyBurned" startDate="x" endDate="x" sum="310" unit="Cal"/>\n </Workout>\n');
          break;
        case 'summary': {
          const day = new Date(start + offsetAt(start) * 60_000);
          lines.push(` <ActivitySummary dateComponents="${day.getUTCFullYear()}-${pad(day.getUTCMonth() + 1)}-${pad(day.getUTCDate())}" ` +
            'activeEnergyBurned="512.3" activeEnergyBurnedGoal="500" activeEnergyBurnedUnit="Cal" appleMoveTime="0" appleMoveTimeGoal="0" ' +
            'appleExerciseTime="34" appleExerciseTimeGoal="30" appleStandHours="11" appleStandHoursGoal="12"/>\n');
          break;
        }
      }
      if (lines.length >= 500) {
        yield lines.join('');
        lines = [];
      }
    }
    if (lines.length) yield lines.join('');
  }
  // The halves of each blood pressure measurement again at the top level, as newer exports have them.
  for (let i = 0; i < bpHalves.length; i += 500) yield bpHalves.slice(i, i + 500).join('');
  yield '</HealthData>\n';
}

/** Write a generated export.zip to `filePath`; resolves with what an import of it must find. */
export async function generateExport(filePath: string, options: GenerateOptions): Promise<GeneratedExport> {
  const settings: Required<GenerateOptions> = {
    seed: 13, from: new Date('2024-01-01T00:00:00Z'), sourceName: 'Ana’s Apple Watch', routeBytes: 0, ...options,
  };
  const counts = countsFor(settings.records);
  const zip = new yazl.ZipFile();
  zip.addReadStream(Readable.from(exportXml(settings, counts)), 'apple_health_export/export.xml', { compress: true });
  zip.addBuffer(Buffer.from('<?xml version="1.0" encoding="UTF-8"?>\n<ClinicalDocument/>\n'), 'apple_health_export/export_cda.xml');
  if (settings.routeBytes > 0) {
    zip.addBuffer(randomBytes(settings.routeBytes), 'apple_health_export/workout-routes/route_2024-01-01_8.00am.gpx', { compress: false });
  }
  zip.end();
  await pipeline(zip.outputStream as unknown as Readable, fs.createWriteStream(filePath));

  const readingsByType: Partial<Record<ReadingType, number>> = {};
  for (const kind of ['heart_rate', 'steps', 'calories', 'distance', 'activity', 'sleep', 'blood_oxygen', 'weight', 'body_fat', 'bmi', 'blood_pressure', 'blood_glucose'] as const) {
    if (counts[kind] > 0) readingsByType[kind] = counts[kind];
  }
  const readings = Object.values(readingsByType).reduce((sum, n) => sum + n, 0);
  return {
    bytes: fs.statSync(filePath).size,
    records: settings.records,
    readingsByType,
    readings,
    skipped: counts.in_bed + counts.unknown + counts.workout + counts.summary,
  };
}

/** Write a zip whose export.xml is exactly `xml` (hand-written exports in tests). */
export async function writeExportZip(filePath: string, xml: string, entryName = 'apple_health_export/export.xml'): Promise<void> {
  const zip = new yazl.ZipFile();
  zip.addBuffer(Buffer.from(xml), entryName);
  zip.end();
  await pipeline(zip.outputStream as unknown as Readable, fs.createWriteStream(filePath));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [out, records] = process.argv.slice(2);
  if (!out || !records || !Number.isSafeInteger(Number(records))) {
    console.error('usage: generate-export.ts <out.zip> <records>');
    process.exit(2);
  }
  const began = performance.now();
  generateExport(out, { records: Number(records) }).then((result) => {
    console.log(JSON.stringify({ ...result, seconds: Math.round((performance.now() - began) / 100) / 10 }));
  }, (error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
