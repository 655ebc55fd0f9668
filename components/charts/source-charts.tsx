'use client';
// The body of the source page: the range picker (kept in the URL), one panel per data type, the
// raw readings table and the CSV download of the range.
import { Download } from 'lucide-react';
import { parseAsString, parseAsStringLiteral, useQueryStates } from 'nuqs';
import { useEffect, useId } from 'react';
import { Input } from '@/components/ui/input';
import { ReadingPanel, type PanelType } from './reading-panel';
import { ReadingsTable } from './readings-table';
import { endpoint, RANGE_KEYS, RANGE_LABELS, rangeParams, type SourcePath } from './source-keys';

const rangeState = {
  range: parseAsStringLiteral(RANGE_KEYS).withDefault('7d'),
  from: parseAsString,
  to: parseAsString,
};

export function SourceCharts({ source, panels }: { source: SourcePath; panels: PanelType[] }) {
  const [state, setState] = useQueryStates(rangeState, { history: 'replace' });
  // Fetch the charts' code while their data loads, not after.
  useEffect(() => void import('./reading-charts'), []);
  const range = rangeParams(state.range, state.from, state.to);
  const fromId = useId();
  const toId = useId();
  const today = new Date();
  const todayText = `${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, '0')}-${String(today.getDate()).padStart(2, '0')}`;
  const isCustomInvalid = state.range === 'custom' && !!state.from && !!state.to && !range;

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div className="flex flex-wrap items-end gap-3">
          <div role="radiogroup" aria-label="Range" className="inline-flex rounded-md border border-zinc-300 bg-white p-0.5 shadow-sm dark:border-zinc-700 dark:bg-zinc-900">
            {RANGE_KEYS.map((key) => {
              const isChecked = state.range === key;
              return (
                <button
                  key={key}
                  type="button"
                  role="radio"
                  aria-checked={isChecked}
                  tabIndex={isChecked ? 0 : -1}
                  onClick={() => setState(key === 'custom' ? { range: key, from: state.from ?? todayText, to: state.to ?? todayText } : { range: key, from: null, to: null })}
                  onKeyDown={(event) => {
                    const step = event.key === 'ArrowRight' || event.key === 'ArrowDown' ? 1 : event.key === 'ArrowLeft' || event.key === 'ArrowUp' ? -1 : 0;
                    if (!step) return;
                    event.preventDefault();
                    const next = RANGE_KEYS[(RANGE_KEYS.indexOf(key) + step + RANGE_KEYS.length) % RANGE_KEYS.length]!;
                    void setState(next === 'custom' ? { range: next, from: state.from ?? todayText, to: state.to ?? todayText } : { range: next, from: null, to: null });
                    (event.currentTarget.parentElement?.querySelector(`[data-range="${next}"]`) as HTMLElement | null)?.focus();
                  }}
                  data-range={key}
                  className={`rounded px-3 py-1.5 text-sm font-medium focus-visible:outline-2 focus-visible:outline-brand-600 ${isChecked ? 'bg-brand-600 text-white' : 'text-zinc-700 hover:bg-zinc-100 dark:text-zinc-200 dark:hover:bg-zinc-800'}`}
                >
                  {RANGE_LABELS[key]}
                </button>
              );
            })}
          </div>
          {state.range === 'custom' ? (
            <div className="flex flex-wrap items-end gap-2">
              <div>
                <label htmlFor={fromId} className="block text-xs text-zinc-600 dark:text-zinc-400">From</label>
                <Input id={fromId} type="date" value={state.from ?? ''} max={state.to ?? todayText} aria-invalid={isCustomInvalid} onChange={(e) => setState({ from: e.target.value || null })} className="w-40" />
              </div>
              <div>
                <label htmlFor={toId} className="block text-xs text-zinc-600 dark:text-zinc-400">To</label>
                <Input id={toId} type="date" value={state.to ?? ''} min={state.from ?? undefined} aria-invalid={isCustomInvalid} onChange={(e) => setState({ to: e.target.value || null })} className="w-40" />
              </div>
            </div>
          ) : null}
        </div>
        {range ? (
          <a
            href={endpoint(source, 'export', range)}
            download
            className="inline-flex h-9 items-center gap-2 rounded-md border border-zinc-300 bg-white px-3 text-sm font-medium text-zinc-800 shadow-sm hover:bg-zinc-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100 dark:hover:bg-zinc-800"
          >
            <Download aria-hidden className="size-4" /> Download CSV
          </a>
        ) : null}
      </div>
      {isCustomInvalid ? <p role="alert" className="text-sm text-red-700 dark:text-red-400">The start day must not be after the end day.</p> : null}
      {range ? (
        <>
          <div className="grid gap-4 lg:grid-cols-2">
            {panels.map((panel) => <ReadingPanel key={panel.type} source={source} panel={panel} range={range} />)}
          </div>
          <ReadingsTable key={JSON.stringify(range)} source={source} panels={panels} range={range} />
        </>
      ) : (
        <p className="text-sm text-zinc-600 dark:text-zinc-400">Choose the first and last day of the range.</p>
      )}
    </div>
  );
}
