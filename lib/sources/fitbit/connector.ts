// The Fitbit connector: reads a connection's data from the Fitbit Web API through the sync's
// authorized fetch and writes normalized readings, page by page. What it reads, per run:
//   profile            the user's UTC offset (Fitbit's times are the user's local clock time)
//   steps              daily totals, one request for the whole window (activities time series)
//   body weight log    weight (kg), BMI and body fat of each weigh-in, in windows of 31 days
//   sleep log list     each sleep (minutes asleep), paging through `pagination.next`
//   heart rate         intraday, one reading per minute, one request per day
// The first run (history backfill) reads HISTORY_DAYS days; later runs start a day before the
// newest reading they have. Every reading's sourceReadingId is Fitbit's own identity for it (the
// log id, or the local date and minute), so a re-sync overwrites rather than duplicates.
// https://dev.fitbit.com/build/reference/web-api/
import { z } from 'zod';
import type { ReadingInput } from '../../readings/ingest';
import type { Connector, SyncContext } from '../connector';
import { providerEndpoints } from '../oauth/providers';

/**
 * Days of history the first sync reads. Intraday heart rate costs a request per day and Fitbit
 * allows 150 requests per user and hour, so 90 days (~96 requests in all) fit in one hour's budget.
 */
export const HISTORY_DAYS = 90;
/** A later sync re-reads this many days before its newest reading (late uploads from the tracker). */
export const OVERLAP_DAYS = 1;
/** The body log answers at most 31 days per request. */
const BODY_LOG_DAYS = 31;
/** The sleep list's largest page. */
const SLEEP_PAGE = 100;

const DAY_MS = 86_400_000;
const LocalDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const LocalDateTime = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/);

const Profile = z.object({ user: z.object({ offsetFromUTCMillis: z.number().int().default(0) }) });
const Steps = z.object({ 'activities-steps': z.array(z.object({ dateTime: LocalDate, value: z.coerce.number() })) });
const Weights = z.object({
  weight: z.array(z.object({
    logId: z.union([z.number(), z.string()]),
    date: LocalDate,
    time: z.string().regex(/^\d{2}:\d{2}(:\d{2})?$/),
    weight: z.number(),
    bmi: z.number().optional(),
    fat: z.number().optional(),
    source: z.string().optional(),
  })),
});
const Sleeps = z.object({
  sleep: z.array(z.object({
    logId: z.union([z.number(), z.string()]),
    startTime: LocalDateTime,
    endTime: LocalDateTime,
    minutesAsleep: z.number(),
    timeInBed: z.number().optional(),
    minutesAwake: z.number().optional(),
    efficiency: z.number().optional(),
    isMainSleep: z.boolean().optional(),
    type: z.string().optional(),
  })),
  pagination: z.object({ next: z.string().optional().default('') }).optional(),
});
const Heart = z.object({
  'activities-heart-intraday': z.object({
    dataset: z.array(z.object({ time: z.string().regex(/^\d{2}:\d{2}:\d{2}$/), value: z.number() })),
  }).optional(),
});

/** The user's local calendar date at `at`. */
const localDateOf = (at: Date, offsetMs: number) => new Date(at.getTime() + offsetMs).toISOString().slice(0, 10);
const addDays = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
/** A local clock time (no zone, as Fitbit writes them) as the instant it was for the user. */
const instantOf = (local: string, offsetMs: number) => new Date(Date.parse(`${local.length === 16 ? `${local}:00` : local}Z`) - offsetMs);

/** The first local date this run reads: the backfill's start, or shortly before the newest reading. */
export function windowStart(context: Pick<SyncContext, 'historySyncedAt' | 'newestReadingAt' | 'lastSyncAt' | 'now'>, offsetMs: number): string {
  const today = localDateOf(context.now, offsetMs);
  const earliest = addDays(today, -(HISTORY_DAYS - 1));
  if (!context.historySyncedAt) return earliest;
  const resumeAt = context.newestReadingAt ?? context.lastSyncAt;
  if (!resumeAt) return earliest;
  const from = addDays(localDateOf(resumeAt, offsetMs), -OVERLAP_DAYS);
  return from < earliest ? earliest : from > today ? today : from;
}

async function sync(context: SyncContext): Promise<void> {
  const api = providerEndpoints('fitbit').apiBaseUrl;
  const apiOrigin = new URL(api).origin;

  async function get<T>(what: string, url: string, schema: z.ZodType<T>): Promise<T> {
    context.signal.throwIfAborted();
    const response = await context.providerFetch(url, { signal: context.signal });
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`Fitbit answered ${response.status} for the ${what}.`);
    }
    const parsed = schema.safeParse(await response.json());
    if (!parsed.success) throw new Error(`Fitbit's ${what} was not in the documented shape: ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}`);
    return parsed.data;
  }

  const profile = await get('profile', `${api}/1/user/-/profile.json`, Profile);
  const offsetMs = profile.user.offsetFromUTCMillis;
  const tzOffsetMinutes = Math.round(offsetMs / 60_000);
  const from = windowStart(context, offsetMs);
  const to = localDateOf(context.now, offsetMs);
  const atLocalMidnight = (date: string) => instantOf(`${date}T00:00:00`, offsetMs);

  // Steps: daily totals (today's grows during the day; the same id overwrites it).
  const steps = await get('steps', `${api}/1/user/-/activities/steps/date/${from}/${to}.json`, Steps);
  await context.write(steps['activities-steps'].filter((day) => day.value > 0).map((day): ReadingInput => ({
    type: 'steps', ts: atLocalMidnight(day.dateTime), tzOffsetMinutes, value: day.value, sourceReadingId: `steps:${day.dateTime}`,
  })));

  // Weigh-ins: weight in kg (Fitbit answers in metric units unless asked for US or UK ones).
  for (let start = from; start <= to; start = addDays(start, BODY_LOG_DAYS)) {
    const end = addDays(start, BODY_LOG_DAYS - 1) < to ? addDays(start, BODY_LOG_DAYS - 1) : to;
    const body = await get('body weight log', `${api}/1/user/-/body/log/weight/date/${start}/${end}.json`, Weights);
    await context.write(body.weight.flatMap((entry): ReadingInput[] => {
      const ts = instantOf(`${entry.date}T${entry.time.length === 5 ? `${entry.time}:00` : entry.time}`, offsetMs);
      const id = String(entry.logId);
      const sourceData = entry.source ? { source: entry.source } : null;
      return [
        { type: 'weight', ts, tzOffsetMinutes, value: entry.weight, sourceReadingId: `weight:${id}`, sourceData },
        ...(entry.bmi !== undefined ? [{ type: 'bmi' as const, ts, tzOffsetMinutes, value: entry.bmi, sourceReadingId: `bmi:${id}`, sourceData }] : []),
        ...(entry.fat !== undefined ? [{ type: 'body_fat' as const, ts, tzOffsetMinutes, value: entry.fat, sourceReadingId: `fat:${id}`, sourceData }] : []),
      ];
    }));
  }

  // Sleep: the log list after the day before the window, oldest first, following Fitbit's next links.
  let next: string | null = `${api}/1.2/user/-/sleep/list.json?afterDate=${addDays(from, -1)}&sort=asc&offset=0&limit=${SLEEP_PAGE}`;
  for (let page = 0; next && page < 1000; page++) {
    const sleeps: z.infer<typeof Sleeps> = await get('sleep log list', next, Sleeps);
    await context.write(sleeps.sleep.map((entry): ReadingInput => ({
      type: 'sleep',
      ts: instantOf(entry.startTime, offsetMs),
      tzOffsetMinutes,
      value: entry.minutesAsleep,
      sourceReadingId: `sleep:${entry.logId}`,
      sourceData: {
        endTime: instantOf(entry.endTime, offsetMs).toISOString(),
        ...(entry.timeInBed !== undefined ? { timeInBed: entry.timeInBed } : {}),
        ...(entry.minutesAwake !== undefined ? { minutesAwake: entry.minutesAwake } : {}),
        ...(entry.efficiency !== undefined ? { efficiency: entry.efficiency } : {}),
        ...(entry.isMainSleep !== undefined ? { isMainSleep: entry.isMainSleep } : {}),
        ...(entry.type ? { stages: entry.type === 'stages' } : {}),
      },
    })));
    const link = sleeps.pagination?.next;
    // Only links to the provider's own API are followed (providerFetch refuses others anyway).
    next = link && new URL(link, api).origin === apiOrigin ? new URL(link, api).href : null;
  }

  // Intraday heart rate: a day per request, oldest first.
  for (let date = from; date <= to; date = addDays(date, 1)) {
    const heart = await get('intraday heart rate', `${api}/1/user/-/activities/heart/date/${date}/1d/1min.json`, Heart);
    const dataset = heart['activities-heart-intraday']?.dataset ?? [];
    if (dataset.length === 0) continue;
    await context.write(dataset.map((point): ReadingInput => ({
      type: 'heart_rate', ts: instantOf(`${date}T${point.time}`, offsetMs), tzOffsetMinutes, value: point.value, sourceReadingId: `hr:${date}T${point.time}`,
    })));
  }
}

export const fitbitConnector: Connector = { sync };
