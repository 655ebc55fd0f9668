'use client';
// A secret shown once, right after it was made (new app, rotated client secret, new App Key): the
// value, a copy button and the warning that it will not be shown again. It lives only in the state
// of the dialog that shows it; closing the dialog drops it.
import { TriangleAlert } from 'lucide-react';
import { useId } from 'react';
import { CopyValueButton } from './copy-value-button';

export function OneTimeSecret({ label, value }: { label: string; value: string }) {
  const id = useId();
  return (
    <div>
      <p id={id} className="text-sm font-medium text-zinc-800 dark:text-zinc-200">{label}</p>
      <div className="mt-1 flex items-center gap-2">
        <code aria-labelledby={id} className="min-w-0 flex-1 rounded-md border border-zinc-200 bg-zinc-50 px-3 py-2 font-mono text-sm [overflow-wrap:anywhere] text-zinc-900 dark:border-zinc-700 dark:bg-zinc-950 dark:text-zinc-100">
          {value}
        </code>
        <CopyValueButton value={value} label={`Copy ${label.toLowerCase()}`} />
      </div>
    </div>
  );
}

export function NotShownAgain({ children }: { children?: React.ReactNode }) {
  return (
    <p role="note" className="flex gap-2 rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:border-amber-500/30 dark:bg-amber-500/10 dark:text-amber-200">
      <TriangleAlert aria-hidden="true" className="mt-0.5 size-4 shrink-0" />
      <span>
        <strong>You will not see this again.</strong> {children ?? 'Copy it now and keep it somewhere safe; Wearhouse stores only a hash of it.'}
      </span>
    </p>
  );
}
