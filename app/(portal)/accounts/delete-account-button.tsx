'use client';
import { X } from 'lucide-react';
import { useRouter } from 'next/navigation';
import { Dialog } from 'radix-ui';
import { useState, useTransition } from 'react';
import { toast } from 'sonner';
import { Button } from '@/components/ui/button';
import { deleteAccountAction } from './actions';

export function DeleteAccountButton({ account }: { account: { id: number; email: string; appCount: number } }) {
  const [open, setOpen] = useState(false);
  const [pending, startTransition] = useTransition();
  const router = useRouter();
  const remove = () =>
    startTransition(async () => {
      const result = await deleteAccountAction({ accountId: account.id });
      if (result.ok) {
        setOpen(false);
        toast.success(`Account ${account.email} deleted.`);
        router.refresh();
      } else {
        toast.error(result.message);
      }
    });
  return (
    <Dialog.Root open={open} onOpenChange={setOpen}>
      <Dialog.Trigger asChild>
        <Button variant="ghost" size="icon" aria-label={`Delete account ${account.email}`} className="text-red-600 hover:bg-red-50 hover:text-red-700 dark:text-red-400 dark:hover:bg-red-950">
          <X aria-hidden className="size-4" />
        </Button>
      </Dialog.Trigger>
      <Dialog.Portal>
        <Dialog.Overlay className="fixed inset-0 z-40 bg-black/40" />
        <Dialog.Content className="fixed top-1/2 left-1/2 z-50 w-[min(28rem,calc(100vw-2rem))] -translate-x-1/2 -translate-y-1/2 rounded-lg border border-zinc-200 bg-white p-5 shadow-lg dark:border-zinc-800 dark:bg-zinc-900">
          <Dialog.Title className="text-lg font-semibold">Delete account {account.email}?</Dialog.Title>
          <Dialog.Description className="mt-2 text-sm text-zinc-600 dark:text-zinc-300">
            {account.appCount > 0
              ? `This account owns ${account.appCount} app${account.appCount === 1 ? '' : 's'}; delete them first.`
              : 'They are signed out at once and can no longer sign in.'}
          </Dialog.Description>
          <div className="mt-5 flex justify-end gap-2">
            <Dialog.Close asChild>
              <Button>Cancel</Button>
            </Dialog.Close>
            <Button variant="danger" disabled={pending || account.appCount > 0} onClick={remove}>
              {pending ? 'Deleting…' : 'Delete account'}
            </Button>
          </div>
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}
