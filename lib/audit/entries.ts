// Reading an app's audit log: the newest entries first, optionally of one action. For the operator's
// CLI and the portal; scoped by the caller's access to the app like every other read.
import { and, desc, eq, type SQL } from 'drizzle-orm';
import { appIdFor } from '../apps/access';
import type { Caller } from '../auth/caller';
import { getDb } from '../db/client';
import { auditLog } from '../db/schema';
import { invalidInput } from '../errors';

export type AuditRecord = { actor: string; action: string; target: string | null; at: Date };

export async function listAuditEntries(caller: Caller, clientId: string, query: { limit?: number; action?: string } = {}): Promise<AuditRecord[]> {
  const limit = query.limit ?? 50;
  if (!(Number.isInteger(limit) && limit >= 1 && limit <= 500)) throw invalidInput('limit must be between 1 and 500.');
  const appId = await appIdFor(caller, clientId);
  const filters: SQL[] = [eq(auditLog.appId, appId)];
  if (query.action) filters.push(eq(auditLog.action, query.action));
  return getDb()
    .select({ actor: auditLog.actor, action: auditLog.action, target: auditLog.target, at: auditLog.at })
    .from(auditLog)
    .where(and(...filters))
    .orderBy(desc(auditLog.at), desc(auditLog.id))
    .limit(limit);
}
