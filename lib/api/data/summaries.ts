// Daily summaries in the Data API, computed from the readings' hourly rollups:
// GET /v1/human/activities/summaries and /v1/human/sleeps/summaries, newest day first.
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { isCalendarDay } from '../../readings/query';
import { activitySummaries, sleepSummaries, type SummaryCursor, type SummaryPage, type SummaryQuery } from '../../readings/summaries';
import { cursorParam, type DataEnv, type DataRouter, errorResponses, LinkHeader, pagingParams, security, setLinkHeader, tags } from './common';

const CURSOR = /^\d{4}-\d{2}-\d{2}\.[1-9]\d{0,15}$/;
/** A summary cursor is `<day>.<connection id>`: the position of one summary in newest-first order. */
const summaryCursor = (cursor: SummaryCursor) => `${cursor.date}.${cursor.connectionId}`;
function parseSummaryCursor(value: string): SummaryCursor | null {
  const [date, id] = value.split('.');
  if (!isCalendarDay(date!) || !Number.isSafeInteger(Number(id))) return null;
  return { date: date!, connectionId: Number(id) };
}

const SummariesQuery = z.object({
  ...pagingParams,
  before: cursorParam('before', CURSOR, parseSummaryCursor, 'Only summaries older than this cursor (from a Link header).'),
  after: cursorParam('after', CURSOR, parseSummaryCursor, 'Only summaries newer than this cursor (from a Link header).'),
});

const common = {
  humanId: z.string(),
  userId: z.string().openapi({ description: 'Deprecated: the same as humanId.' }),
  source: z.string().openapi({ description: 'The source id.', example: 'fitbit' }),
};

const ActivitySummary = z
  .object({
    id: z.string().openapi({ description: 'The source and the day.', example: 'fitbit:2026-11-20' }),
    ...common,
    date: z.string().openapi({ description: 'The local day.', example: '2026-11-20' }),
    steps: z.number().nullable(),
    distance: z.number().nullable().openapi({ description: 'Metres.' }),
    calories: z.number().nullable().openapi({ description: 'Kilocalories.' }),
    activeMinutes: z.number().nullable(),
  })
  .openapi('HumanActivitySummary');

const SleepSummary = z
  .object({
    id: z.string().openapi({ example: 'fitbit:2026-11-20' }),
    ...common,
    date: z.string().openapi({ description: 'The day the night ends: sleep from local noon on counts towards the next day.', example: '2026-11-20' }),
    timeAsleep: z.number().openapi({ description: 'Minutes asleep.' }),
  })
  .openapi('HumanSleepSummary');

const summariesRoute = <T extends z.ZodType>(path: string, summary: string, schema: T) =>
  createRoute({
    method: 'get', path, tags, security, summary,
    request: { query: SummariesQuery },
    responses: {
      200: { description: 'A page of daily summaries, one per source and day. `Link` names the next and previous pages.', headers: LinkHeader, content: { 'application/json': { schema: z.array(schema) } } },
      ...errorResponses,
    },
  });

const activitiesRoute = summariesRoute('/activities/summaries', 'Daily activity totals (steps, distance, calories, active minutes), newest first', ActivitySummary);
const sleepsRoute = summariesRoute('/sleeps/summaries', 'Sleep per night, newest first', SleepSummary);

type Query = z.infer<typeof SummariesQuery>;

/** Run a summaries query and answer with its page and Link header. */
async function answer<T extends object>(c: Context<DataEnv>, query: Query, run: (q: SummaryQuery) => Promise<SummaryPage<T>>) {
  const page = await run({
    limit: query.limit, offset: query.offset, before: query.before, after: query.after,
    startDate: query.start_date, endDate: query.end_date, source: query.source,
  });
  const first = page.cursors[0];
  const last = page.cursors.at(-1);
  setLinkHeader(c, {
    limit: query.limit,
    first: first && summaryCursor(first),
    last: last && summaryCursor(last),
    hasOlder: query.after ? true : page.hasMore,
    hasNewer: query.after ? page.hasMore : query.before !== undefined || query.offset > 0,
  });
  const { humanId } = c.var.caller;
  return page.summaries.map((summary) => ({ humanId, userId: humanId, ...summary }));
}

export function registerSummaryRoutes(router: DataRouter) {
  router.openapi(activitiesRoute, async (c) => {
    const summaries = await answer(c, c.req.valid('query'), (q) => activitySummaries(c.var.caller, q));
    return c.json(summaries.map(({ id, humanId, userId, date, source, steps, distance, calories, activeMinutes }) =>
      ({ id, humanId, userId, date, source, steps, distance, calories, activeMinutes })), 200);
  });
  router.openapi(sleepsRoute, async (c) => {
    const summaries = await answer(c, c.req.valid('query'), (q) => sleepSummaries(c.var.caller, q));
    return c.json(summaries.map(({ id, humanId, userId, date, source, timeAsleep }) => ({ id, humanId, userId, date, source, timeAsleep })), 200);
  });
}
