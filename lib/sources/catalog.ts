// The data sources users can connect. This list is the source of truth; syncCatalog writes it into
// the sources table after migrations, so connections can reference sources by slug.
import { sql } from 'drizzle-orm';
import type { Queryable } from '../db/client';
import { sources } from '../db/schema';
import type { ReadingType } from '../readings/types';

export type SourceKind = 'oauth2' | 'upload' | 'demo' | 'file';

export type CatalogSource = {
  id: string;
  name: string;
  kind: SourceKind;
  dataTypes: ReadingType[];
  description: string;
};

export const CATALOG: CatalogSource[] = [
  { id: 'fitbit', name: 'Fitbit', kind: 'oauth2', dataTypes: ['steps', 'heart_rate', 'sleep', 'weight', 'body_fat', 'bmi', 'calories', 'distance', 'activity', 'blood_oxygen'], description: 'Fitbit trackers and Aria scales through the Fitbit Web API.' },
  { id: 'oura', name: 'Oura', kind: 'oauth2', dataTypes: ['sleep', 'heart_rate', 'steps', 'calories', 'distance', 'activity', 'blood_oxygen'], description: 'Oura Ring through the Oura API v2.' },
  { id: 'withings', name: 'Withings', kind: 'oauth2', dataTypes: ['weight', 'body_fat', 'bmi', 'blood_pressure', 'heart_rate', 'sleep', 'steps'], description: 'Withings scales, blood pressure monitors and sleep analyzers.' },
  { id: 'dexcom', name: 'Dexcom', kind: 'oauth2', dataTypes: ['blood_glucose'], description: 'Dexcom continuous glucose monitors.' },
  { id: 'health-file', name: 'Health export file', kind: 'file', dataTypes: ['steps', 'heart_rate', 'weight', 'sleep', 'blood_pressure', 'blood_glucose'], description: 'Upload an export file (CSV or JSON) from a phone or device.' },
  { id: 'apple-health', name: 'Apple Health', kind: 'file', dataTypes: ['heart_rate', 'steps', 'weight', 'body_fat', 'bmi', 'blood_pressure', 'blood_glucose', 'blood_oxygen', 'sleep', 'calories', 'distance', 'activity'], description: 'Import the export.zip of the iPhone Health app (Health → your picture → Export All Health Data).' },
  { id: 'mobile', name: 'Mobile app upload', kind: 'upload', dataTypes: ['steps', 'heart_rate', 'weight', 'body_fat', 'bmi', 'blood_pressure', 'blood_glucose', 'blood_oxygen', 'sleep', 'calories', 'distance', 'activity'], description: "Readings the app sends from the user's phone (Apple Health, Health Connect) with the user's token." },
  { id: 'manual', name: 'Manual entry', kind: 'upload', dataTypes: ['weight', 'blood_pressure', 'blood_glucose'], description: 'Readings typed in by the user.' },
  { id: 'demo-tracker', name: 'Demo Tracker', kind: 'demo', dataTypes: ['steps', 'heart_rate', 'sleep', 'calories', 'distance', 'activity', 'blood_oxygen'], description: 'A simulated wrist tracker that produces realistic activity, heart rate, sleep and nightly blood oxygen.' },
  { id: 'demo-scale', name: 'Demo Scale', kind: 'demo', dataTypes: ['weight', 'body_fat', 'bmi'], description: 'A simulated smart scale with weekly weigh-ins.' },
  { id: 'demo-cuff', name: 'Demo BP Cuff', kind: 'demo', dataTypes: ['blood_pressure', 'heart_rate'], description: 'A simulated blood pressure monitor used morning and evening.' },
  { id: 'demo-glucose', name: 'Demo Glucose Meter', kind: 'demo', dataTypes: ['blood_glucose'], description: 'A simulated glucose meter with readings around meals.' },
];

/** Upsert the catalog into the sources table. Sources removed from the list stay (connections may use them). */
export async function syncCatalog(db: Queryable): Promise<void> {
  await db
    .insert(sources)
    .values(CATALOG.map((s) => ({ ...s })))
    .onConflictDoUpdate({
      target: sources.id,
      set: {
        name: sql`excluded.name`,
        kind: sql`excluded.kind`,
        dataTypes: sql`excluded.data_types`,
        description: sql`excluded.description`,
        updatedAt: sql`now()`,
      },
    });
}
