// The kinds of readings Wearhouse stores and the unit each is stored in (Human API's units).
import { z } from 'zod';

export const READING_TYPES = {
  steps: { unit: 'steps', label: 'Steps', aggregate: 'sum' },
  heart_rate: { unit: 'bpm', label: 'Heart rate', aggregate: 'avg' },
  weight: { unit: 'kg', label: 'Weight', aggregate: 'avg' },
  body_fat: { unit: '%', label: 'Body fat', aggregate: 'avg' },
  bmi: { unit: 'kg/m2', label: 'BMI', aggregate: 'avg' },
  blood_pressure: { unit: 'mmHg', label: 'Blood pressure', aggregate: 'avg' },
  blood_glucose: { unit: 'mg/dL', label: 'Blood glucose', aggregate: 'avg' },
  blood_oxygen: { unit: '%', label: 'Blood oxygen', aggregate: 'avg' },
  sleep: { unit: 'min', label: 'Sleep', aggregate: 'sum' },
  calories: { unit: 'kcal', label: 'Calories', aggregate: 'sum' },
  distance: { unit: 'm', label: 'Distance', aggregate: 'sum' },
  activity: { unit: 'min', label: 'Active minutes', aggregate: 'sum' },
} as const;

export type ReadingType = keyof typeof READING_TYPES;

export const ReadingTypeSchema = z.enum(Object.keys(READING_TYPES) as [ReadingType, ...ReadingType[]]);
