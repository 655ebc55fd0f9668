'use client';
// The user's connected sources as cards. A TanStack Query seeded by the server render: the Connect
// modal invalidates it when the widget says a source was connected or disconnected, and while a
// sync is pending it polls, so counts and status arrive without a reload.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { AlertTriangle, ChartLine, RefreshCw, Unplug } from 'lucide-react';
import Link from 'next/link';
import { toast } from 'sonner';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { LocalTime } from '@/components/ui/local-time';
import type { ActionResult } from './action-result';
import { describeStatus, type ConnectionCardView } from './connection-card-view';
import { connectionKeys, connectionsUrl } from './query-keys';

type SourceAction = (input: { clientId: string; humanId: string; sourceId: string }) => Promise<ActionResult>;

const POLL_MS = 3_000;
const numberFormat = new Intl.NumberFormat('en-US');

async function fetchConnections(clientId: string, humanId: string): Promise<ConnectionCardView[]> {
  const response = await fetch(connectionsUrl(clientId, humanId), { headers: { accept: 'application/json' } });
  const body = (await response.json().catch(() => null)) as { connections?: ConnectionCardView[]; message?: string } | null;
  if (!response.ok || !body?.connections) throw new Error(body?.message ?? `Loading the sources failed (${response.status}).`);
  return body.connections;
}

export function useConnections(clientId: string, humanId: string, initialConnections?: ConnectionCardView[]) {
  return useQuery({
    queryKey: connectionKeys.ofUser(clientId, humanId),
    queryFn: () => fetchConnections(clientId, humanId),
    initialData: initialConnections,
    refetchInterval: (query) => (query.state.data?.some((c) => c.isSyncPending || c.status === 'syncing') ? POLL_MS : false),
  });
}

export function ConnectionCards({
  clientId,
  humanId,
  initialConnections,
  syncNow,
  disconnect,
}: {
  clientId: string;
  humanId: string;
  initialConnections: ConnectionCardView[];
  syncNow: SourceAction;
  disconnect: SourceAction;
}) {
  const { data: connections = initialConnections, error, isFetching } = useConnections(clientId, humanId, initialConnections);
  return (
    <div aria-busy={isFetching}>
      {error ? (
        <p role="alert" className="mb-3 text-sm text-red-700 dark:text-red-400">{error.message}</p>
      ) : null}
      {connections.length === 0 ? (
        <div className="rounded-lg border border-dashed border-zinc-300 px-6 py-10 text-center dark:border-zinc-700">
          <p className="font-medium text-zinc-900 dark:text-zinc-100">No connected sources</p>
          <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">
            Use <span className="font-medium">Connect a source</span> to link one for this user, as they would in your app.
          </p>
        </div>
      ) : (
        <ul className="grid gap-4 md:grid-cols-2 xl:grid-cols-3" aria-label="Connected sources">
          {connections.map((connection) => (
            <li key={connection.sourceId}>
              <ConnectionCard clientId={clientId} humanId={humanId} connection={connection} syncNow={syncNow} disconnect={disconnect} />
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function ConnectionCard({
  clientId,
  humanId,
  connection,
  syncNow,
  disconnect,
}: {
  clientId: string;
  humanId: string;
  connection: ConnectionCardView;
  syncNow: SourceAction;
  disconnect: SourceAction;
}) {
  const queryClient = useQueryClient();
  const key = connectionKeys.ofUser(clientId, humanId);
  const ref = { clientId, humanId, sourceId: connection.sourceId };
  const name = connection.sourceName;
  const status = describeStatus(connection);
  const headingId = `source-${connection.sourceId}`;

  const sync = useMutation({
    mutationFn: async () => {
      const result = await syncNow(ref);
      if (!result.ok) throw new Error(result.message);
    },
    onSuccess: () => toast.success(`Sync of ${name} requested`),
    onError: (error) => toast.error(`${name} was not synced: ${error.message}`),
    onSettled: () => queryClient.invalidateQueries({ queryKey: key }),
  });

  const remove = async () => {
    const result = await disconnect(ref);
    if (!result.ok) {
      toast.error(`${name} was not disconnected: ${result.message}`);
      return false;
    }
    queryClient.setQueryData<ConnectionCardView[]>(key, (list) => list?.filter((c) => c.sourceId !== connection.sourceId));
    void queryClient.invalidateQueries({ queryKey: key });
    toast.success(`${name} disconnected`);
    return true;
  };

  return (
    <article
      aria-labelledby={headingId}
      className="flex h-full flex-col rounded-lg border border-zinc-200 bg-white p-4 shadow-sm dark:border-zinc-800 dark:bg-zinc-900"
    >
      <header className="flex items-start justify-between gap-3">
        <h3 id={headingId} className="text-base font-semibold">
          <Link
            href={`/apps/${clientId}/users/${humanId}/sources/${connection.sourceId}`}
            className="inline-flex items-center gap-1.5 rounded text-zinc-900 hover:underline focus-visible:outline-2 focus-visible:outline-brand-600 dark:text-zinc-50"
          >
            <ChartLine aria-hidden className="size-4 text-brand-600 dark:text-brand-400" />
            {name}
          </Link>
        </h3>
        <Badge tone={status.tone}>{status.label}</Badge>
      </header>
      <dl className="mt-3 grid grid-cols-[auto_1fr] gap-x-4 gap-y-1.5 text-sm">
        <dt className="text-zinc-500 dark:text-zinc-400">Connected since</dt>
        <dd><LocalTime value={connection.connectedSince} /></dd>
        <dt className="text-zinc-500 dark:text-zinc-400">Last sync</dt>
        <dd><LocalTime value={connection.lastSyncAt} fallback="Not yet" /></dd>
        <dt className="text-zinc-500 dark:text-zinc-400">Readings</dt>
        <dd className="tabular-nums">{numberFormat.format(connection.readingCount)}</dd>
        <dt className="text-zinc-500 dark:text-zinc-400">Last error</dt>
        <dd className={connection.lastError ? 'text-red-700 dark:text-red-400' : 'text-zinc-500 dark:text-zinc-400'}>
          {connection.lastError ? (
            <span className="inline-flex items-start gap-1">
              <AlertTriangle aria-hidden className="mt-0.5 size-3.5 shrink-0" />
              <span className="break-words">{connection.lastError}</span>
            </span>
          ) : (
            'None'
          )}
        </dd>
      </dl>
      <div className="mt-3">
        <p className="sr-only">Data types</p>
        <ul className="flex flex-wrap gap-1.5" aria-label={`Data types of ${name}`}>
          {connection.dataTypes.map((type) => (
            <li key={type}>
              <Badge isMonospace>{type}</Badge>
            </li>
          ))}
        </ul>
      </div>
      <div className="mt-auto flex flex-wrap gap-2 pt-4">
        <Button size="sm" onClick={() => sync.mutate()} disabled={sync.isPending}>
          <RefreshCw aria-hidden className={`size-4 ${sync.isPending ? 'animate-spin' : ''}`} />
          {sync.isPending ? 'Requesting…' : 'Sync now'}
          <span className="sr-only"> {name}</span>
        </Button>
        <ConfirmDialog
          trigger={
            <Button size="sm">
              <Unplug aria-hidden className="size-4 text-red-600 dark:text-red-400" />
              Disconnect<span className="sr-only"> {name}</span>
            </Button>
          }
          title={`Disconnect ${name}?`}
          description={
            <p>
              {name} stops syncing for this user and its readings are deleted
              {connection.readingCount > 0 ? ` (${numberFormat.format(connection.readingCount)} so far)` : ''}. The user can connect it
              again in Connect.
            </p>
          }
          confirmLabel="Disconnect"
          pendingLabel="Disconnecting…"
          onConfirm={remove}
        />
      </div>
    </article>
  );
}
