'use client';
// One panel of the source page: a type's readings over the range, drawn the way that suits it
// (heart rate as a line in its min–max band, amounts as daily bars, blood pressure as two lines,
// glucose against its target range, body measurements as points on a line).
import { useQuery } from '@tanstack/react-query';
import dynamic from 'next/dynamic';
import { useId } from 'react';
import type { SourceChart } from '@/lib/readings/series';
import { fetchSeries, sourceKeys, type RangeParams, type SourcePath } from './source-keys';
import { formatNumber } from './format';

export type PanelType = { type: string; label: string; unit: string };

const CHART_HEIGHT = 240;

const Skeleton = ({ label }: { label: string }) => (
  <div role="status" aria-label={`Loading ${label}`} className="h-full animate-pulse rounded-md bg-zinc-100 dark:bg-zinc-800" />
);
const ReadingChart = dynamic(() => import('./reading-charts'), { ssr: false, loading: () => <Skeleton label="the chart" /> });

export function ReadingPanel({ source, panel, range }: { source: SourcePath; panel: PanelType; range: RangeParams }) {
  const headingId = useId();
  const query = useQuery({
    queryKey: sourceKeys.series(source, panel.type, range),
    queryFn: ({ signal }) => fetchSeries(source, panel.type, range, signal),
  });
  const chart = query.data;
  const count = chart ? chart.points.reduce((n, p) => n + p.count, 0) : 0;
  return (
    <section aria-labelledby={headingId} className="rounded-lg border border-zinc-200 bg-white p-4 dark:border-zinc-800 dark:bg-zinc-900">
      <div className="flex flex-wrap items-baseline justify-between gap-x-4 gap-y-1">
        <h2 id={headingId} className="font-semibold">{panel.label} <span className="text-sm font-normal text-zinc-500 dark:text-zinc-400">({panel.type === 'sleep' ? 'hours' : panel.unit})</span></h2>
        {chart && count > 0 ? <p className="text-xs text-zinc-500 dark:text-zinc-400">{summaryOf(chart, count)}</p> : null}
      </div>
      <div className="mt-3" style={{ height: CHART_HEIGHT }}>
        {query.isPending ? (
          <Skeleton label={panel.label} />
        ) : query.isError ? (
          <div role="alert" className="flex h-full items-center justify-center rounded-md border border-dashed border-red-300 text-sm text-red-700 dark:border-red-900 dark:text-red-400">
            Could not load {panel.label.toLowerCase()}: {query.error.message}
          </div>
        ) : count === 0 ? (
          <div className="flex h-full items-center justify-center rounded-md border border-dashed border-zinc-300 text-sm text-zinc-500 dark:border-zinc-700 dark:text-zinc-400">
            No {panel.label.toLowerCase()} readings in this range.
          </div>
        ) : (
          <figure aria-label={`${panel.label} chart`} className="h-full text-zinc-500 dark:text-zinc-400" data-points={chart!.points.length}>
            <ReadingChart chart={chart!} panel={panel} />
          </figure>
        )}
      </div>
    </section>
  );
}

function summaryOf(chart: SourceChart, count: number): string {
  const readings = `${count.toLocaleString()} reading${count === 1 ? '' : 's'}`;
  if (chart.kind === 'daily') return `${readings} · ${chart.points.length} day${chart.points.length === 1 ? '' : 's'}`;
  const per = chart.intervalSeconds >= 3600 ? `${formatNumber(chart.intervalSeconds / 3600)} h` : `${formatNumber(chart.intervalSeconds / 60)} min`;
  return `${readings} · ${chart.points.length} points of ${per} · from ${chart.resolution === 'rollups' ? 'hourly rollups' : 'raw readings'}`;
}

