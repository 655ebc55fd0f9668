'use client';
// The raw readings of one type over the range, newest first, a keyset page at a time (the cursor
// of a neighbouring page, never an offset). Rendered with TanStack Table.
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { createColumnHelper, tableFeatures, useTable } from '@tanstack/react-table';
import { ChevronLeft, ChevronRight } from 'lucide-react';
import { useId, useMemo, useState } from 'react';
import type { SourceReading } from '@/lib/readings/query';
import { Button } from '@/components/ui/button';
import { Select } from '@/components/ui/input';
import { fetchReadings, sourceKeys, type RangeParams, type ReadingsCursor, type SourcePath } from './source-keys';
import { formatTime } from './format';
import type { PanelType } from './reading-panel';

const features = tableFeatures({});
const helper = createColumnHelper<typeof features, SourceReading>();

export function ReadingsTable({ source, panels, range }: { source: SourcePath; panels: PanelType[]; range: RangeParams }) {
  const headingId = useId();
  const selectId = useId();
  const [type, setType] = useState(panels[0]?.type ?? '');
  const [cursor, setCursor] = useState<ReadingsCursor>({});
  const [pageNumber, setPageNumber] = useState(1);
  const query = useQuery({
    queryKey: sourceKeys.readings(source, type, range, cursor),
    queryFn: ({ signal }) => fetchReadings(source, type, range, cursor, signal),
    placeholderData: keepPreviousData,
    enabled: type !== '',
  });
  const hasSecondValue = type === 'blood_pressure';
  const columns = useMemo(() => helper.columns([
    helper.accessor('timestamp', { header: 'Time (yours)', cell: (info) => <time dateTime={info.getValue()}>{formatTime(Date.parse(info.getValue()))}</time> }),
    helper.accessor('timestamp', { id: 'taken', header: 'As taken (own UTC offset)', cell: (info) => <span className="font-mono text-xs">{info.getValue()}</span> }),
    helper.accessor('value', { header: hasSecondValue ? 'Systolic' : 'Value', cell: (info) => info.getValue().toLocaleString() }),
    ...(hasSecondValue ? [helper.accessor('value2', { header: 'Diastolic', cell: (info) => info.getValue()?.toLocaleString() ?? '' })] : []),
    helper.accessor('unit', { header: 'Unit' }),
  ]), [hasSecondValue]);
  const page = query.data;
  const table = useTable({ features, columns, data: page?.readings ?? [] });

  const go = (next: ReadingsCursor, step: number) => {
    setCursor(next);
    setPageNumber((n) => n + step);
  };
  const label = panels.find((p) => p.type === type)?.label ?? type;

  return (
    <section aria-labelledby={headingId} className="rounded-lg border border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900">
      <div className="flex flex-wrap items-center justify-between gap-3 border-b border-zinc-200 px-4 py-3 dark:border-zinc-800">
        <h2 id={headingId} className="font-semibold">Raw readings</h2>
        <div className="flex items-center gap-2">
          <label htmlFor={selectId} className="text-sm text-zinc-600 dark:text-zinc-400">Type</label>
          <Select id={selectId} value={type} className="w-auto" onChange={(event) => { setType(event.target.value); setCursor({}); setPageNumber(1); }}>
            {panels.map((p) => <option key={p.type} value={p.type}>{p.label}</option>)}
          </Select>
        </div>
      </div>
      <div className="relative overflow-x-auto">
        <table className="w-full text-left text-sm" aria-describedby={`${headingId}-status`}>
          <caption className="sr-only">{label} readings, newest first</caption>
          <thead className="bg-zinc-50 text-xs uppercase tracking-wide text-zinc-600 dark:bg-zinc-950 dark:text-zinc-400">
            {table.getHeaderGroups().map((group) => (
              <tr key={group.id}>
                {group.headers.map((header) => (
                  <th key={header.id} scope="col" className="px-4 py-2 font-medium">
                    {header.isPlaceholder ? null : <table.FlexRender header={header} />}
                  </th>
                ))}
              </tr>
            ))}
          </thead>
          <tbody className={`divide-y divide-zinc-100 dark:divide-zinc-800 ${query.isPlaceholderData ? 'opacity-60' : ''}`}>
            {table.getRowModel().rows.map((row) => (
              <tr key={row.original.id}>
                {row.getAllCells().map((cell) => (
                  <td key={cell.id} className="whitespace-nowrap px-4 py-1.5">
                    <table.FlexRender cell={cell} />
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
        {query.isPending ? (
          <div role="status" aria-label="Loading readings" className="space-y-2 p-4">
            {Array.from({ length: 5 }, (_, i) => <div key={i} className="h-5 animate-pulse rounded bg-zinc-100 dark:bg-zinc-800" />)}
          </div>
        ) : query.isError ? (
          <p role="alert" className="p-4 text-sm text-red-700 dark:text-red-400">Could not load readings: {query.error.message}</p>
        ) : page && page.readings.length === 0 ? (
          <p className="p-4 text-sm text-zinc-500 dark:text-zinc-400">No {label.toLowerCase()} readings in this range.</p>
        ) : null}
      </div>
      <div className="flex items-center justify-between gap-3 border-t border-zinc-200 px-4 py-2 dark:border-zinc-800">
        <p id={`${headingId}-status`} className="text-sm text-zinc-600 dark:text-zinc-400" aria-live="polite">
          {page ? `Page ${pageNumber} · ${page.readings.length} readings` : ''}
        </p>
        <div className="flex gap-2">
          <Button size="sm" disabled={!page?.newer || query.isFetching} onClick={() => go({ after: page!.newer! }, -1)}>
            <ChevronLeft aria-hidden className="size-4" /> Previous
          </Button>
          <Button size="sm" disabled={!page?.older || query.isFetching} onClick={() => go({ before: page!.older! }, 1)}>
            Next <ChevronRight aria-hidden className="size-4" />
          </Button>
        </div>
      </div>
    </section>
  );
}
