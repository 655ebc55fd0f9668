// A labelled form field: its label, the control (rendered by the caller with the ids and ARIA
// attributes it is given), and either its errors or its hint, tied to the control for screen readers.
import type React from 'react';

export type FieldProps = { id: string; 'aria-invalid'?: boolean; 'aria-describedby'?: string; className: string };

export function Field({ id, label, hint, errors, children }: { id: string; label: string; hint?: string; errors?: string[]; children: (props: FieldProps) => React.ReactNode }) {
  const describedBy = errors ? `${id}-error` : hint ? `${id}-hint` : undefined;
  return (
    <div>
      <label htmlFor={id} className="block text-sm font-medium text-zinc-800 dark:text-zinc-200">{label}</label>
      {children({ id, 'aria-invalid': errors ? true : undefined, 'aria-describedby': describedBy, className: 'mt-1' })}
      {errors ? (
        <p id={`${id}-error`} className="mt-1 text-sm text-red-700 dark:text-red-400">{errors.join(' ')}</p>
      ) : hint ? (
        <p id={`${id}-hint`} className="mt-1 text-xs text-zinc-500 dark:text-zinc-400">{hint}</p>
      ) : null}
    </div>
  );
}
