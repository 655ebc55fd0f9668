// The demo sources' connector: what a provider's history and later updates would be, generated
// (lib/sources/demo/generator.ts) instead of fetched. Same contract as the real providers'.
import type { Connector, SyncContext } from '../connector';
import { demoReadings, HISTORY_DAYS } from './generator';

const DAY_MS = 86_400_000;
/** A later sync starts this long before the newest reading it has, in case of late arrivals. */
export const SYNC_OVERLAP_MS = 60 * 60_000;
/** Readings handed to write() at a time: between pages the job renews its claim and checks the connection. */
const READINGS_PER_PAGE = 2_000;

/** The window a run covers: HISTORY_DAYS back on the first sync, else from shortly before the newest reading. */
export function demoWindow(context: Pick<SyncContext, 'now' | 'historySyncedAt' | 'lastSyncAt' | 'newestReadingAt'>): { from: Date; to: Date } {
  const to = context.now;
  const historyFrom = to.getTime() - HISTORY_DAYS * DAY_MS;
  const isFirst = context.historySyncedAt === null && context.lastSyncAt === null;
  const since = context.newestReadingAt ?? context.lastSyncAt;
  const from = isFirst || !since ? historyFrom : Math.max(historyFrom, since.getTime() - SYNC_OVERLAP_MS);
  return { from: new Date(from), to };
}

export const demoConnector: Connector = {
  async sync(context) {
    const readings = demoReadings(context.humanId, context.sourceId, demoWindow(context));
    for (let start = 0; start < readings.length; start += READINGS_PER_PAGE) {
      context.signal.throwIfAborted();
      await context.write(readings.slice(start, start + READINGS_PER_PAGE));
    }
  },
};
