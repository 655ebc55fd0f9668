'use client';
// Delete this user from their page: confirm (naming the externalId), delete through the same
// service as the API, say so, and go back to the app's users.
import { Trash2 } from 'lucide-react';
import { useRouter } from 'next/navigation';
import { toast } from 'sonner';
import type { ActionResult } from '@/components/sources/action-result';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';

export function DeleteUserButton({
  clientId,
  humanId,
  externalId,
  deleteUser,
}: {
  clientId: string;
  humanId: string;
  externalId: string;
  deleteUser: (input: { clientId: string; humanId: string }) => Promise<ActionResult>;
}) {
  const router = useRouter();
  return (
    <ConfirmDialog
      trigger={
        <Button>
          <Trash2 aria-hidden className="size-4 text-red-600 dark:text-red-400" />
          Delete user
        </Button>
      }
      title={`Delete user ${externalId}?`}
      description={
        <p>
          The user, their tokens, connections and every reading are deleted. Their tokens stop working at once. This cannot be undone.
        </p>
      }
      confirmLabel="Delete user"
      pendingLabel="Deleting…"
      onConfirm={async () => {
        const result = await deleteUser({ clientId, humanId });
        if (!result.ok) {
          toast.error(`User ${externalId} was not deleted: ${result.message}`);
          return false;
        }
        toast.success(`User ${externalId} deleted`);
        router.replace(`/apps/${clientId}/users`);
        return true;
      }}
    />
  );
}
