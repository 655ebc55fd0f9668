// A short piece of code inside running text.
export function InlineCode({ children }: { children: React.ReactNode }) {
  return <code className="rounded bg-zinc-100 px-1 py-0.5 font-mono text-[0.85em] break-words text-zinc-800">{children}</code>;
}
