// A small label for a status, a kind or a count. Tones carry meaning, so pick by what it says.
type BadgeTone = 'neutral' | 'brand' | 'info' | 'success' | 'warning' | 'danger';

const toneClasses: Record<BadgeTone, string> = {
  neutral: 'bg-zinc-100 text-zinc-700 ring-zinc-200',
  brand: 'bg-brand-50 text-brand-700 ring-brand-100',
  info: 'bg-sky-50 text-sky-800 ring-sky-200',
  success: 'bg-emerald-50 text-emerald-800 ring-emerald-200',
  warning: 'bg-amber-50 text-amber-800 ring-amber-200',
  danger: 'bg-red-50 text-red-800 ring-red-200',
};

export function Badge({
  tone = 'neutral',
  isMonospace = false,
  className = '',
  children,
}: {
  tone?: BadgeTone;
  isMonospace?: boolean;
  className?: string;
  children: React.ReactNode;
}) {
  return (
    <span
      className={`inline-flex shrink-0 items-center rounded-md px-1.5 py-0.5 text-xs font-semibold ring-1 ring-inset ${
        isMonospace ? 'font-mono' : ''
      } ${toneClasses[tone]} ${className}`}
    >
      {children}
    </span>
  );
}

export type { BadgeTone };
