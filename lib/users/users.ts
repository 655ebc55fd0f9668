// An app's end users: list, get, create (idempotent by externalId), delete (soft, purged later by
// ./purge), and the portal's view of their tokens. Every function is scoped by the caller's access
// to the app and sees live users only.
import { and, desc, eq, gte, isNull, lt, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { appIdFor } from '../apps/access';
import { recordAudit } from '../audit/audit';
import type { Caller } from '../auth/caller';
import { decrypt, encrypt } from '../auth/encryption';
import { issueSecret } from '../auth/secrets';
import { getDb, getPool, preparedName, type Database } from '../db/client';
import { connectSessions, users } from '../db/schema';
import { forbidden, invalidInput, notFound } from '../errors';
import { grantsOfUser, revokeInBackground } from '../sources/oauth/tokens';
import { HUMAN_ID_PATTERN, newHumanId } from './human-id';
import { wakePurger } from './purge';

export type User = {
  humanId: string;
  externalId: string;
  clientId: string;
  email: string | null;
  name: string | null;
  username: string | null;
  identityProvider: { name: string; url: string | null } | null;
  providerUserId: string | null;
  createdAt: Date;
  updatedAt: Date;
  lastActiveAt: Date | null;
  lastLoginAt: Date | null;
};

export type UserPage = { users: User[]; hasMore: boolean };

export const MAX_PAGE_SIZE = 500;

export type ListUsersQuery = {
  limit: number;
  offset?: number;
  /** Keyset paging: only users older than this humanId (which need not exist any more). */
  beforeHumanId?: string;
  externalId?: string;
  createdSince?: Date;
  updatedSince?: Date;
};

export const NewUserInput = z.object({
  externalId: z.string().trim().min(1, 'externalId is required.').max(255),
  email: z.email().max(254).optional(),
  name: z.string().trim().max(200).optional(),
  username: z.string().trim().max(200).optional(),
  identityProvider: z.object({ name: z.string().trim().min(1).max(200), url: z.url().max(2000).nullable().optional() }).optional(),
  providerUserId: z.string().trim().max(255).optional(),
});
export type NewUser = z.infer<typeof NewUserInput>;

const userColumns = {
  humanId: users.humanId,
  externalId: users.externalId,
  email: users.email,
  name: users.name,
  username: users.username,
  identityProviderName: users.identityProviderName,
  identityProviderUrl: users.identityProviderUrl,
  providerUserId: users.providerUserId,
  createdAt: users.createdAt,
  updatedAt: users.updatedAt,
  lastActiveAt: users.lastActiveAt,
  lastLoginAt: users.lastLoginAt,
};
/**
 * Users of one app, without a join to apps: every caller names the app by the clientId that
 * appIdFor has just checked (an App Key's own), so the DTO's clientId is that argument.
 */
const selectUsers = (db: Database = getDb()) => db.select(userColumns).from(users);
type UserRow = Awaited<ReturnType<typeof selectUsers>>[number];
/** Every query of users adds this: a deleted user is gone for every reader at once. */
const isLive = isNull(users.deletedAt);

function toUser(clientId: string, { identityProviderName, identityProviderUrl, ...row }: UserRow): User {
  return {
    ...row,
    clientId,
    identityProvider: identityProviderName ? { name: identityProviderName, url: identityProviderUrl } : null,
  };
}

// GET one user is the API's hottest path, and should cost the engine no more than a bare one-row
// lookup. So its statement
// - is built once per pool, not on every call (drizzle builds the SQL text anew each time);
// - stays unnamed: the embedded engine has one shared session, where named statements collide;
// - looks the user up by the globally unique humanId alone and checks the app here: with stale
//   statistics (the embedded engine never runs ANALYZE by itself) the planner has been seen to
//   pick an (app_id, …) index and read thousands of entries when both columns were in the WHERE;
// - selects only what its caller shows: Human API's user object needs five columns, not thirteen
//   (fewer to describe, send, parse and map on every call).
const UNNAMED = undefined as unknown as string;
/** A statement built once per pool (getDb() changes when the pool is closed and reopened). */
function oncePerPool<T>(build: (db: Database) => T): () => T {
  const built = new WeakMap<Database, T>();
  return () => {
    const db = getDb();
    let query = built.get(db);
    if (!query) built.set(db, (query = build(db)));
    return query;
  };
}
const byLiveHumanId = and(eq(users.humanId, sql.placeholder('humanId')), isLive);
const userByHumanId = oncePerPool((db) => db.select({ ...userColumns, appId: users.appId }).from(users).where(byLiveHumanId).prepare(UNNAMED));
// The hottest of them skips drizzle altogether: its text is a constant, prepared once per connection
// on PostgreSQL (preparedName; unnamed on the embedded engine), with node-postgres's own row parsing (drizzle's prepared query still maps, wraps and traces every
// call: a tenth of the API's CPU for GET one user, bench:api profile). app_id is a bigint, which
// node-postgres leaves a string.
const USER_SUMMARY_BY_HUMAN_ID = 'SELECT human_id, external_id, created_at, updated_at, app_id FROM users WHERE human_id = $1 AND deleted_at IS NULL';
type UserSummaryRow = { human_id: string; external_id: string; created_at: Date; updated_at: Date; app_id: string };

function requireHumanId(humanId: string) {
  // A malformed id cannot name anyone; report it like any other unknown user.
  if (!HUMAN_ID_PATTERN.test(humanId)) throw notFound(`No user ${humanId}.`);
}

export async function listUsers(caller: Caller, clientId: string, query: ListUsersQuery): Promise<UserPage> {
  if (!(query.limit >= 1 && query.limit <= MAX_PAGE_SIZE)) throw invalidInput(`limit must be between 1 and ${MAX_PAGE_SIZE}.`);
  const appId = await appIdFor(caller, clientId);
  const filters: SQL[] = [eq(users.appId, appId), isLive];
  if (query.externalId !== undefined) filters.push(eq(users.externalId, query.externalId));
  if (query.createdSince) filters.push(gte(users.createdAt, query.createdSince));
  if (query.updatedSince) filters.push(gte(users.updatedAt, query.updatedSince));
  if (query.beforeHumanId !== undefined) filters.push(lt(users.humanId, query.beforeHumanId));
  const rows = await selectUsers()
    .where(and(...filters))
    .orderBy(desc(users.humanId))
    .limit(query.limit + 1)
    .offset(query.offset ?? 0);
  return { users: rows.slice(0, query.limit).map((row) => toUser(clientId, row)), hasMore: rows.length > query.limit };
}

export async function getUser(caller: Caller, clientId: string, humanId: string): Promise<User> {
  requireHumanId(humanId);
  const appId = await appIdFor(caller, clientId);
  const [found] = await userByHumanId().execute({ humanId });
  if (!found || found.appId !== appId) throw notFound(`No user ${humanId}.`);
  const { appId: _, ...row } = found;
  return toUser(clientId, row);
}

/** A user's ids and times: what Human API's user object carries. */
export type UserSummary = Pick<User, 'humanId' | 'externalId' | 'clientId' | 'createdAt' | 'updatedAt'>;

/** getUser for callers that show only a UserSummary (same checks, a narrower read). */
export async function getUserSummary(caller: Caller, clientId: string, humanId: string): Promise<UserSummary> {
  requireHumanId(humanId);
  const appId = await appIdFor(caller, clientId);
  const name = await preparedName('user-summary');
  const { rows: [found] } = await getPool().query<UserSummaryRow>({ name, text: USER_SUMMARY_BY_HUMAN_ID, values: [humanId] });
  if (!found || found.app_id !== String(appId)) throw notFound(`No user ${humanId}.`);
  return { humanId: found.human_id, externalId: found.external_id, clientId, createdAt: found.created_at, updatedAt: found.updated_at };
}

/** The columns of a new user row, with fresh tokens (shared by createUser and bulk seeding). */
export function newUserValues(appId: number, input: NewUser, createdAt = new Date(), humanId = newHumanId(createdAt)) {
  const accessToken = issueSecret('accessToken');
  const publicToken = issueSecret('publicToken');
  return {
    humanId,
    appId,
    externalId: input.externalId,
    email: input.email ?? null,
    name: input.name ?? null,
    username: input.username ?? null,
    identityProviderName: input.identityProvider?.name ?? null,
    identityProviderUrl: input.identityProvider?.url ?? null,
    providerUserId: input.providerUserId ?? null,
    accessTokenEncrypted: encrypt(accessToken.value),
    accessTokenHash: accessToken.hash,
    publicTokenEncrypted: encrypt(publicToken.value),
    publicTokenHash: publicToken.hash,
    createdAt,
    updatedAt: createdAt,
  };
}

/** Create a user, or return the app's existing user with that externalId (created: false). */
export async function createUser(
  caller: Caller,
  clientId: string,
  input: unknown,
  context: { ip?: string | null } = {},
): Promise<{ user: User; created: boolean }> {
  const parsed = NewUserInput.safeParse(input);
  if (!parsed.success) {
    throw invalidInput(parsed.error.issues[0]?.message ?? 'Invalid user.', parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
  }
  const appId = await appIdFor(caller, clientId);
  const created = await getDb().transaction(async (tx) => {
    const [row] = await tx.insert(users).values(newUserValues(appId, parsed.data)).onConflictDoNothing().returning({ humanId: users.humanId });
    if (row) await recordAudit(tx, caller, { appId, action: 'user.create', target: row.humanId, ip: context.ip });
    return row?.humanId ?? null;
  });
  if (created) return { user: await getUser(caller, clientId, created), created: true };
  const [existing] = await selectUsers().where(and(eq(users.appId, appId), eq(users.externalId, parsed.data.externalId), isLive));
  if (!existing) throw notFound(`No user with externalId ${parsed.data.externalId}.`);
  return { user: toUser(clientId, existing), created: false };
}

/**
 * Delete a user: at once it is gone for every query (its tokens and Connect sessions too) and its
 * externalId is free again; its connections, readings and rollups are removed afterwards in short
 * batches by the purger (./purge), so a heavy user never stalls anyone. Unknown → NotFound.
 */
export async function deleteUser(caller: Caller, clientId: string, humanId: string, context: { ip?: string | null } = {}): Promise<void> {
  requireHumanId(humanId);
  const appId = await appIdFor(caller, clientId);
  const grants = await getDb().transaction(async (tx) => {
    const [gone] = await tx
      .update(users)
      .set({ deletedAt: sql`now()` })
      .where(and(eq(users.appId, appId), eq(users.humanId, humanId), isLive))
      .returning({ id: users.id });
    if (!gone) throw notFound(`No user ${humanId}.`);
    await tx.delete(connectSessions).where(eq(connectSessions.userId, gone.id));
    await recordAudit(tx, caller, { appId, action: 'user.delete', target: humanId, ip: context.ip });
    // Their provider grants (Fitbit, Oura) as they are now, before the purger removes the rows.
    return grantsOfUser(tx, gone.id);
  });
  wakePurger();
  // Best effort and after the commit: the providers forget the grants; never holds up the delete.
  for (const grant of grants) revokeInBackground(grant);
}

/** The user's access and public tokens in full, for the portal (never for an App Key). */
export async function revealTokens(caller: Caller, clientId: string, humanId: string): Promise<{ accessToken: string; publicToken: string }> {
  if (caller.kind !== 'account' && caller.kind !== 'operator') throw forbidden('Tokens are shown in the portal only.');
  requireHumanId(humanId);
  const appId = await appIdFor(caller, clientId);
  const [row] = await getDb()
    .select({ access: users.accessTokenEncrypted, public: users.publicTokenEncrypted })
    .from(users)
    .where(and(eq(users.appId, appId), eq(users.humanId, humanId), isLive));
  if (!row) throw notFound(`No user ${humanId}.`);
  await recordAudit(getDb(), caller, { appId, action: 'user.reveal_tokens', target: humanId });
  return { accessToken: decrypt(row.access), publicToken: decrypt(row.public) };
}

/** Count an app's users (the portal's header; a full count, so not for every API request). */
export async function countUsers(caller: Caller, clientId: string): Promise<number> {
  const appId = await appIdFor(caller, clientId);
  const [row] = await getDb().select({ n: sql<number>`count(*)::int` }).from(users).where(and(eq(users.appId, appId), isLive));
  return row?.n ?? 0;
}
