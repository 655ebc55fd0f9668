'use client';
// A labelled password input with a reveal toggle. The value is controlled by the caller and the
// input has no `name`, so it is never part of a submitted form or a URL.
import { Button } from './button';
import { Input } from './input';

export function SecretField({
  id,
  label,
  value,
  onValueChange,
  isRevealed,
  onRevealedChange,
  placeholder,
  hint,
}: {
  id: string;
  label: string;
  value: string;
  onValueChange: (value: string) => void;
  isRevealed: boolean;
  onRevealedChange: (isRevealed: boolean) => void;
  placeholder?: string;
  hint?: React.ReactNode;
}) {
  const hintId = `${id}-hint`;
  return (
    <div>
      <label htmlFor={id} className="block text-sm font-medium text-zinc-800">
        {label}
      </label>
      <div className="mt-1 flex gap-1">
        <Input
          id={id}
          type={isRevealed ? 'text' : 'password'}
          value={value}
          onChange={(event) => onValueChange(event.target.value)}
          placeholder={placeholder}
          autoComplete="off"
          spellCheck={false}
          data-1p-ignore=""
          data-lpignore="true"
          aria-describedby={hint ? hintId : undefined}
          className="font-mono"
        />
        <Button
          variant="secondary"
          size="icon"
          aria-pressed={isRevealed}
          aria-controls={id}
          onClick={() => onRevealedChange(!isRevealed)}
        >
          <span className="sr-only">Show {label}</span>
          {isRevealed ? (
            <svg aria-hidden="true" viewBox="0 0 20 20" fill="none" stroke="currentColor" strokeWidth="1.5" className="size-4">
              <path d="M3 3l14 14M8.6 8.6a2 2 0 0 0 2.8 2.8M6.2 6.3C4.4 7.4 3 9 2.5 10c1.2 2.5 4 5 7.5 5 1.4 0 2.7-.4 3.8-1M9 5.1c.3 0 .7-.1 1-.1 3.5 0 6.3 2.5 7.5 5-.4.8-1 1.7-1.8 2.5" />
            </svg>
          ) : (
            <svg aria-hidden="true" viewBox="0 0 20 20" fill="none" stroke="currentColor" strokeWidth="1.5" className="size-4">
              <path d="M2.5 10C3.7 7.5 6.5 5 10 5s6.3 2.5 7.5 5c-1.2 2.5-4 5-7.5 5s-6.3-2.5-7.5-5Z" />
              <circle cx="10" cy="10" r="2.25" />
            </svg>
          )}
        </Button>
      </div>
      {hint ? (
        <p id={hintId} className="mt-1 text-xs text-zinc-500">
          {hint}
        </p>
      ) : null}
    </div>
  );
}
