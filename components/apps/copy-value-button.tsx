'use client';
// A small copy control for values shown on light or dark panels (client IDs, one-time secrets).
import { Check, Copy } from 'lucide-react';
import { useEffect, useState } from 'react';
import { toast } from 'sonner';
import { Button } from '@/components/ui/button';

export function CopyValueButton({ value, label }: { value: string; /** e.g. "Copy client ID" */ label: string }) {
  const [isCopied, setIsCopied] = useState(false);

  useEffect(() => {
    if (!isCopied) return;
    const timer = setTimeout(() => setIsCopied(false), 2000);
    return () => clearTimeout(timer);
  }, [isCopied]);

  async function copy() {
    try {
      await navigator.clipboard.writeText(value);
      setIsCopied(true);
    } catch {
      toast.error('Could not copy: your browser refused access to the clipboard.');
    }
  }

  return (
    <Button variant="secondary" size="sm" onClick={copy} aria-label={label} title={label}>
      {isCopied ? <Check aria-hidden="true" className="size-4 text-brand-600" /> : <Copy aria-hidden="true" className="size-4" />}
      <span aria-live="polite">{isCopied ? 'Copied' : 'Copy'}</span>
    </Button>
  );
}
