// The delivery log's table: one row per event (newest first) with its status, attempts, the last
// response code, when the next attempt is due, and each attempt's details on demand.
import Link from 'next/link';
import { Badge, type BadgeTone } from '@/components/ui/badge';
import { LocalTime } from '@/components/ui/local-time';
import type { Delivery } from '@/lib/webhooks/deliveries';
import { RedeliverButton } from './delivery-buttons';

type RedeliverAction = Parameters<typeof RedeliverButton>[0]['redeliver'];

const STATUS: Record<Delivery['status'], { label: string; tone: BadgeTone }> = {
  pending: { label: 'Pending', tone: 'info' },
  succeeded: { label: 'Delivered', tone: 'success' },
  failed: { label: 'Failed', tone: 'danger' },
};

const COLUMNS = ['Event', 'humanId', 'Status', 'Attempts', 'Last response', 'Next attempt', 'Created', 'Actions'];

function responseOf(status: number | null, error: string | null) {
  if (status !== null) return <span className={`font-mono ${status >= 200 && status < 300 ? '' : 'text-red-700 dark:text-red-400'}`}>{status}</span>;
  if (error) return <span className="text-red-700 dark:text-red-400">{error}</span>;
  return <span className="text-zinc-500 dark:text-zinc-400">—</span>;
}

export function DeliveryLog({ clientId, deliveries, redeliver, isFirstPage }: { clientId: string; deliveries: Delivery[]; redeliver: RedeliverAction; isFirstPage: boolean }) {
  return (
    <div className="relative overflow-x-auto rounded-lg border border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900">
      <table className="w-full text-left text-sm">
        <caption className="sr-only">Webhook deliveries, newest first</caption>
        <thead className="border-b border-zinc-200 bg-zinc-50 text-xs text-zinc-600 dark:border-zinc-800 dark:bg-zinc-950 dark:text-zinc-400">
          <tr>
            {COLUMNS.map((name) => (
              <th key={name} scope="col" className="h-10 px-2.5 font-medium whitespace-nowrap">{name}</th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">
          {deliveries.length === 0 ? (
            <tr>
              <td colSpan={COLUMNS.length} className="px-2.5 py-8 text-center text-zinc-600 dark:text-zinc-400">
                {isFirstPage ? 'No deliveries yet. Events appear here when readings arrive, or send a test event.' : 'No older deliveries.'}
              </td>
            </tr>
          ) : (
            deliveries.map((delivery) => (
              <tr key={delivery.id} className="align-top">
                <td className="px-2.5 py-2">
                  <div className="font-medium">{delivery.eventType}</div>
                  <details className="mt-0.5">
                    <summary className="cursor-pointer font-mono text-xs text-zinc-600 dark:text-zinc-400">
                      {delivery.eventId}
                      <span className="sr-only">: attempts</span>
                    </summary>
                    {delivery.attemptLog.length ? (
                      <ol className="mt-1 space-y-1 text-xs">
                        {delivery.attemptLog.map((attempt) => (
                          <li key={attempt.attempt} className="rounded border border-zinc-200 p-1.5 dark:border-zinc-800">
                            <span className="font-medium">#{attempt.attempt}</span> · <LocalTime value={attempt.at} /> · {responseOf(attempt.responseStatus, attempt.error)} · {attempt.durationMs} ms
                            {attempt.responseExcerpt ? <pre className="mt-1 max-w-md overflow-x-auto font-mono whitespace-pre-wrap text-zinc-600 dark:text-zinc-400">{attempt.responseExcerpt}</pre> : null}
                          </li>
                        ))}
                      </ol>
                    ) : (
                      <p className="mt-1 text-xs text-zinc-500 dark:text-zinc-400">Not attempted yet.</p>
                    )}
                  </details>
                </td>
                <td className="px-2.5 py-2 font-mono text-xs">
                  {delivery.humanId ? (
                    <Link href={`/apps/${clientId}/users/${delivery.humanId}`} className="text-brand-700 hover:underline dark:text-brand-100">{delivery.humanId}</Link>
                  ) : (
                    <span className="text-zinc-500 dark:text-zinc-400">—</span>
                  )}
                </td>
                <td className="px-2.5 py-2"><Badge tone={STATUS[delivery.status].tone}>{STATUS[delivery.status].label}</Badge></td>
                <td className="px-2.5 py-2 tabular-nums">{delivery.attempts}</td>
                <td className="max-w-xs px-2.5 py-2">{responseOf(delivery.lastResponseStatus, delivery.lastError)}</td>
                <td className="px-2.5 py-2 whitespace-nowrap">{delivery.nextAttemptAt ? <LocalTime value={delivery.nextAttemptAt} /> : <span className="text-zinc-500 dark:text-zinc-400">—</span>}</td>
                <td className="px-2.5 py-2 whitespace-nowrap"><LocalTime value={delivery.createdAt} /></td>
                <td className="px-2.5 py-2">
                  <RedeliverButton clientId={clientId} deliveryId={delivery.id} eventId={delivery.eventId} redeliver={redeliver} />
                </td>
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}
