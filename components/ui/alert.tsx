// A message that needs the reader's attention; `danger` alerts are announced as they appear.
export function Alert({
  tone = 'danger',
  title,
  children,
}: {
  tone?: 'danger' | 'warning' | 'info';
  title: string;
  children?: React.ReactNode;
}) {
  const toneClasses = {
    danger: 'border-red-200 bg-red-50 text-red-900',
    warning: 'border-amber-200 bg-amber-50 text-amber-900',
    info: 'border-sky-200 bg-sky-50 text-sky-900',
  }[tone];
  return (
    <div role={tone === 'danger' ? 'alert' : 'note'} className={`rounded-lg border px-4 py-3 text-sm ${toneClasses}`}>
      <p className="font-semibold">{title}</p>
      {children ? <div className="mt-1 space-y-2">{children}</div> : null}
    </div>
  );
}
