// The audit log: who did what to which app and target. Written inside the transaction of the change
// it records, so an entry exists exactly when the change does.
import { actorOf, type Caller } from '../auth/caller';
import type { Queryable } from '../db/client';
import { auditLog } from '../db/schema';

export type AuditEntry = {
  appId: number | null;
  action: string;
  target?: string;
  ip?: string | null;
  details?: Record<string, unknown>;
};

export async function recordAudit(db: Queryable, caller: Caller, entry: AuditEntry): Promise<void> {
  await db.insert(auditLog).values({
    actor: actorOf(caller),
    appId: entry.appId,
    action: entry.action,
    target: entry.target ?? null,
    ip: entry.ip ?? null,
    details: entry.details ?? null,
  });
}
