// OpenAPI descriptions are CommonMark; the API's own use only `code` spans, so that is what renders.
import { InlineCode } from '@/components/ui/inline-code';

export function DescriptionText({ text }: { text: string }) {
  return text.split(/(`[^`]+`)/g).map((part, index) =>
    part.length > 2 && part.startsWith('`') && part.endsWith('`') ? <InlineCode key={index}>{part.slice(1, -1)}</InlineCode> : part,
  );
}
