'use client';
// The drawings of the source page's panels (Recharts), loaded after the page itself: the charts
// wait for their data anyway, so Recharts stays out of the page's first-load JavaScript.
import {
  Area, Bar, BarChart, CartesianGrid, ComposedChart, Legend, Line, ReferenceArea, ResponsiveContainer, Tooltip, XAxis, YAxis,
} from 'recharts';
import type { SourceChart } from '@/lib/readings/series';
import { formatDay, formatInterval, formatMinutes, formatNumber, formatTick, timeTicks } from './format';
import type { PanelType } from './reading-panel';

const BRAND = '#1f8a6c';
const SECOND = '#6366f1';
/** A fasting-to-after-meal target for people without diabetes, mg/dL (shown as a band). */
const GLUCOSE_TARGET = { low: 70, high: 180 };

type SeriesChart = Extract<SourceChart, { kind: 'series' }>;
type DailyChart = Extract<SourceChart, { kind: 'daily' }>;

/** A panel's chart in the form that suits its type. */
export default function ReadingChart({ chart, panel }: { chart: SourceChart; panel: PanelType }) {
  return chart.kind === 'daily' ? <DailyBars chart={chart} panel={panel} /> : <SeriesLines chart={chart} panel={panel} />;
}

const axisProps = { stroke: 'currentColor', tick: { fill: 'currentColor', fontSize: 12 }, tickLine: false } as const;

function DailyBars({ chart, panel }: { chart: DailyChart; panel: PanelType }) {
  const isSleep = panel.type === 'sleep';
  const data = chart.points.map((p) => ({ day: p.day, total: isSleep ? p.sum / 60 : p.sum, count: p.count }));
  return (
    <ResponsiveContainer width="100%" height="100%">
      <BarChart data={data} margin={{ top: 4, right: 8, bottom: 0, left: 0 }}>
        <CartesianGrid stroke="currentColor" strokeOpacity={0.15} vertical={false} />
        <XAxis dataKey="day" {...axisProps} tickFormatter={(day: string) => formatDay(day)} minTickGap={16} />
        <YAxis {...axisProps} width={56} tickFormatter={(v: number) => formatNumber(v, 1)} />
        <Tooltip cursor={{ fill: 'currentColor', fillOpacity: 0.08 }} content={(props) => <DailyTooltip {...props} panel={panel} />} />
        <Bar dataKey="total" name={panel.label} fill={BRAND} radius={[3, 3, 0, 0]} isAnimationActive={false} maxBarSize={48} />
      </BarChart>
    </ResponsiveContainer>
  );
}

function SeriesLines({ chart, panel }: { chart: SeriesChart; panel: PanelType }) {
  const from = Date.parse(chart.from);
  const to = Date.parse(chart.to);
  const data = chart.points.map((p) => ({ ...p, band: [p.min, p.max] as [number, number] }));
  const isBloodPressure = panel.type === 'blood_pressure';
  const isBand = panel.type === 'heart_rate' || (!isBloodPressure && chart.intervalSeconds > 60 && data.some((p) => p.min !== p.max));
  const isSparse = data.length < 60;
  return (
    <ResponsiveContainer width="100%" height="100%">
      <ComposedChart data={data} margin={{ top: 4, right: 8, bottom: 0, left: 0 }}>
        <CartesianGrid stroke="currentColor" strokeOpacity={0.15} vertical={false} />
        <XAxis dataKey="t" type="number" scale="time" domain={[from, to]} ticks={timeTicks(from, to)} {...axisProps} tickFormatter={(t: number) => formatTick(t, to - from)} minTickGap={16} />
        <YAxis {...axisProps} width={56} domain={['auto', 'auto']} tickFormatter={(v: number) => formatNumber(v, 1)} />
        {panel.type === 'blood_glucose' ? (
          <ReferenceArea y1={GLUCOSE_TARGET.low} y2={GLUCOSE_TARGET.high} fill={BRAND} fillOpacity={0.08} stroke={BRAND} strokeOpacity={0.3} strokeDasharray="4 4" ifOverflow="extendDomain"
            label={{ value: `Target ${GLUCOSE_TARGET.low}–${GLUCOSE_TARGET.high}`, position: 'insideTopRight', fill: 'currentColor', fontSize: 11 }} />
        ) : null}
        <Tooltip content={(props) => <SeriesTooltip {...props} panel={panel} intervalSeconds={chart.intervalSeconds} />} />
        {isBand ? <Area dataKey="band" name="Min–max" stroke="none" fill={BRAND} fillOpacity={0.18} isAnimationActive={false} /> : null}
        {isBloodPressure ? (
          <>
            <Line dataKey="avg" name="Systolic" stroke="#dc2626" strokeWidth={2} dot={isSparse ? { r: 3 } : false} isAnimationActive={false} />
            <Line dataKey="avg2" name="Diastolic" stroke={SECOND} strokeWidth={2} dot={isSparse ? { r: 3 } : false} isAnimationActive={false} />
            <Legend verticalAlign="top" height={24} iconType="plainline" />
          </>
        ) : (
          <Line dataKey="avg" name={panel.label} stroke={BRAND} strokeWidth={isBand ? 1.5 : 2} dot={isSparse || !isBand ? { r: isSparse ? 3 : 2 } : false} isAnimationActive={false} />
        )}
      </ComposedChart>
    </ResponsiveContainer>
  );
}

/** What a custom tooltip reads of Recharts' props: whether it shows, and the hovered point. */
type TooltipProps = { active?: boolean; payload?: ReadonlyArray<{ payload?: unknown }> };

const tooltipClasses = 'rounded-md border border-zinc-200 bg-white px-3 py-2 text-xs text-zinc-800 shadow-md dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100';

function SeriesTooltip({ active, payload, panel, intervalSeconds }: TooltipProps & { panel: PanelType; intervalSeconds: number }) {
  const point = payload?.[0]?.payload as SeriesChart['points'][number] | undefined;
  if (!active || !point) return null;
  const unit = panel.unit;
  return (
    <div className={tooltipClasses}>
      <p className="font-medium">{formatInterval(point.t, intervalSeconds)}</p>
      {panel.type === 'blood_pressure' ? (
        <p>{formatNumber(point.avg, 0)}/{formatNumber(point.avg2 ?? 0, 0)} {unit}</p>
      ) : (
        <p>{point.count > 1 ? 'Average ' : ''}{formatNumber(point.avg)} {unit}</p>
      )}
      {point.count > 1 && panel.type !== 'blood_pressure' ? <p className="text-zinc-500 dark:text-zinc-400">min {formatNumber(point.min)} – max {formatNumber(point.max)} {unit}</p> : null}
      <p className="text-zinc-500 dark:text-zinc-400">{point.count.toLocaleString()} reading{point.count === 1 ? '' : 's'}</p>
    </div>
  );
}

function DailyTooltip({ active, payload, panel }: TooltipProps & { panel: PanelType }) {
  const point = payload?.[0]?.payload as { day: string; total: number; count: number } | undefined;
  if (!active || !point) return null;
  return (
    <div className={tooltipClasses}>
      <p className="font-medium">{panel.type === 'sleep' ? `Night ending ${formatDay(point.day, 'long')}` : formatDay(point.day, 'long')}</p>
      <p>{panel.type === 'sleep' ? formatMinutes(point.total * 60) : `${formatNumber(point.total)} ${panel.unit}`}</p>
    </div>
  );
}
