'use client';
// A question before something that cannot be undone (Radix AlertDialog: focus trapped, Escape and
// Cancel close it, focus goes back to the button that opened it). It stays open while the action
// runs, so a failure can be read and retried; `onConfirm` answers true to close it.
import { AlertDialog } from 'radix-ui';
import { useState, useTransition } from 'react';
import { Button } from './button';

export function ConfirmDialog({
  trigger,
  title,
  description,
  confirmLabel,
  pendingLabel,
  onConfirm,
}: {
  /** The button that opens it (rendered as is: give it an accessible name). */
  trigger: React.ReactNode;
  title: string;
  description: React.ReactNode;
  confirmLabel: string;
  pendingLabel: string;
  onConfirm: () => Promise<boolean>;
}) {
  const [isOpen, setIsOpen] = useState(false);
  const [isPending, startTransition] = useTransition();
  const confirm = () =>
    startTransition(async () => {
      if (await onConfirm()) setIsOpen(false);
    });
  return (
    <AlertDialog.Root open={isOpen} onOpenChange={(open) => !isPending && setIsOpen(open)}>
      <AlertDialog.Trigger asChild>{trigger}</AlertDialog.Trigger>
      <AlertDialog.Portal>
        <AlertDialog.Overlay className="fixed inset-0 z-40 bg-zinc-950/50" />
        <AlertDialog.Content className="fixed top-1/2 left-1/2 z-50 w-[calc(100vw-2rem)] max-w-md -translate-x-1/2 -translate-y-1/2 rounded-lg border border-zinc-200 bg-white p-6 shadow-xl dark:border-zinc-800 dark:bg-zinc-900">
          <AlertDialog.Title className="text-lg font-semibold text-zinc-900 dark:text-zinc-50">{title}</AlertDialog.Title>
          <AlertDialog.Description asChild>
            <div className="mt-2 text-sm text-zinc-600 dark:text-zinc-300">{description}</div>
          </AlertDialog.Description>
          <div className="mt-6 flex justify-end gap-3">
            <AlertDialog.Cancel asChild>
              <Button disabled={isPending}>Cancel</Button>
            </AlertDialog.Cancel>
            <button
              type="button"
              className="inline-flex h-10 items-center justify-center rounded-md bg-red-600 px-4 text-sm font-medium text-white shadow-sm transition-colors hover:bg-red-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-red-600 disabled:cursor-not-allowed disabled:bg-red-600/60"
              disabled={isPending}
              onClick={confirm}
            >
              {isPending ? pendingLabel : confirmLabel}
            </button>
          </div>
        </AlertDialog.Content>
      </AlertDialog.Portal>
    </AlertDialog.Root>
  );
}
