import { ChevronRight } from 'lucide-react';
import type { Metadata } from 'next';
import Link from 'next/link';
import { DeliveryLog } from '@/components/webhooks/delivery-log';
import { SendTestEventButton } from '@/components/webhooks/delivery-buttons';
import { DELIVERY_PAGE_SIZES, listDeliveries } from '@/lib/webhooks/deliveries';
import { getWebhookSettings } from '@/lib/webhooks/settings';
import { appOfPage } from '../app-of-page';
import { redeliverAction, sendTestEventAction } from './actions';

export const metadata: Metadata = { title: 'Webhooks' };

const pagerLink =
  'inline-flex h-8 items-center gap-1 rounded-md border border-zinc-300 bg-white px-2.5 text-sm font-medium text-zinc-800 shadow-sm hover:bg-zinc-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100 dark:hover:bg-zinc-800';

/** `?before=<id>` (an older page) and `?size=25|50|100`, both optional; anything else means the first page. */
function pageQuery(searchParams: Record<string, string | string[] | undefined>) {
  const before = Number(typeof searchParams.before === 'string' ? searchParams.before : NaN);
  const size = Number(typeof searchParams.size === 'string' ? searchParams.size : NaN);
  return {
    before: Number.isSafeInteger(before) && before > 0 ? before : undefined,
    size: (DELIVERY_PAGE_SIZES as readonly number[]).includes(size) ? size : DELIVERY_PAGE_SIZES[0],
  };
}

export default async function WebhooksPage({
  params,
  searchParams,
}: {
  params: Promise<{ clientId: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { caller, app } = await appOfPage((await params).clientId);
  const query = pageQuery(await searchParams);
  const [settings, page] = await Promise.all([
    getWebhookSettings(caller, app.clientId),
    listDeliveries(caller, app.clientId, { before: query.before, limit: query.size }),
  ]);
  const base = `/apps/${app.clientId}/webhooks`;
  const sizeParam = query.size === DELIVERY_PAGE_SIZES[0] ? '' : `&size=${query.size}`;

  return (
    <main aria-labelledby="webhooks-heading" className="space-y-4">
      <div className="flex flex-col gap-3 sm:flex-row sm:items-center sm:justify-between">
        <div className="min-w-0">
          <h2 id="webhooks-heading" className="text-2xl font-semibold tracking-tight">Webhook deliveries</h2>
          <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">
            {settings.url ? (
              <>To <span className="font-mono break-all">{settings.url}</span> · <Link href={`/apps/${app.clientId}/settings#webhooks-heading`} className="text-brand-700 underline dark:text-brand-100">Change</Link></>
            ) : (
              <>No notify URL yet: <Link href={`/apps/${app.clientId}/settings#webhooks-heading`} className="text-brand-700 underline dark:text-brand-100">add one</Link> to receive webhooks.</>
            )}
          </p>
        </div>
        <SendTestEventButton clientId={app.clientId} sendTest={sendTestEventAction} isDisabled={!settings.url} />
      </div>

      <DeliveryLog clientId={app.clientId} deliveries={page.deliveries} redeliver={redeliverAction} isFirstPage={query.before === undefined} />

      <nav aria-label="Delivery pages" className="flex items-center justify-end gap-2">
        {query.before !== undefined ? <Link href={base + (sizeParam ? `?${sizeParam.slice(1)}` : '')} className={pagerLink}>Newest</Link> : null}
        {page.nextBefore !== null ? (
          <Link href={`${base}?before=${page.nextBefore}${sizeParam}`} className={pagerLink}>
            Older
            <ChevronRight aria-hidden="true" className="size-4" />
          </Link>
        ) : null}
      </nav>
    </main>
  );
}
