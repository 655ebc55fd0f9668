'use client';
// One token in the users table: masked to its last four characters until revealed (the full value
// comes from a server action that writes an audit entry), with a copy control.
import { Check, Copy, Eye, EyeOff } from 'lucide-react';
import { useState } from 'react';
import { toast } from 'sonner';

const iconButton =
  'inline-flex size-8 shrink-0 items-center justify-center rounded-md text-zinc-500 hover:bg-zinc-100 hover:text-zinc-900 focus-visible:outline-2 focus-visible:outline-offset-1 focus-visible:outline-brand-600 disabled:opacity-50 dark:text-zinc-400 dark:hover:bg-zinc-800 dark:hover:text-zinc-50';

/** Write text that may still be on its way: Safari and Chrome keep the click's permission this way. */
async function copyToClipboard(text: string | Promise<string>): Promise<void> {
  if (typeof text !== 'string' && typeof ClipboardItem !== 'undefined' && navigator.clipboard?.write) {
    await navigator.clipboard.write([new ClipboardItem({ 'text/plain': text.then((value) => new Blob([value], { type: 'text/plain' })) })]);
    return;
  }
  await navigator.clipboard.writeText(await text);
}

export function TokenCell({
  label,
  owner,
  last4,
  value,
  reveal,
}: {
  /** "access token" or "public token". */
  label: string;
  /** Whose token, for the controls' names: the user's externalId. */
  owner: string;
  last4: string;
  /** The full token once revealed in this page. */
  value: string | undefined;
  /** Fetches the full token (audited); rejects with a message the person can read. */
  reveal: () => Promise<string>;
}) {
  const [isShown, setIsShown] = useState(false);
  const [isBusy, setIsBusy] = useState(false);
  const [isCopied, setIsCopied] = useState(false);

  async function toggle() {
    if (isShown) return setIsShown(false);
    setIsBusy(true);
    try {
      if (value === undefined) await reveal();
      setIsShown(true);
    } catch (error) {
      toast.error(`Could not reveal the ${label}: ${(error as Error).message}`);
    } finally {
      setIsBusy(false);
    }
  }

  async function copy() {
    try {
      await copyToClipboard(value ?? reveal());
      setIsCopied(true);
      setTimeout(() => setIsCopied(false), 2000);
      toast.success(`Copied the ${label} of ${owner}`);
    } catch (error) {
      toast.error(`Could not copy the ${label}: ${(error as Error).message}`);
    }
  }

  const isRevealed = isShown && value !== undefined;
  return (
    <div className="flex items-center gap-0.5">
      <code className={`min-w-0 font-mono text-xs ${isRevealed ? 'break-all text-zinc-900 dark:text-zinc-100' : 'whitespace-nowrap text-zinc-600 dark:text-zinc-400'}`}>
        {isRevealed ? value : <><span aria-hidden="true">••••</span><span className="sr-only">ending in </span>{last4}</>}
      </code>
      <button type="button" className={iconButton} onClick={toggle} disabled={isBusy} aria-pressed={isRevealed} aria-label={`Reveal ${label} for ${owner}`}>
        {isRevealed ? <EyeOff aria-hidden="true" className="size-4" /> : <Eye aria-hidden="true" className="size-4" />}
      </button>
      <button type="button" className={iconButton} onClick={copy} aria-label={`Copy ${label} for ${owner}`}>
        {isCopied ? <Check aria-hidden="true" className="size-4 text-brand-600" /> : <Copy aria-hidden="true" className="size-4" />}
      </button>
    </div>
  );
}
