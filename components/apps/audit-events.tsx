// The app's recent audit entries: who did what, to which target, when.
import type { AuditEvent } from '@/lib/audit/events';
import { formatDateTime } from './format';

const ACTIONS: Record<string, string> = {
  'app.create': 'created the app',
  'app.rotate_client_secret': 'rotated the client secret',
  'app.update_connect_settings': 'changed the Connect settings',
  'key.create': 'created App Key',
  'key.revoke': 'revoked App Key',
  'user.create': 'created user',
  'user.delete': 'deleted user',
  'user.reveal_tokens': 'revealed the tokens of user',
  'webhook.update': 'changed the webhook URL',
  'webhook.rotate_secret': 'rotated the webhook signing secret',
  'webhook.remove': 'removed the webhook',
  'webhook.redeliver': 'redelivered a webhook',
};

export function AuditEvents({ events }: { events: AuditEvent[] }) {
  if (events.length === 0) return <p className="text-sm text-zinc-600 dark:text-zinc-400">Nothing has happened yet.</p>;
  return (
    <ol className="divide-y divide-zinc-200 dark:divide-zinc-800">
      {events.map((event) => (
        <li key={event.id} className="py-2.5 text-sm">
          <p className="[overflow-wrap:anywhere]">
            <span className="font-medium">{event.actor.label}</span>{' '}
            {ACTIONS[event.action] ?? event.action}
            {event.target && !event.action.startsWith('app.') ? (
              <> <code className="font-mono text-xs text-zinc-700 dark:text-zinc-300">{event.target}{event.action.startsWith('key.') ? '…' : ''}</code></>
            ) : null}
          </p>
          <p className="text-xs text-zinc-500 dark:text-zinc-400">
            <time dateTime={event.at.toISOString()}>{formatDateTime(event.at)}</time>
          </p>
        </li>
      ))}
    </ol>
  );
}
