'use client';
// Webhooks: the notify URL (checked on save: no loopback or private address), the signing secret
// (shown once when made or rotated, then only its hint) and a link to the delivery log.
import { RefreshCw, Trash2 } from 'lucide-react';
import Link from 'next/link';
import { useActionState, useState, useTransition } from 'react';
import { toast } from 'sonner';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { Dialog, DialogActions, DialogClose } from '@/components/ui/dialog';
import { Input } from '@/components/ui/input';
import { LocalTime } from '@/components/ui/local-time';
import type { WebhookSettings as Settings } from '@/lib/webhooks/settings';
import { idle, type FormState } from '../action-state';
import { NotShownAgain, OneTimeSecret } from '../one-time-secret';

type SaveAction = (previous: FormState<{ secret: string | null }>, formData: FormData) => Promise<FormState<{ secret: string | null }>>;
type RotateAction = (input: { clientId: string }) => Promise<FormState<{ secret: string }>>;
type RemoveAction = (input: { clientId: string }) => Promise<FormState>;

const KEEP_IT = 'Your endpoint verifies each webhook’s signature with it (any Standard Webhooks library does). Wearhouse keeps it encrypted to sign deliveries and will only show its first and last characters.';

export function WebhookSettings({ clientId, settings, save, rotate, remove }: { clientId: string; settings: Settings; save: SaveAction; rotate: RotateAction; remove: RemoveAction }) {
  const [shownSecret, setShownSecret] = useState<{ title: string; value: string } | null>(null);
  const [state, formAction, isPending] = useActionState(async (previous: FormState<{ secret: string | null }>, formData: FormData) => {
    const result = await save(previous, formData);
    if (result.status === 'done') {
      toast.success('Webhook URL saved.');
      if (result.result.secret) setShownSecret({ title: 'Your signing secret', value: result.result.secret });
    }
    return result;
  }, idle);
  const urlErrors = state.status === 'error' ? (state.errors?.url ?? [state.message]) : undefined;

  return (
    <div className="space-y-5">
      <form key={settings.url ?? ''} action={formAction} noValidate className="space-y-3">
        <input type="hidden" name="clientId" value={clientId} />
        <div>
          <label htmlFor="webhook-url" className="block text-sm font-medium text-zinc-800 dark:text-zinc-200">Notify URL</label>
          <div className="mt-1 flex flex-col gap-2 sm:flex-row">
            <Input
              id="webhook-url"
              name="url"
              type="url"
              defaultValue={settings.url ?? ''}
              placeholder="https://api.example.com/webhooks/wearhouse"
              autoComplete="off"
              aria-invalid={urlErrors ? true : undefined}
              aria-describedby={urlErrors ? 'webhook-url-error' : 'webhook-url-hint'}
            />
            <Button type="submit" variant="primary" disabled={isPending} className="shrink-0">{isPending ? 'Saving…' : 'Save webhook URL'}</Button>
          </div>
          {urlErrors ? (
            <p id="webhook-url-error" role="alert" className="mt-1 text-sm text-red-700 dark:text-red-400">{urlErrors.join(' ')}</p>
          ) : (
            <p id="webhook-url-hint" className="mt-1 text-xs text-zinc-500 dark:text-zinc-400">
              Wearhouse POSTs a signed <code>readings.added</code> event here when a user’s readings arrive.
              {settings.allowsPrivateAddresses ? ' This installation also delivers to private and loopback addresses.' : ' Public addresses only.'}
            </p>
          )}
        </div>
      </form>

      {settings.url && settings.secretHint ? (
        <div className="flex flex-wrap items-center justify-between gap-3 border-t border-zinc-200 pt-4 dark:border-zinc-800">
          <div>
            <p className="text-sm font-medium">Signing secret</p>
            <p className="mt-1 font-mono text-sm text-zinc-600 dark:text-zinc-400"><span className="sr-only">Starts and ends with </span>{settings.secretHint}</p>
            {settings.previousSecretExpiresAt ? (
              <p className="mt-1 text-xs text-zinc-500 dark:text-zinc-400">The previous secret also signs deliveries until <LocalTime value={settings.previousSecretExpiresAt} />.</p>
            ) : null}
          </div>
          <div className="flex flex-wrap gap-2">
            <Link
              href={`/apps/${clientId}/webhooks`}
              className="inline-flex h-10 items-center rounded-md px-3 text-sm font-medium text-brand-700 hover:underline focus-visible:outline-2 focus-visible:outline-brand-600 dark:text-brand-100"
            >
              Delivery log
            </Link>
            <RotateSecretButton clientId={clientId} rotate={rotate} onRotated={(value) => setShownSecret({ title: 'New signing secret', value })} />
            <RemoveWebhookButton clientId={clientId} remove={remove} />
          </div>
        </div>
      ) : null}

      <Dialog open={shownSecret !== null} onOpenChange={(open) => !open && setShownSecret(null)} title={shownSecret?.title ?? 'Signing secret'}>
        {shownSecret ? (
          <div className="space-y-4">
            <NotShownAgain>{KEEP_IT}</NotShownAgain>
            <OneTimeSecret label="Signing secret" value={shownSecret.value} />
            <DialogActions>
              <DialogClose>
                <Button variant="primary">Done</Button>
              </DialogClose>
            </DialogActions>
          </div>
        ) : null}
      </Dialog>
    </div>
  );
}

function RotateSecretButton({ clientId, rotate, onRotated }: { clientId: string; rotate: RotateAction; onRotated: (secret: string) => void }) {
  const [isOpen, setIsOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [isPending, startTransition] = useTransition();
  const confirm = () =>
    startTransition(async () => {
      const result = await rotate({ clientId });
      if (result.status === 'done') {
        setIsOpen(false);
        onRotated(result.result.secret);
        toast.success('Signing secret rotated. The old one keeps signing beside it for 24 hours.');
      } else if (result.status === 'error') {
        setError(result.message);
      }
    });
  return (
    <>
      <Button onClick={() => { setError(null); setIsOpen(true); }}>
        <RefreshCw aria-hidden="true" className="size-4" />
        Rotate signing secret
      </Button>
      <Dialog open={isOpen} onOpenChange={setIsOpen} title="Rotate the signing secret?" description="Deliveries are signed with the new secret at once. For 24 hours they carry a second signature made with the current one, so your endpoint can switch over without rejecting any.">
        {error ? <p role="alert" className="text-sm text-red-700 dark:text-red-400">{error}</p> : null}
        <DialogActions>
          <DialogClose>
            <Button>Cancel</Button>
          </DialogClose>
          <Button variant="danger" onClick={confirm} disabled={isPending}>{isPending ? 'Rotating…' : 'Rotate secret'}</Button>
        </DialogActions>
      </Dialog>
    </>
  );
}

function RemoveWebhookButton({ clientId, remove }: { clientId: string; remove: RemoveAction }) {
  return (
    <ConfirmDialog
      trigger={
        <Button>
          <Trash2 aria-hidden="true" className="size-4" />
          Remove webhook
        </Button>
      }
      title="Remove the webhook?"
      description="Wearhouse stops notifying this URL and forgets the signing secret. Saving a URL again makes a new secret."
      confirmLabel="Remove webhook"
      pendingLabel="Removing…"
      onConfirm={async () => {
        const result = await remove({ clientId });
        if (result.status === 'done') toast.success('Webhook removed.');
        else if (result.status === 'error') toast.error(result.message);
        return result.status === 'done';
      }}
    />
  );
}
