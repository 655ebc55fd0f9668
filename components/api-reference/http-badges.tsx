// The HTTP method of an operation and the status of a response, coloured by what they mean.
import { Badge, type BadgeTone } from '@/components/ui/badge';

const methodTones: Record<string, BadgeTone> = { get: 'info', post: 'success', put: 'warning', patch: 'warning', delete: 'danger' };

export function MethodBadge({ method, className = '' }: { method: string; className?: string }) {
  return (
    <Badge tone={methodTones[method.toLowerCase()] ?? 'neutral'} isMonospace className={`justify-center ${className}`}>
      {method.toUpperCase()}
    </Badge>
  );
}

function statusTone(status: string): BadgeTone {
  if (status.startsWith('2')) return 'success';
  if (status.startsWith('3')) return 'info';
  if (status.startsWith('4')) return 'warning';
  if (status.startsWith('5')) return 'danger';
  return 'neutral';
}

export function StatusBadge({ status, reason }: { status: string; reason?: string }) {
  return (
    <Badge tone={statusTone(status)} isMonospace>
      {reason ? `${status} ${reason}` : status}
    </Badge>
  );
}
