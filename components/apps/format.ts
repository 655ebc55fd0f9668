// How the apps' pages write counts and dates (server and client alike; fixed locale so the server's
// HTML and the browser agree).
import type { Count } from '@/lib/apps/overview';

const whole = new Intl.NumberFormat('en');
const compact = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 });

/** "1,234", or "≈ 1M" for an estimate (rounded: it is not exact anyway). */
export function formatCount(count: Count): string {
  return count.isEstimate ? `≈ ${compact.format(count.value)}` : whole.format(count.value);
}

const dateFormat = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeZone: 'UTC' });
const dateTimeFormat = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });

export const formatDate = (date: Date) => dateFormat.format(date);
export const formatDateTime = (date: Date) => `${dateTimeFormat.format(date)} UTC`;
