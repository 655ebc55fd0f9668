// From the iPhone Health app's export.xml to Wearhouse readings: which HealthKit types map to which
// reading type, the unit conversions, the phone's UTC offset, and stable ids so a re-import of the
// same export rewrites the same readings instead of adding new ones.
import { createHash } from 'node:crypto';
import type { ReadingInput } from '../../readings/ingest';
import type { ReadingType } from '../../readings/types';

/** The attributes of a `<Record>` element that the mapping reads. */
export type HealthRecord = {
  type: string;
  sourceName?: string;
  unit?: string;
  startDate?: string;
  endDate?: string;
  value?: string;
};

/** Why a record was not imported (counted per HealthKit type in the import's report). */
export type Skip = { skipped: string };

const EXPORT_DATE = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/;

/**
 * A date as the Health app writes it, `2024-01-02 08:03:00 +0100`: the instant and the phone's UTC
 * offset in minutes, or null when it is not that form (or not a real date).
 */
export function parseExportDate(value: string | undefined): { ts: Date; tzOffsetMinutes: number } | null {
  const match = value && EXPORT_DATE.exec(value);
  if (!match) return null;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const offset = (match[7] === '-' ? -1 : 1) * (Number(match[8]) * 60 + Number(match[9]));
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60 || Math.abs(offset) > 14 * 60) return null;
  const local = Date.UTC(year, month - 1, day, hour, minute, second);
  if (new Date(local).getUTCDate() !== day) return null; // 31 February
  return { ts: new Date(local - offset * 60_000), tzOffsetMinutes: offset };
}

/** 1 mmol/L of glucose (180.156 g/mol) is 18.0156 mg/dL. */
const MG_DL_PER_MMOL_L = 18.0156;

type Converter = (value: number, unit: string) => number | null;

const same = (units: string[]): Converter => (value, unit) => (units.includes(unit) ? value : null);
const fraction: Converter = (value, unit) => (unit === '%' ? (value <= 1 ? value * 100 : value) : null);
const MASS_KG: Record<string, number> = { kg: 1, g: 0.001, lb: 0.45359237, st: 6.35029318 };
const DISTANCE_M: Record<string, number> = { m: 1, km: 1000, cm: 0.01, mi: 1609.344, yd: 0.9144, ft: 0.3048 };
const ENERGY_KCAL: Record<string, number> = { kcal: 1, Cal: 1, cal: 0.001, kJ: 1 / 4.184, J: 1 / 4184 };
const TIME_MIN: Record<string, number> = { min: 1, s: 1 / 60, hr: 60, h: 60 };
const factor = (table: Record<string, number>): Converter => (value, unit) => (unit in table ? value * table[unit]! : null);
const glucose: Converter = (value, unit) => {
  if (unit === 'mg/dL') return value;
  // HealthKit writes mmol/L of glucose with its molar mass: `mmol<180.1558800000541>/L`.
  if (unit === 'mmol/L' || /^mmol<[\d.]+>\/L$/.test(unit)) return value * MG_DL_PER_MMOL_L;
  return null;
};

/** HealthKit quantity types Wearhouse stores, with the conversion to the stored unit (lib/readings/types.ts). */
export const QUANTITY_TYPES: Record<string, { type: ReadingType; convert: Converter; kind?: string }> = {
  HKQuantityTypeIdentifierHeartRate: { type: 'heart_rate', convert: same(['count/min']) },
  HKQuantityTypeIdentifierStepCount: { type: 'steps', convert: same(['count']) },
  HKQuantityTypeIdentifierBodyMass: { type: 'weight', convert: factor(MASS_KG) },
  HKQuantityTypeIdentifierBodyFatPercentage: { type: 'body_fat', convert: fraction },
  HKQuantityTypeIdentifierBodyMassIndex: { type: 'bmi', convert: same(['count', 'kg/m^2', 'kg/m2']) },
  HKQuantityTypeIdentifierBloodGlucose: { type: 'blood_glucose', convert: glucose },
  HKQuantityTypeIdentifierOxygenSaturation: { type: 'blood_oxygen', convert: fraction },
  HKQuantityTypeIdentifierActiveEnergyBurned: { type: 'calories', convert: factor(ENERGY_KCAL) },
  HKQuantityTypeIdentifierDistanceWalkingRunning: { type: 'distance', convert: factor(DISTANCE_M), kind: 'walking_running' },
  HKQuantityTypeIdentifierDistanceCycling: { type: 'distance', convert: factor(DISTANCE_M), kind: 'cycling' },
  HKQuantityTypeIdentifierAppleExerciseTime: { type: 'activity', convert: factor(TIME_MIN) },
};

export const SYSTOLIC = 'HKQuantityTypeIdentifierBloodPressureSystolic';
export const DIASTOLIC = 'HKQuantityTypeIdentifierBloodPressureDiastolic';
export const SLEEP = 'HKCategoryTypeIdentifierSleepAnalysis';

/** Sleep analysis values that are sleep, by the stage stored in sourceData (InBed and Awake are not). */
const SLEEP_STAGES: Record<string, string> = {
  HKCategoryValueSleepAnalysisAsleep: 'asleep',
  HKCategoryValueSleepAnalysisAsleepUnspecified: 'asleep',
  HKCategoryValueSleepAnalysisAsleepCore: 'core',
  HKCategoryValueSleepAnalysisAsleepDeep: 'deep',
  HKCategoryValueSleepAnalysisAsleepREM: 'rem',
};

/** A short stable id: the same record in the same export (or a later export) gets the same one. */
export function stableId(...parts: (string | number | undefined)[]): string {
  return createHash('sha1').update(parts.join('\u001f')).digest('base64url');
}

const numberOf = (value: string | undefined) => {
  if (value === undefined || value.trim() === '') return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
};

/** Rounded so a conversion does not leave 72.00000000000001 in the database. */
const round = (value: number) => Math.round(value * 1e6) / 1e6;

/**
 * One `<Record>` as a reading, or why not. Blood pressure halves are paired by the caller
 * (BloodPressurePairing), so they are not handled here.
 */
export function mapRecord(record: HealthRecord): ReadingInput | Skip {
  const start = parseExportDate(record.startDate);
  if (!start) return { skipped: 'bad date' };
  const sourceName = record.sourceName ?? '';

  if (record.type === SLEEP) {
    const stage = record.value !== undefined ? SLEEP_STAGES[record.value] : undefined;
    if (!stage) return { skipped: 'not asleep' };
    const end = parseExportDate(record.endDate);
    if (!end || end.ts < start.ts) return { skipped: 'bad date' };
    const minutes = round((end.ts.getTime() - start.ts.getTime()) / 60_000);
    return {
      type: 'sleep', ts: start.ts, tzOffsetMinutes: start.tzOffsetMinutes, value: minutes,
      sourceReadingId: stableId(record.type, record.startDate, record.endDate, sourceName, record.value),
      sourceData: { sourceName, stage, endDate: end.ts.toISOString() },
    };
  }

  const mapping = QUANTITY_TYPES[record.type];
  if (!mapping) return { skipped: 'unknown type' };
  const raw = numberOf(record.value);
  if (raw === null) return { skipped: 'bad value' };
  const value = mapping.convert(raw, record.unit ?? '');
  if (value === null || !Number.isFinite(value)) return { skipped: 'unknown unit' };
  const sourceData: Record<string, unknown> = { sourceName };
  if (record.endDate && record.endDate !== record.startDate) {
    const end = parseExportDate(record.endDate);
    if (end) sourceData.endDate = end.ts.toISOString();
  }
  if (mapping.kind) sourceData.kind = mapping.kind;
  return {
    type: mapping.type, ts: start.ts, tzOffsetMinutes: start.tzOffsetMinutes, value: round(value),
    sourceReadingId: stableId(record.type, record.startDate, record.endDate, sourceName, record.value, record.unit),
    sourceData,
  };
}

/**
 * Pairs systolic and diastolic records of one measurement (same source, start and end) into one
 * blood pressure reading. The export writes each pair inside a `<Correlation>` and, depending on
 * the iOS version, also as top-level records sorted by type: both ways yield the same reading (and
 * id), and the upsert keeps one. Halves wait here until their partner comes (a few thousand at most:
 * people take a few blood pressure readings a day).
 */
export class BloodPressurePairing {
  private halves = new Map<string, { systolic?: number; diastolic?: number }>();

  /** A systolic or diastolic record: the reading once both halves are known, else null (or why not). */
  add(record: HealthRecord): ReadingInput | Skip | null {
    const start = parseExportDate(record.startDate);
    if (!start) return { skipped: 'bad date' };
    const value = numberOf(record.value);
    if (value === null || (record.unit ?? 'mmHg') !== 'mmHg') return { skipped: value === null ? 'bad value' : 'unknown unit' };
    const sourceName = record.sourceName ?? '';
    const key = `${record.startDate}\u001f${record.endDate}\u001f${sourceName}`;
    const half = this.halves.get(key) ?? {};
    if (record.type === SYSTOLIC) half.systolic = value;
    else half.diastolic = value;
    if (half.systolic === undefined || half.diastolic === undefined) {
      this.halves.set(key, half);
      return null;
    }
    this.halves.delete(key);
    return {
      type: 'blood_pressure', ts: start.ts, tzOffsetMinutes: start.tzOffsetMinutes, value: half.systolic, value2: half.diastolic,
      sourceReadingId: stableId('HKCorrelationTypeIdentifierBloodPressure', record.startDate, record.endDate, sourceName),
      sourceData: { sourceName },
    };
  }

  /** Halves whose partner never came (skipped). */
  get unpaired(): number {
    let count = 0;
    for (const half of this.halves.values()) count += (half.systolic === undefined ? 0 : 1) + (half.diastolic === undefined ? 0 : 1);
    return count;
  }
}
