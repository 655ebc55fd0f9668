// The details of reading the Health app's records that a hand-written export does not reach: dates
// that are not dates, units Wearhouse cannot convert, and ids that stay the same across exports.
import { describe, expect, it } from 'vitest';
import { BloodPressurePairing, mapRecord, parseExportDate } from './mapping';

describe('Apple Health records', () => {
  it('reads the Health app’s dates with their UTC offset, and refuses what is not a date', () => {
    expect(parseExportDate('2024-03-31 02:30:00 +0530')).toEqual({ ts: new Date('2024-03-30T21:00:00Z'), tzOffsetMinutes: 330 });
    expect(parseExportDate('2024-11-03 01:15:00 -0800')).toEqual({ ts: new Date('2024-11-03T09:15:00Z'), tzOffsetMinutes: -480 });
    for (const bad of ['2024-02-31 10:00:00 +0100', '2024-01-02T08:03:00Z', '2024-01-02 24:00:00 +0000', '2024-01-02 08:03:00 +1500', '', undefined]) {
      expect(parseExportDate(bad), String(bad)).toBeNull();
    }
  });

  it('skips records it cannot store faithfully instead of guessing', () => {
    const at = { startDate: '2024-01-02 08:00:00 +0000', endDate: '2024-01-02 08:00:00 +0000', sourceName: 'Scale' };
    expect(mapRecord({ ...at, type: 'HKQuantityTypeIdentifierBodyMass', unit: 'oz', value: '2400' })).toEqual({ skipped: 'unknown unit' });
    expect(mapRecord({ ...at, type: 'HKQuantityTypeIdentifierHeartRate', unit: 'count/s', value: '1.2' })).toEqual({ skipped: 'unknown unit' });
    expect(mapRecord({ ...at, type: 'HKQuantityTypeIdentifierHeartRate', unit: 'count/min', value: '' })).toEqual({ skipped: 'bad value' });
    expect(mapRecord({ ...at, type: 'HKQuantityTypeIdentifierHeadphoneAudioExposure', unit: 'dBASPL', value: '70' })).toEqual({ skipped: 'unknown type' });
    expect(mapRecord({ ...at, type: 'HKCategoryTypeIdentifierSleepAnalysis', value: 'HKCategoryValueSleepAnalysisInBed' })).toEqual({ skipped: 'not asleep' });
    expect(mapRecord({ ...at, type: 'HKQuantityTypeIdentifierStepCount', unit: 'count', value: '10', startDate: 'yesterday' })).toEqual({ skipped: 'bad date' });
  });

  it('gives a record the same id in every export, and a changed record a new one', () => {
    const record = { type: 'HKQuantityTypeIdentifierHeartRate', unit: 'count/min', value: '72', sourceName: 'Watch', startDate: '2024-01-02 08:03:00 +0100', endDate: '2024-01-02 08:03:00 +0100' };
    const id = (r: typeof record) => (mapRecord(r) as { sourceReadingId: string }).sourceReadingId;
    expect(id({ ...record })).toBe(id(record));
    expect(id({ ...record, value: '73' })).not.toBe(id(record));
    expect(id({ ...record, sourceName: 'Phone' })).not.toBe(id(record));
  });

  it('pairs blood pressure halves of one measurement whatever their order, and only those', () => {
    const pairing = new BloodPressurePairing();
    const half = (type: 'Systolic' | 'Diastolic', value: string, time: string) =>
      ({ type: `HKQuantityTypeIdentifierBloodPressure${type}`, unit: 'mmHg', value, sourceName: 'Omron', startDate: time, endDate: time });
    expect(pairing.add(half('Diastolic', '80', '2024-01-02 08:00:00 +0100'))).toBeNull();
    expect(pairing.add(half('Systolic', '130', '2024-01-02 20:00:00 +0100'))).toBeNull();
    expect(pairing.add(half('Systolic', '120', '2024-01-02 08:00:00 +0100'))).toMatchObject({
      type: 'blood_pressure', value: 120, value2: 80, ts: new Date('2024-01-02T07:00:00Z'), tzOffsetMinutes: 60,
    });
    expect(pairing.unpaired).toBe(1);
  });
});
