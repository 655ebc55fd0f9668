'use client';
// App Keys: the list (prefix…last4, created, last used), "Create key" (the key is shown once) and
// revoking one after a confirmation. The list itself comes from the server page and is refreshed by
// the actions' revalidation.
import { createColumnHelper, tableFeatures, useTable } from '@tanstack/react-table';
import { KeyRound, Plus, Trash2 } from 'lucide-react';
import { useActionState, useMemo, useState, useTransition } from 'react';
import { toast } from 'sonner';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Dialog, DialogActions, DialogClose } from '@/components/ui/dialog';
import { Input } from '@/components/ui/input';
import type { AppKey } from '@/lib/apps/keys';
import { idle, type FormState } from '../action-state';
import { formatDateTime } from '../format';
import { NotShownAgain, OneTimeSecret } from '../one-time-secret';

type CreateKeyAction = (previous: FormState<{ secret: string; hint: string }>, formData: FormData) => Promise<FormState<{ secret: string; hint: string }>>;
type RevokeKeyAction = (input: { clientId: string; keyId: number }) => Promise<FormState<{ hint: string }>>;

const features = tableFeatures({});
const column = createColumnHelper<typeof features, AppKey>();

export function AppKeysPanel({ clientId, appKeys, createKey, revokeKey }: { clientId: string; appKeys: AppKey[]; createKey: CreateKeyAction; revokeKey: RevokeKeyAction }) {
  const [revoking, setRevoking] = useState<AppKey | null>(null);
  const columns = useMemo(
    () => column.columns([
      column.accessor('label', { header: 'Label', cell: (c) => c.getValue() || <span className="text-zinc-500">—</span> }),
      column.accessor('hint', { header: 'Key', cell: (c) => <code className="font-mono text-xs whitespace-nowrap">{c.getValue()}</code> }),
      column.accessor('createdAt', { header: 'Created', cell: (c) => <DateCell date={c.getValue()} /> }),
      column.accessor('lastUsedAt', { header: 'Last used', cell: (c) => (c.getValue() ? <DateCell date={c.getValue()!} /> : <span className="text-zinc-500">Never</span>) }),
      column.display({
        id: 'status',
        header: () => <span className="sr-only">Status and actions</span>,
        cell: ({ row }) =>
          row.original.revokedAt ? (
            <Badge tone="danger">Revoked</Badge>
          ) : (
            <Button variant="ghost" size="sm" onClick={() => setRevoking(row.original)} aria-label={`Revoke App Key ${row.original.hint}`} className="text-red-700 hover:bg-red-50 hover:text-red-800 dark:text-red-400 dark:hover:bg-red-500/10">
              <Trash2 aria-hidden="true" className="size-4" />
              Revoke
            </Button>
          ),
      }),
    ]),
    [],
  );
  const table = useTable({ features, columns, data: appKeys });

  return (
    <div>
      <div className="flex flex-wrap items-center justify-between gap-3">
        <p className="text-sm text-zinc-600 dark:text-zinc-400">Your server sends an App Key with every Application API request.</p>
        <CreateKeyDialog clientId={clientId} createKey={createKey} />
      </div>
      <div className="relative mt-3 overflow-x-auto rounded-lg border border-zinc-200 dark:border-zinc-800">
        <table className="w-full text-left text-sm">
          <caption className="sr-only">App Keys</caption>
          <thead className="bg-zinc-50 text-xs font-medium text-zinc-600 dark:bg-zinc-950/40 dark:text-zinc-400">
            {table.getHeaderGroups().map((group) => (
              <tr key={group.id}>
                {group.headers.map((header) => (
                  <th key={header.id} scope="col" className="px-3 py-2">{header.isPlaceholder ? null : <table.FlexRender header={header} />}</th>
                ))}
              </tr>
            ))}
          </thead>
          <tbody className="divide-y divide-zinc-200 dark:divide-zinc-800">
            {table.getRowModel().rows.map((row) => (
              <tr key={row.original.id} className={row.original.revokedAt ? 'text-zinc-500 dark:text-zinc-500' : ''}>
                {row.getAllCells().map((cell) => (
                  <td key={cell.id} className="px-3 py-2 align-middle"><table.FlexRender cell={cell} /></td>
                ))}
              </tr>
            ))}
            {appKeys.length === 0 ? (
              <tr><td colSpan={5} className="px-3 py-6 text-center text-zinc-600 dark:text-zinc-400">No App Keys. Create one to call the API.</td></tr>
            ) : null}
          </tbody>
        </table>
      </div>
      <RevokeKeyDialog clientId={clientId} appKey={revoking} onClose={() => setRevoking(null)} revokeKey={revokeKey} />
    </div>
  );
}

function DateCell({ date }: { date: Date }) {
  return <time dateTime={date.toISOString()} className="whitespace-nowrap">{formatDateTime(date)}</time>;
}

function RevokeKeyDialog({ clientId, appKey, onClose, revokeKey }: { clientId: string; appKey: AppKey | null; onClose: () => void; revokeKey: RevokeKeyAction }) {
  const [isPending, startTransition] = useTransition();
  const [error, setError] = useState<string | null>(null);

  function confirm() {
    if (!appKey) return;
    startTransition(async () => {
      const result = await revokeKey({ clientId, keyId: appKey.id });
      if (result.status === 'done') {
        toast.success(`App Key ${result.result.hint} revoked.`);
        setError(null);
        onClose();
      } else if (result.status === 'error') {
        setError(result.message);
      }
    });
  }

  return (
    <Dialog
      open={appKey !== null}
      onOpenChange={(open) => { if (!open) { setError(null); onClose(); } }}
      title="Revoke this App Key?"
      description={<>Requests with <code className="font-mono">{appKey?.hint}</code>{appKey?.label ? ` (${appKey.label})` : ''} are refused from now on. This cannot be undone.</>}
    >
      {error ? <p role="alert" className="text-sm text-red-700 dark:text-red-400">{error}</p> : null}
      <DialogActions>
        <DialogClose>
          <Button>Cancel</Button>
        </DialogClose>
        <Button variant="danger" onClick={confirm} disabled={isPending}>
          {isPending ? 'Revoking…' : 'Revoke key'}
        </Button>
      </DialogActions>
    </Dialog>
  );
}

function CreateKeyDialog({ clientId, createKey }: { clientId: string; createKey: CreateKeyAction }) {
  const [isOpen, setIsOpen] = useState(false);
  const [generation, setGeneration] = useState(0);
  return (
    <>
      <Button variant="primary" onClick={() => setIsOpen(true)}>
        <Plus aria-hidden="true" className="size-4" />
        Create App Key
      </Button>
      <Dialog
        open={isOpen}
        onOpenChange={(open) => { setIsOpen(open); if (!open) setGeneration((g) => g + 1); }}
        title="Create an App Key"
      >
        <CreateKeyForm key={generation} clientId={clientId} createKey={createKey} />
      </Dialog>
    </>
  );
}

function CreateKeyForm({ clientId, createKey }: { clientId: string; createKey: CreateKeyAction }) {
  const [state, formAction, isPending] = useActionState(createKey, idle);
  if (state.status === 'done') {
    return (
      <div className="space-y-4">
        <NotShownAgain />
        <OneTimeSecret label="App Key" value={state.result.secret} />
        <DialogActions>
          <DialogClose>
            <Button variant="primary">Done</Button>
          </DialogClose>
        </DialogActions>
      </div>
    );
  }
  const labelErrors = state.status === 'error' ? state.errors?.label : undefined;
  return (
    <form action={formAction} noValidate className="space-y-4">
      <input type="hidden" name="clientId" value={clientId} />
      <div>
        <label htmlFor="new-key-label" className="block text-sm font-medium text-zinc-800 dark:text-zinc-200">Label</label>
        <Input
          id="new-key-label"
          name="label"
          maxLength={100}
          autoComplete="off"
          placeholder="e.g. Production server"
          aria-invalid={labelErrors ? true : undefined}
          aria-describedby={labelErrors ? 'new-key-label-error' : 'new-key-label-hint'}
          className="mt-1"
          autoFocus
        />
        {labelErrors ? (
          <p id="new-key-label-error" className="mt-1 text-sm text-red-700 dark:text-red-400">{labelErrors.join(' ')}</p>
        ) : (
          <p id="new-key-label-hint" className="mt-1 text-xs text-zinc-500 dark:text-zinc-400">Optional: where the key is used, so you know which to revoke.</p>
        )}
      </div>
      {state.status === 'error' && !labelErrors ? <p role="alert" className="text-sm text-red-700 dark:text-red-400">{state.message}</p> : null}
      <DialogActions>
        <DialogClose>
          <Button>Cancel</Button>
        </DialogClose>
        <Button type="submit" variant="primary" disabled={isPending}>
          <KeyRound aria-hidden="true" className="size-4" />
          {isPending ? 'Creating…' : 'Create key'}
        </Button>
      </DialogActions>
    </form>
  );
}
