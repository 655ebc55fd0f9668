// Text inputs, selects and text areas share one look; aria-invalid turns them red.
const fieldClasses =
  'block w-full rounded-md border border-zinc-300 bg-white px-3 text-sm text-zinc-900 shadow-sm placeholder:text-zinc-400 focus:border-brand-500 focus:outline-2 focus:outline-offset-0 focus:outline-brand-500/30 aria-[invalid=true]:border-red-400 aria-[invalid=true]:focus:outline-red-300 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100 dark:placeholder:text-zinc-500';

export function Input({ className = '', ...props }: React.ComponentProps<'input'>) {
  return <input className={`h-9 ${fieldClasses} ${className}`} {...props} />;
}

export function Select({ className = '', ...props }: React.ComponentProps<'select'>) {
  return <select className={`h-9 ${fieldClasses} ${className}`} {...props} />;
}

export function Textarea({ className = '', ...props }: React.ComponentProps<'textarea'>) {
  return <textarea className={`py-2 font-mono leading-relaxed ${fieldClasses} ${className}`} {...props} />;
}
