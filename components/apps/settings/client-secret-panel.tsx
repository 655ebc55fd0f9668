'use client';
// The client secret: only its hint is shown; rotating (after a confirmation) makes a new one, shown
// once in the dialog, and the old one stops working at once.
import { RefreshCw } from 'lucide-react';
import { useState, useTransition } from 'react';
import { toast } from 'sonner';
import { Button } from '@/components/ui/button';
import { Dialog, DialogActions, DialogClose } from '@/components/ui/dialog';
import type { FormState } from '../action-state';
import { NotShownAgain, OneTimeSecret } from '../one-time-secret';

type RotateAction = (input: { clientId: string }) => Promise<FormState<{ clientSecret: string }>>;

export function ClientSecretPanel({ clientId, secretHint, rotate }: { clientId: string; secretHint: string; rotate: RotateAction }) {
  const [isOpen, setIsOpen] = useState(false);
  const [newSecret, setNewSecret] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [isPending, startTransition] = useTransition();

  function onOpenChange(open: boolean) {
    setIsOpen(open);
    if (!open) {
      setNewSecret(null); // the secret leaves the page with the dialog
      setError(null);
    }
  }

  function confirm() {
    startTransition(async () => {
      const result = await rotate({ clientId });
      if (result.status === 'done') {
        setNewSecret(result.result.clientSecret);
        toast.success('Client secret rotated. The old one no longer works.');
      } else if (result.status === 'error') {
        setError(result.message);
      }
    });
  }

  return (
    <div className="flex flex-wrap items-center justify-between gap-3">
      <div>
        <p className="text-sm font-medium">Client secret</p>
        <p className="mt-1 font-mono text-sm text-zinc-600 dark:text-zinc-400">
          <span className="sr-only">Ends in </span>{secretHint}
        </p>
      </div>
      <Button onClick={() => setIsOpen(true)}>
        <RefreshCw aria-hidden="true" className="size-4" />
        Rotate client secret
      </Button>
      <Dialog
        open={isOpen}
        onOpenChange={onOpenChange}
        title={newSecret ? 'New client secret' : 'Rotate the client secret?'}
        description={newSecret ? undefined : 'A new secret replaces the current one at once: your server cannot mint Connect tokens until it uses the new one.'}
      >
        {newSecret ? (
          <div className="space-y-4">
            <NotShownAgain />
            <OneTimeSecret label="Client secret" value={newSecret} />
            <DialogActions>
              <DialogClose>
                <Button variant="primary">Done</Button>
              </DialogClose>
            </DialogActions>
          </div>
        ) : (
          <>
            {error ? <p role="alert" className="text-sm text-red-700 dark:text-red-400">{error}</p> : null}
            <DialogActions>
              <DialogClose>
                <Button>Cancel</Button>
              </DialogClose>
              <Button variant="danger" onClick={confirm} disabled={isPending}>
                {isPending ? 'Rotating…' : 'Rotate secret'}
              </Button>
            </DialogActions>
          </>
        )}
      </Dialog>
    </div>
  );
}
