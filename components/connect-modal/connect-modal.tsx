'use client';
// Connect for one user, inside the portal: the server mints a one-time session token, and the
// widget opens in a modal iframe speaking the same postMessage protocol as humanapi-connect-client
// (hapi-connect-connect-source / -disconnect-source / -close). The token lives only in this
// component's state while the modal is open; the widget spends it on load.
import { useQueryClient } from '@tanstack/react-query';
import { Plug, X } from 'lucide-react';
import { Dialog } from 'radix-ui';
import { useEffect, useRef, useState, useTransition } from 'react';
import { toast } from 'sonner';
import { connectionKeys } from '@/components/sources/query-keys';
import { Button } from '@/components/ui/button';

type OpenSession = (input: { clientId: string; humanId: string }) => Promise<{ ok: true; sessionToken: string } | { ok: false; message: string }>;

type SourceRef = { id: string; name: string };
/** What the widget posts (components/connect/widget.ts), as humanapi-connect-client reads it. */
type ConnectMessage = {
  type: 'hapi-connect-connect-source' | 'hapi-connect-disconnect-source' | 'hapi-connect-close';
  status: string;
  sessionResults?: { connectedSources?: SourceRef[]; disconnectedSources?: SourceRef[] };
};
const MESSAGE_TYPES = new Set(['hapi-connect-connect-source', 'hapi-connect-disconnect-source', 'hapi-connect-close']);

function isConnectMessage(data: unknown): data is ConnectMessage {
  return typeof data === 'object' && data !== null && MESSAGE_TYPES.has((data as { type?: unknown }).type as string);
}

export function ConnectModal({ clientId, humanId, externalId, openSession }: { clientId: string; humanId: string; externalId: string; openSession: OpenSession }) {
  const queryClient = useQueryClient();
  const [isOpen, setIsOpen] = useState(false);
  const [widgetUrl, setWidgetUrl] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [isStarting, startTransition] = useTransition();
  const frame = useRef<HTMLIFrameElement>(null);

  const refreshCards = () => queryClient.invalidateQueries({ queryKey: connectionKeys.ofUser(clientId, humanId) });

  function close() {
    setIsOpen(false);
    // Drop the (spent) token with the iframe: nothing of it outlives the modal.
    setWidgetUrl(null);
    setProblem(null);
    void refreshCards();
  }

  function open() {
    setIsOpen(true);
    setProblem(null);
    setWidgetUrl(null);
    startTransition(async () => {
      const result = await openSession({ clientId, humanId });
      if (!result.ok) {
        setProblem(result.message);
        return;
      }
      setWidgetUrl(`/connect?${new URLSearchParams({ token: result.sessionToken, mode: 'auth' })}`);
    });
  }

  /**
   * Focus into the widget, and let Escape pressed inside it close the modal as it does outside (the
   * widget is this installation's own page, same origin, so its key presses can be heard). An
   * Escape that closes the widget's own confirmation is left to it.
   */
  function onWidgetLoad() {
    const view = frame.current?.contentWindow;
    if (!view) return;
    view.focus();
    try {
      view.addEventListener('keydown', (event) => {
        if (event.key !== 'Escape' || view.document.querySelector('dialog[open]')) return;
        close();
      });
    } catch {
      // Another origin (a proxy in between): Escape then works once focus is outside the widget.
    }
  }

  useEffect(() => {
    if (!isOpen) return;
    function onMessage(event: MessageEvent) {
      // Only our own widget, in our own iframe, is heard.
      if (event.origin !== window.location.origin || event.source !== frame.current?.contentWindow) return;
      if (!isConnectMessage(event.data)) return;
      const message = event.data;
      if (message.type === 'hapi-connect-connect-source') {
        const source = message.sessionResults?.connectedSources?.at(-1);
        toast.success(source ? `${source.name} connected` : 'Source connected');
        void refreshCards();
      } else if (message.type === 'hapi-connect-disconnect-source') {
        const source = message.sessionResults?.disconnectedSources?.at(-1);
        toast.success(source ? `${source.name} disconnected` : 'Source disconnected');
        void refreshCards();
      } else {
        close();
      }
    }
    window.addEventListener('message', onMessage);
    return () => window.removeEventListener('message', onMessage);
    // Listens for as long as the modal is open; close and refreshCards only read stable values.
  }, [isOpen]);

  return (
    <Dialog.Root open={isOpen} onOpenChange={(next) => (next ? open() : close())}>
      <Dialog.Trigger asChild>
        <Button variant="primary">
          <Plug aria-hidden className="size-4" />
          Connect a source
        </Button>
      </Dialog.Trigger>
      <Dialog.Portal>
        <Dialog.Overlay className="fixed inset-0 z-40 bg-zinc-950/60" />
        <Dialog.Content
          aria-describedby={undefined}
          onOpenAutoFocus={(event) => {
            // Focus goes into the widget once it has loaded (as humanapi-connect-client does).
            event.preventDefault();
          }}
          className="fixed inset-0 z-50 flex flex-col overflow-hidden bg-white shadow-2xl sm:inset-auto sm:top-1/2 sm:left-1/2 sm:h-[min(640px,calc(100dvh-2rem))] sm:w-[min(830px,calc(100vw-2rem))] sm:-translate-x-1/2 sm:-translate-y-1/2 sm:rounded-lg dark:bg-zinc-900"
        >
          {/* Once the widget shows, its own header and close button take over; the title stays for screen readers. */}
          <div className={widgetUrl ? 'sr-only' : 'flex items-center justify-between gap-3 border-b border-zinc-200 px-4 py-2 dark:border-zinc-800'}>
            <Dialog.Title className="truncate text-sm font-medium text-zinc-700 dark:text-zinc-200">
              Connect for <span className="font-mono">{externalId}</span>
            </Dialog.Title>
            {widgetUrl ? null : (
              <Dialog.Close asChild>
                <Button variant="ghost" size="icon" aria-label="Close Connect dialog">
                  <X aria-hidden className="size-4" />
                </Button>
              </Dialog.Close>
            )}
          </div>
          <div className="relative flex-1 bg-white dark:bg-zinc-900">
            {problem ? (
              <div role="alert" className="m-6 rounded-lg border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-900 dark:border-red-900 dark:bg-red-950 dark:text-red-100">
                <p className="font-semibold">Connect could not open</p>
                <p className="mt-1">{problem}</p>
              </div>
            ) : widgetUrl ? (
              <iframe
                ref={frame}
                src={widgetUrl}
                title={`Connect health data for ${externalId}`}
                className="absolute inset-0 size-full border-0"
                referrerPolicy="no-referrer"
                onLoad={onWidgetLoad}
              />
            ) : (
              <p role="status" className="flex h-full items-center justify-center text-sm text-zinc-500 dark:text-zinc-400">
                {isStarting ? 'Opening Connect…' : ''}
              </p>
            )}
          </div>
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}
