// Query keys and fetchers of the source page (one factory, so invalidation has one place to look),
// and how a chosen range becomes the endpoints' query string.
import type { SourceReadingPage } from '@/lib/readings/query';
import type { SourceChart } from '@/lib/readings/series';

export type SourcePath = { clientId: string; humanId: string; sourceId: string };

export const RANGE_KEYS = ['24h', '7d', '30d', '90d', '1y', 'custom'] as const;
export type RangeKey = (typeof RANGE_KEYS)[number];
export const RANGE_LABELS: Record<RangeKey, string> = { '24h': '24 h', '7d': '7 d', '30d': '30 d', '90d': '90 d', '1y': '1 y', custom: 'Custom' };

/** A range as the endpoints take it: `range=7d`, or the instants of a custom from/to. */
export type RangeParams = { range: Exclude<RangeKey, 'custom'> } | { from: string; to: string };

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The range the URL asks for. A custom range is whole local days, `to` inclusive: from the start of
 * `from` to the end of `to` in the viewer's time zone. Null while a custom range is incomplete.
 */
export function rangeParams(range: RangeKey, from: string | null, to: string | null): RangeParams | null {
  if (range !== 'custom') return { range };
  if (!from || !to || !DAY.test(from) || !DAY.test(to) || from > to) return null;
  const [fy, fm, fd] = from.split('-').map(Number) as [number, number, number];
  const [ty, tm, td] = to.split('-').map(Number) as [number, number, number];
  return { from: new Date(fy, fm - 1, fd).toISOString(), to: new Date(ty, tm - 1, td + 1).toISOString() };
}

export const basePath = (source: SourcePath) =>
  `/apps/${encodeURIComponent(source.clientId)}/users/${encodeURIComponent(source.humanId)}/sources/${encodeURIComponent(source.sourceId)}`;

export function endpoint(source: SourcePath, name: 'series' | 'readings' | 'export', params: Record<string, string | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined) search.set(key, value);
  return `${basePath(source)}/${name}?${search}`;
}

async function getJson<T>(url: string, signal?: AbortSignal): Promise<T> {
  const response = await fetch(url, { signal, headers: { accept: 'application/json' } });
  if (!response.ok) {
    const body = (await response.json().catch(() => null)) as { error?: string } | null;
    throw new Error(body?.error ?? `The server answered ${response.status}.`);
  }
  return (await response.json()) as T;
}

export type ReadingsCursor = { before?: string; after?: string };

export const sourceKeys = {
  all: (source: SourcePath) => ['source', source.clientId, source.humanId, source.sourceId] as const,
  series: (source: SourcePath, type: string, range: RangeParams) => [...sourceKeys.all(source), 'series', type, range] as const,
  readings: (source: SourcePath, type: string, range: RangeParams, cursor: ReadingsCursor) =>
    [...sourceKeys.all(source), 'readings', type, range, cursor] as const,
};

export const fetchSeries = (source: SourcePath, type: string, range: RangeParams, signal?: AbortSignal) =>
  getJson<SourceChart>(endpoint(source, 'series', { type, ...range }), signal);

export const fetchReadings = (source: SourcePath, type: string, range: RangeParams, cursor: ReadingsCursor, signal?: AbortSignal) =>
  getJson<SourceReadingPage>(endpoint(source, 'readings', { type, ...range, ...cursor }), signal);
