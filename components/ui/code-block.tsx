// Preformatted code on a dark panel, captioned (the caption names it for assistive technology)
// and with a copy button.
import { CopyButton } from './copy-button';

export function CodeBlock({
  caption,
  code,
  copyText = code,
  maxHeightClassName = 'max-h-96',
}: {
  caption: string;
  code: string;
  /** What the copy button copies, when it differs from what is shown. */
  copyText?: string;
  maxHeightClassName?: string;
}) {
  return (
    <figure className="overflow-hidden rounded-lg bg-zinc-900 ring-1 ring-zinc-800">
      <figcaption className="flex items-center justify-between border-b border-white/10 py-1 pr-1 pl-3 text-xs font-medium text-zinc-400">
        {caption}
        <CopyButton text={copyText} label={`Copy ${caption.toLowerCase()}`} />
      </figcaption>
      <pre tabIndex={0} className={`overflow-auto p-3 font-mono whitespace-pre-wrap [overflow-wrap:anywhere] text-[13px] leading-relaxed text-zinc-100 focus-visible:outline-2 focus-visible:outline-brand-500 ${maxHeightClassName}`}>
        <code>{code}</code>
      </pre>
    </figure>
  );
}
