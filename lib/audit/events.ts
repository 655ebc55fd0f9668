// The read side of the audit log: an app's recent entries for the portal, with who did it in words
// (the account's email, the App Key's prefix, …) rather than internal ids.
import { sql } from 'drizzle-orm';
import { appIdFor } from '../apps/access';
import type { Caller } from '../auth/caller';
import { getDb } from '../db/client';

export type AuditEvent = {
  id: number;
  at: Date;
  /** e.g. `key.revoke`, `user.delete`. */
  action: string;
  /** An identifier (humanId, key prefix, clientId), never a secret. */
  target: string | null;
  actor: { kind: 'account' | 'key' | 'client' | 'user' | 'operator' | 'unknown'; label: string };
};

function actorOf(actor: string, email: string | null): AuditEvent['actor'] {
  const [kind, ...rest] = actor.split(':');
  const value = rest.join(':');
  switch (kind) {
    case 'account':
      return { kind: 'account', label: email ?? 'A deleted account' };
    case 'key':
      return { kind: 'key', label: `App Key ${value}…` };
    case 'client':
      return { kind: 'client', label: 'The app’s server (client credentials)' };
    case 'user':
      return { kind: 'user', label: `End user ${value}` };
    case 'operator':
      return { kind: 'operator', label: 'Operator (command line)' };
    default:
      return { kind: 'unknown', label: actor };
  }
}

export const MAX_AUDIT_EVENTS = 100;

/** The app's newest audit entries, newest first (index audit_log (app_id, at)). */
export async function listRecentAuditEvents(caller: Caller, clientId: string, limit = 10): Promise<AuditEvent[]> {
  const appId = await appIdFor(caller, clientId);
  const n = Math.max(1, Math.min(MAX_AUDIT_EVENTS, Math.floor(limit)));
  const result = await getDb().execute<{ id: string; at: Date | string; action: string; target: string | null; actor: string; email: string | null }>(sql`
    SELECT l.id, l.at, l.action, l.target, l.actor, a.email
    FROM audit_log l
    LEFT JOIN accounts a ON l.actor LIKE 'account:%' AND a.id::text = substring(l.actor FROM 9)
    WHERE l.app_id = ${appId}
    ORDER BY l.at DESC, l.id DESC
    LIMIT ${n}`);
  return result.rows.map((r) => ({
    id: Number(r.id),
    at: new Date(r.at),
    action: r.action,
    target: r.target,
    actor: actorOf(r.actor, r.email),
  }));
}
