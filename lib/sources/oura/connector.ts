// The Oura connector: reads a connection's Oura API v2 collections for the sync's window and
// writes them as readings, page by page. Oura's documents (https://cloud.ouraring.com/v2/docs):
// heartrate (5-minute samples, datetime ranges of at most 30 days), daily_activity (one document per
// day), sleep (one per sleep period, several a day with naps) and daily_spo2 (one per night); each
// answers `{ data: [...], next_token }` and is paged by passing next_token back.
import { z } from 'zod';
import { log } from '../../log';
import type { ReadingInput } from '../../readings/ingest';
import { ProviderAuthorizationError, type Connector, type SyncContext } from '../connector';
import { PROVIDERS } from '../oauth/providers';

const MINUTE = 60_000;
const DAY = 86_400_000;

/** A first sync reads this much history (Oura keeps it all; a year is what users expect to see). */
export const OURA_HISTORY_DAYS = 365;
/** Oura refuses heartrate ranges over 30 days; the daily collections are read in the same steps. */
export const OURA_WINDOW_DAYS = 30;
/** A later sync rereads heart rate from this long before the newest reading stored. */
export const OURA_HEART_RATE_OVERLAP_MS = 60 * MINUTE;
/**
 * …and the daily collections from this many days before it: today's activity grows all day, and a
 * night's sleep and SpO2 reach Oura only when the user opens the app, often a day or two later.
 */
export const OURA_DAILY_OVERLAP_DAYS = 3;

export type OuraConnectorOptions = {
  /** Where Oura's API answers (`https://api.ouraring.com`; a stand-in or proxy in tests). */
  apiBaseUrl?: string;
  historyDays?: number;
};

/** Oura answered something the connector cannot use: a malformed page, an error status. */
export class OuraResponseError extends Error {
  constructor(readonly collection: string, message: string, readonly status?: number) {
    super(message);
    this.name = 'OuraResponseError';
  }
}

// Oura's documents, as far as the connector reads them. Unknown fields pass; a field it reads
// with the wrong type refuses the page.
/** LocalizedDateTime: an ISO 8601 time with its UTC offset (or Z). */
const LocalizedDateTime = z.string().regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)$/, 'expected a date-time with a UTC offset');
const IsoDate = z.string().regex(/^\d{4}-\d\d-\d\d$/, 'expected a date (YYYY-MM-DD)');
const Seconds = z.number().finite().nonnegative();
const page = <T extends z.ZodType>(doc: T) => z.object({ data: z.array(doc), next_token: z.string().min(1).nullish() });

const HeartRateSample = z.object({
  timestamp: LocalizedDateTime,
  bpm: z.number().finite().nonnegative(),
  source: z.string(),
});
const DailyActivity = z.object({
  id: z.string().min(1),
  day: IsoDate,
  timestamp: LocalizedDateTime,
  steps: z.number().int().nonnegative(),
  total_calories: z.number().finite().nonnegative(),
  active_calories: z.number().finite().nonnegative(),
  equivalent_walking_distance: z.number().finite().nonnegative(),
  low_activity_time: Seconds,
  medium_activity_time: Seconds,
  high_activity_time: Seconds,
});
const Sleep = z.object({
  id: z.string().min(1),
  day: IsoDate,
  type: z.string().nullish(),
  bedtime_start: LocalizedDateTime,
  bedtime_end: LocalizedDateTime,
  time_in_bed: Seconds,
  total_sleep_duration: Seconds.nullish(),
  deep_sleep_duration: Seconds.nullish(),
  light_sleep_duration: Seconds.nullish(),
  rem_sleep_duration: Seconds.nullish(),
  awake_time: Seconds.nullish(),
  efficiency: z.number().finite().nullish(),
});
const DailySpo2 = z.object({
  id: z.string().min(1),
  day: IsoDate,
  spo2_percentage: z.object({ average: z.number().finite().min(0).max(100).nullish() }).nullish(),
});

/** Sleep periods that are not sleep: deleted by the user, or a rest the user said was no nap. */
const NOT_SLEEP = new Set(['deleted', 'rest']);

/** An instant and the UTC offset (minutes) it was written with. */
function parseLocalized(text: string): { at: Date; offsetMinutes: number } {
  const zone = /(Z|([+-])(\d\d):?(\d\d))$/.exec(text)!;
  const offsetMinutes = zone[1] === 'Z' ? 0 : (zone[2] === '-' ? -1 : 1) * (Number(zone[3]) * 60 + Number(zone[4]));
  return { at: new Date(text), offsetMinutes };
}

const dateOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const dayMs = (date: string) => Date.parse(`${date}T00:00:00Z`);
/** Seconds as the minutes readings store, to a hundredth. */
const minutes = (seconds: number) => Math.round((seconds / 60) * 100) / 100;
/** A datetime parameter, to the second. */
const datetimeParam = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

/**
 * The user's UTC offset per local day, learnt from the documents that carry one (activity and
 * sleep), for those that do not: SpO2 days and heart rate samples (sent in UTC).
 */
class DayOffsets {
  private byDay = new Map<string, number>();
  private last: number | null = null;
  learn(day: string, offsetMinutes: number) {
    this.byDay.set(day, offsetMinutes);
    this.last = offsetMinutes;
  }
  forDay(day: string): number {
    return this.byDay.get(day) ?? this.byDay.get(dateOf(dayMs(day) - DAY)) ?? this.byDay.get(dateOf(dayMs(day) + DAY)) ?? this.last ?? 0;
  }
  forInstant(at: Date): number {
    return this.forDay(dateOf(at.getTime()));
  }
}

type Window = Record<string, string>;

type Collection<T extends z.ZodType> = {
  name: 'heartrate' | 'daily_activity' | 'sleep' | 'daily_spo2';
  doc: T;
  toReadings(doc: z.output<T>, offsets: DayOffsets): ReadingInput[];
};

const collection = <T extends z.ZodType>(c: Collection<T>) => c;

/** Local midnight of `day` at the given offset, where Wearhouse puts daily totals. */
const localMidnight = (day: string, offsetMinutes: number) => new Date(dayMs(day) - offsetMinutes * MINUTE);

const dailyActivity = collection({
  name: 'daily_activity',
  doc: DailyActivity,
  toReadings(doc, offsets) {
    const { offsetMinutes } = parseLocalized(doc.timestamp);
    offsets.learn(doc.day, offsetMinutes);
    const at = { ts: localMidnight(doc.day, offsetMinutes), tzOffsetMinutes: offsetMinutes, sourceReadingId: doc.day };
    return [
      { ...at, type: 'steps', value: doc.steps },
      { ...at, type: 'calories', value: doc.total_calories, sourceData: { activeCalories: doc.active_calories } },
      // Moderate and vigorous minutes, as other trackers count active minutes; light ones aside.
      {
        ...at, type: 'activity', value: minutes(doc.medium_activity_time + doc.high_activity_time),
        sourceData: { lowMinutes: minutes(doc.low_activity_time), mediumMinutes: minutes(doc.medium_activity_time), highMinutes: minutes(doc.high_activity_time) },
      },
      // Oura measures no distance: this is the walk that would spend the day's energy.
      { ...at, type: 'distance', value: doc.equivalent_walking_distance, sourceData: { kind: 'equivalent_walking_distance' } },
    ];
  },
});

const sleep = collection({
  name: 'sleep',
  doc: Sleep,
  toReadings(doc, offsets) {
    const start = parseLocalized(doc.bedtime_start);
    offsets.learn(doc.day, parseLocalized(doc.bedtime_end).offsetMinutes);
    if (NOT_SLEEP.has(doc.type ?? '') || doc.total_sleep_duration == null) return [];
    return [{
      type: 'sleep', ts: start.at, tzOffsetMinutes: start.offsetMinutes, value: minutes(doc.total_sleep_duration), sourceReadingId: doc.id,
      sourceData: {
        day: doc.day, kind: doc.type ?? null, bedtimeEnd: doc.bedtime_end, timeInBedMinutes: minutes(doc.time_in_bed),
        stages: {
          deepMinutes: doc.deep_sleep_duration == null ? null : minutes(doc.deep_sleep_duration),
          lightMinutes: doc.light_sleep_duration == null ? null : minutes(doc.light_sleep_duration),
          remMinutes: doc.rem_sleep_duration == null ? null : minutes(doc.rem_sleep_duration),
          awakeMinutes: doc.awake_time == null ? null : minutes(doc.awake_time),
        },
        efficiency: doc.efficiency ?? null,
      },
    }];
  },
});

const dailySpo2 = collection({
  name: 'daily_spo2',
  doc: DailySpo2,
  toReadings(doc, offsets) {
    const average = doc.spo2_percentage?.average;
    // A night without a measurement comes as a null (or zero) aggregate: no reading.
    if (average == null || average <= 0) return [];
    const offsetMinutes = offsets.forDay(doc.day);
    return [{ type: 'blood_oxygen', ts: localMidnight(doc.day, offsetMinutes), tzOffsetMinutes: offsetMinutes, value: average, sourceReadingId: doc.day }];
  },
});

const heartRate = collection({
  name: 'heartrate',
  doc: HeartRateSample,
  toReadings(doc, offsets) {
    const { at } = parseLocalized(doc.timestamp);
    if (doc.bpm === 0) return []; // no reading (the ring off the finger), not a heart at rest
    return [{ type: 'heart_rate', ts: at, tzOffsetMinutes: offsets.forInstant(at), value: doc.bpm, sourceReadingId: at.toISOString(), sourceData: { source: doc.source } }];
  },
});

/** What one sync reads: the windows of each kind of collection. */
function plan(context: SyncContext, historyDays: number): { dateWindows: Window[]; datetimeWindows: Window[] } {
  const to = context.now.getTime();
  const historyFrom = to - historyDays * DAY;
  const since = context.historySyncedAt === null ? null : (context.newestReadingAt ?? context.lastSyncAt);
  const heartRateFrom = since === null ? historyFrom : Math.max(historyFrom, since.getTime() - OURA_HEART_RATE_OVERLAP_MS);
  const dailyFrom = since === null ? historyFrom : Math.max(historyFrom, since.getTime() - OURA_DAILY_OVERLAP_DAYS * DAY);

  // Days are the user's local days: a day of slack each side covers every offset. Consecutive
  // windows share their edge day, so whether Oura reads end_date as inclusive or not, none is missed.
  const dateWindows: Window[] = [];
  const lastDay = dayMs(dateOf(to)) + DAY;
  for (let start = dayMs(dateOf(dailyFrom)) - DAY; ; start += (OURA_WINDOW_DAYS - 1) * DAY) {
    const end = Math.min(start + (OURA_WINDOW_DAYS - 1) * DAY, lastDay);
    dateWindows.push({ start_date: dateOf(start), end_date: dateOf(end) });
    if (end >= lastDay) break;
  }
  const datetimeWindows: Window[] = [];
  for (let start = heartRateFrom; start < to; start += OURA_WINDOW_DAYS * DAY) {
    datetimeWindows.push({ start_datetime: datetimeParam(start), end_datetime: datetimeParam(Math.min(start + OURA_WINDOW_DAYS * DAY, to)) });
  }
  return { dateWindows, datetimeWindows };
}

/** One page of a collection, validated; 'refused' when Oura answers 403 (scope not granted). */
async function fetchPage<T extends z.ZodType>(context: SyncContext, c: Collection<T>, url: URL) {
  context.signal.throwIfAborted();
  const response = await context.providerFetch(url, { headers: { accept: 'application/json' }, signal: context.signal });
  if (response.status === 403) {
    await response.body?.cancel();
    return 'refused' as const;
  }
  if (response.status === 401) {
    await response.body?.cancel();
    throw new ProviderAuthorizationError();
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new OuraResponseError(c.name, `Oura answered ${response.status} to a ${c.name} request.`, response.status);
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    throw new OuraResponseError(c.name, `Oura sent a ${c.name} page that is not JSON.`);
  }
  const parsed = page(c.doc).safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length ? issue.path.join('.') : 'the page';
    throw new OuraResponseError(c.name, `Oura sent a malformed ${c.name} page (${where}: ${issue.message}).`);
  }
  return parsed.data as { data: z.output<T>[]; next_token?: string | null };
}

/** Read every page of every window of a collection, writing each page; false when Oura refused it. */
async function readCollection<T extends z.ZodType>(context: SyncContext, base: string, c: Collection<T>, windows: Window[], offsets: DayOffsets): Promise<boolean> {
  for (const window of windows) {
    const seen = new Set<string>();
    let nextToken: string | null | undefined = null;
    do {
      const url = new URL(`${base}/v2/usercollection/${c.name}`);
      for (const [key, value] of Object.entries(window)) url.searchParams.set(key, value);
      if (nextToken) url.searchParams.set('next_token', nextToken);
      const result = await fetchPage(context, c, url);
      if (result === 'refused') return false;
      const readings = result.data.flatMap((doc) => c.toReadings(doc, offsets));
      if (readings.length > 0) await context.write(readings);
      nextToken = result.next_token;
      if (nextToken && seen.has(nextToken)) throw new OuraResponseError(c.name, `Oura sent the same ${c.name} next_token twice.`);
      if (nextToken) seen.add(nextToken);
    } while (nextToken);
  }
  return true;
}

/** The Oura connector, reading from `apiBaseUrl` (Oura's own by default). */
export function ouraConnector(options: OuraConnectorOptions = {}): Connector {
  const base = (options.apiBaseUrl ?? PROVIDERS.oura.apiBaseUrl).replace(/\/+$/, '');
  const historyDays = options.historyDays ?? OURA_HISTORY_DAYS;
  return {
    async sync(context) {
      const { dateWindows, datetimeWindows } = plan(context, historyDays);
      const offsets = new DayOffsets();
      // Days first: they carry the user's UTC offset, which SpO2 days and heart rate samples lack.
      const steps = [
        [dailyActivity, dateWindows], [sleep, dateWindows], [dailySpo2, dateWindows], [heartRate, datetimeWindows],
      ] as const;
      const refused: string[] = [];
      for (const [c, windows] of steps) {
        if (!(await readCollection(context, base, c as Collection<z.ZodType>, windows, offsets))) refused.push(c.name);
      }
      if (refused.length === steps.length) {
        throw new ProviderAuthorizationError('Oura refused every collection (403): the user granted none of the scopes Wearhouse reads, or their Oura membership has ended.');
      }
      if (refused.length > 0) log.info({ connectionId: context.connectionId, source: 'oura', refused }, 'oura refused collections the user did not grant');
    },
  };
}
