'use client';
// The delivery log's two actions: redeliver one delivery (no confirmation: it sends the same event
// again, which receivers must tolerate anyway, and is logged) and send a test event.
import { RotateCw, Send } from 'lucide-react';
import { useRouter } from 'next/navigation';
import { useTransition } from 'react';
import { toast } from 'sonner';
import type { FormState } from '@/components/apps/action-state';
import { Button } from '@/components/ui/button';

type RedeliverAction = (input: { clientId: string; deliveryId: number }) => Promise<FormState<{ eventId: string }>>;
type SendTestAction = (input: { clientId: string }) => Promise<FormState<{ eventId: string }>>;

export function RedeliverButton({ clientId, deliveryId, eventId, redeliver }: { clientId: string; deliveryId: number; eventId: string; redeliver: RedeliverAction }) {
  const router = useRouter();
  const [isPending, startTransition] = useTransition();
  const onClick = () =>
    startTransition(async () => {
      const result = await redeliver({ clientId, deliveryId });
      if (result.status === 'done') {
        toast.success(`Redelivery of ${eventId} queued.`);
        router.refresh();
      } else if (result.status === 'error') {
        toast.error(result.message);
      }
    });
  return (
    <Button size="sm" onClick={onClick} disabled={isPending} aria-label={`Redeliver ${eventId}`}>
      <RotateCw aria-hidden="true" className={`size-4 ${isPending ? 'animate-spin' : ''}`} />
      <span aria-hidden="true">{isPending ? 'Queuing…' : 'Redeliver'}</span>
    </Button>
  );
}

export function SendTestEventButton({ clientId, sendTest, isDisabled }: { clientId: string; sendTest: SendTestAction; isDisabled: boolean }) {
  const router = useRouter();
  const [isPending, startTransition] = useTransition();
  const onClick = () =>
    startTransition(async () => {
      const result = await sendTest({ clientId });
      if (result.status === 'done') {
        toast.success('Test event queued.');
        router.refresh();
      } else if (result.status === 'error') {
        toast.error(result.message);
      }
    });
  return (
    <Button variant="primary" onClick={onClick} disabled={isPending || isDisabled}>
      <Send aria-hidden="true" className="size-4" />
      {isPending ? 'Sending…' : 'Send test event'}
    </Button>
  );
}
