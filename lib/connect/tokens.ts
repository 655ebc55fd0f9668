// Connect tokens: the short-lived `whc_…` credentials an app's server mints for one of its end users
// (session, id, access, refresh) and the widget's own credential (widget), one connect_sessions row
// each, stored as a SHA-256 hash. Session and id tokens open Connect once; the v2.1 finalize hands
// out the user's long-lived tokens; access tokens read the Data API (lib/connect/end-user.ts).
import { and, eq, gt, inArray, isNull, lt, sql } from 'drizzle-orm';
import { z } from 'zod';
import { appIdFor } from '../apps/access';
import { connectColumns, connectSettingsForAppId, type ConnectSettings } from '../apps/apps';
import { recordAudit } from '../audit/audit';
import type { AccountCaller, ClientCaller, EndUserCaller, OperatorCaller } from '../auth/caller';
import { decrypt } from '../auth/encryption';
import { issueSecret, sha256Hex } from '../auth/secrets';
import { getDb, type Queryable } from '../db/client';
import { apps, connections, connectSessions, users } from '../db/schema';
import { DomainError, invalidInput, notFound } from '../errors';
import { errorFields, log } from '../log';
import { HUMAN_ID_PATTERN } from '../users/human-id';
import { newUserValues } from '../users/users';

/** Lifetimes in seconds. */
export const SESSION_TOKEN_TTL = 3600;
export const ID_TOKEN_TTL = 3600;
export const WIDGET_TTL = 3600;
export const ACCESS_TOKEN_TTL = 86_400;
export const REFRESH_TOKEN_TTL = 30 * 86_400;

/** `whc_` and 32 base64url characters; anything else names no token (and costs no query). */
const CONNECT_TOKEN_SHAPE = /^whc_[A-Za-z0-9_-]{32}$/;
export const isConnectTokenShape = (token: string) => CONNECT_TOKEN_SHAPE.test(token);

type MintingCaller = ClientCaller | OperatorCaller | AccountCaller;
type Kind = (typeof connectSessions.$inferInsert)['kind'] & string;

export type OpenedConnect =
  | { ok: true; widgetToken: string; caller: EndUserCaller; expiresAt: Date; settings: ConnectSettings }
  | {
    ok: false;
    status: 'MISSING_SESSION_TOKEN' | 'SESSION_TOKEN_INVALID' | 'SESSION_TOKEN_EXPIRED';
    message: string;
    settings: ConnectSettings | null;
  };

export type WidgetSession = { caller: EndUserCaller; settings: ConnectSettings; mustSignIn: boolean; expiresAt: Date };

/** What a widget row's `details` holds (not secret): sign-in state and whatever the widget keeps. */
export type WidgetDetails = {
  signedIn?: boolean;
  /** A sign-in in progress (lib/connect/oidc.ts). The PKCE verifier is never put in a URL. */
  oidc?: { state: string; nonce: string; codeVerifier: string; redirectUri: string; startedAt: string };
  [key: string]: unknown;
};

const ExternalId = z.string().trim().min(1, 'client_user_id is required.').max(255, 'client_user_id is at most 255 characters.');
const MintInput = z.object({
  externalId: ExternalId,
  email: z.email('client_user_email must be an email address.').max(254).optional(),
});

/** Insert one token row and return its secret. */
async function insertToken(
  db: Queryable,
  row: { kind: Kind; appId: number; userId: number; ttlSeconds: number; details?: Record<string, unknown> | null; origin?: string | null },
): Promise<{ token: string; expiresAt: Date }> {
  const secret = issueSecret('connectToken');
  const [inserted] = await db.insert(connectSessions).values({
    kind: row.kind,
    tokenHash: secret.hash,
    appId: row.appId,
    userId: row.userId,
    origin: row.origin ?? null,
    details: row.details ?? null,
    expiresAt: sql`now() + ${`${row.ttlSeconds} seconds`}::interval`,
  }).returning({ expiresAt: connectSessions.expiresAt });
  return { token: secret.value, expiresAt: inserted!.expiresAt };
}

/** The live user of app `appId` with this externalId, or null. */
async function liveUserByExternalId(appId: number, externalId: string) {
  const [row] = await getDb()
    .select({ id: users.id, humanId: users.humanId, email: users.email })
    .from(users)
    .where(and(eq(users.appId, appId), eq(users.externalId, externalId), isNull(users.deletedAt)));
  return row ?? null;
}

/**
 * A session token for the app's user `externalId`, creating the user if new (POST /v1/connect/token
 * type=session, the redirect mode's finish, the portal). An email given for a user without one is
 * recorded; an email the user already has (perhaps from their own sign-in) is left alone.
 */
export async function mintSessionForUser(
  caller: MintingCaller,
  clientId: string,
  input: { externalId: string; email?: string },
): Promise<{ sessionToken: string; humanId: string; expiresIn: number }> {
  const parsed = MintInput.safeParse(input);
  if (!parsed.success) throw invalidInput(parsed.error.issues[0]?.message ?? 'Invalid user.');
  const { externalId, email } = parsed.data;
  const appId = await appIdFor(caller, clientId);
  // The common case, a user the app already has, costs two statements: find them, add the token.
  const existing = await liveUserByExternalId(appId, externalId);
  if (existing) {
    if (email && !existing.email) {
      await getDb().update(users).set({ email, updatedAt: sql`now()` }).where(and(eq(users.id, existing.id), isNull(users.email)));
    }
    const { token } = await insertToken(getDb(), { kind: 'session', appId, userId: existing.id, ttlSeconds: SESSION_TOKEN_TTL });
    return { sessionToken: token, humanId: existing.humanId, expiresIn: SESSION_TOKEN_TTL };
  }
  // A new user: created, audited and given the token in one transaction. Two requests racing to
  // create the same user both succeed, on the one row the unique index lets through.
  const minted = await getDb().transaction(async (tx) => {
    const [created] = await tx.insert(users).values(newUserValues(appId, { externalId, ...(email ? { email } : {}) })).onConflictDoNothing()
      .returning({ id: users.id, humanId: users.humanId });
    if (!created) return null;
    await recordAudit(tx, caller, { appId, action: 'user.create', target: created.humanId });
    const { token } = await insertToken(tx, { kind: 'session', appId, userId: created.id, ttlSeconds: SESSION_TOKEN_TTL });
    return { sessionToken: token, humanId: created.humanId, expiresIn: SESSION_TOKEN_TTL };
  });
  if (minted) return minted;
  const raced = await liveUserByExternalId(appId, externalId);
  if (!raced) throw notFound(`No user with client_user_id ${externalId}.`);
  const { token } = await insertToken(getDb(), { kind: 'session', appId, userId: raced.id, ttlSeconds: SESSION_TOKEN_TTL });
  return { sessionToken: token, humanId: raced.humanId, expiresIn: SESSION_TOKEN_TTL };
}

/**
 * A session token for the app's existing user `humanId`: the portal's Connect button on a user's
 * page. Unlike mintSessionForUser it never creates a user, so a user deleted meanwhile stays gone
 * (NotFound) rather than coming back under the same externalId. Audited: an account opens Connect
 * on the user's behalf.
 */
export async function mintSessionForHumanId(
  caller: AccountCaller | OperatorCaller,
  clientId: string,
  humanId: string,
): Promise<{ sessionToken: string; expiresIn: number }> {
  if (!HUMAN_ID_PATTERN.test(humanId)) throw notFound(`No user ${humanId}.`);
  const appId = await appIdFor(caller, clientId);
  return getDb().transaction(async (tx) => {
    const [user] = await tx.select({ id: users.id }).from(users)
      .where(and(eq(users.appId, appId), eq(users.humanId, humanId), isNull(users.deletedAt)))
      .for('share');
    if (!user) throw notFound(`No user ${humanId}.`);
    const { token } = await insertToken(tx, { kind: 'session', appId, userId: user.id, ttlSeconds: SESSION_TOKEN_TTL });
    await recordAudit(tx, caller, { appId, action: 'connect.session', target: humanId });
    return { sessionToken: token, expiresIn: SESSION_TOKEN_TTL };
  });
}

/** An id token to relaunch Connect for the app's existing user `externalId` (type=id). */
export async function mintIdTokenForUser(
  caller: MintingCaller,
  clientId: string,
  input: { externalId: string },
): Promise<{ idToken: string; humanId: string; expiresIn: number }> {
  const parsed = ExternalId.safeParse(input.externalId);
  if (!parsed.success) throw invalidInput(parsed.error.issues[0]?.message ?? 'Invalid client_user_id.');
  const appId = await appIdFor(caller, clientId);
  const row = await liveUserByExternalId(appId, parsed.data);
  if (!row) throw notFound(`No user with client_user_id ${parsed.data} in this app; mint a session token to create one.`);
  const { token } = await insertToken(getDb(), { kind: 'id', appId, userId: row.id, ttlSeconds: ID_TOKEN_TTL });
  return { idToken: token, humanId: row.humanId, expiresIn: ID_TOKEN_TTL };
}

export type AccessTokens = { accessToken: string; refreshToken: string; expiresIn: number; humanId: string };

/**
 * A Data API access token (24 h) and its refresh token (30 days) for the app's user `externalId`
 * (type=access). Refused (409) while the user has no connected source: there is nothing to read yet.
 */
export async function mintAccessForUser(caller: MintingCaller, clientId: string, input: { externalId: string }): Promise<AccessTokens> {
  const parsed = ExternalId.safeParse(input.externalId);
  if (!parsed.success) throw invalidInput(parsed.error.issues[0]?.message ?? 'Invalid client_user_id.');
  const appId = await appIdFor(caller, clientId);
  const row = await liveUserByExternalId(appId, parsed.data);
  if (!row) throw notFound(`No user with client_user_id ${parsed.data} in this app (never created, or deleted).`);
  const [connected] = await getDb()
    .select({ id: connections.id })
    .from(connections)
    .where(and(eq(connections.userId, row.id), inArray(connections.status, ['connected', 'syncing', 'error'])))
    .limit(1);
  if (!connected) throw new DomainError('conflict', `User ${row.humanId} has no connected source yet; an access token is issued once they connect one in Connect.`);
  return mintAccessPair(caller, appId, row.id, row.humanId);
}

async function mintAccessPair(caller: MintingCaller, appId: number, userId: number, humanId: string): Promise<AccessTokens> {
  return getDb().transaction(async (tx) => {
    const access = await insertToken(tx, { kind: 'access', appId, userId, ttlSeconds: ACCESS_TOKEN_TTL });
    const refresh = await insertToken(tx, { kind: 'refresh', appId, userId, ttlSeconds: REFRESH_TOKEN_TTL });
    await recordAudit(tx, caller, { appId, action: 'connect.access_token', target: humanId });
    return { accessToken: access.token, refreshToken: refresh.token, expiresIn: ACCESS_TOKEN_TTL, humanId };
  });
}

/**
 * Renew an access token with a refresh token of the caller's app. The refresh token is rotated: the
 * one presented is spent in the same statement that checks it (a replay finds nothing).
 */
export async function refreshAccess(caller: ClientCaller, refreshToken: string): Promise<AccessTokens> {
  const invalid = () => new DomainError('unauthorized', 'The refresh token is unknown, expired or already used.');
  if (!isConnectTokenShape(refreshToken)) throw invalid();
  const [spent] = await getDb()
    .delete(connectSessions)
    .where(and(
      eq(connectSessions.tokenHash, sha256Hex(refreshToken)),
      eq(connectSessions.kind, 'refresh'),
      eq(connectSessions.appId, caller.appId),
      gt(connectSessions.expiresAt, sql`now()`),
    ))
    .returning({ userId: connectSessions.userId });
  if (!spent?.userId) throw invalid();
  const [user] = await getDb().select({ humanId: users.humanId }).from(users).where(and(eq(users.id, spent.userId), isNull(users.deletedAt)));
  if (!user) throw invalid();
  return mintAccessPair(caller, caller.appId, spent.userId, user.humanId);
}

/**
 * The v2.1 finalize (POST /v1/connect/tokens): given a session token the app minted for user
 * `humanId` (not expired; spent or not, since old integrations finalize after Connect closed), the
 * user's long-lived access and public tokens.
 */
export async function finalizeSession(
  caller: ClientCaller,
  input: { humanId: string; sessionToken: string },
): Promise<{ humanId: string; clientId: string; clientUserId: string; accessToken: string; publicToken: string }> {
  const invalid = () => new DomainError('unauthorized', 'The session token is unknown, expired, or not this user\'s.');
  if (!HUMAN_ID_PATTERN.test(input.humanId) || !isConnectTokenShape(input.sessionToken)) throw invalid();
  const [row] = await getDb()
    .select({ externalId: users.externalId, access: users.accessTokenEncrypted, public: users.publicTokenEncrypted })
    .from(connectSessions)
    .innerJoin(users, eq(users.id, connectSessions.userId))
    .where(and(
      eq(connectSessions.tokenHash, sha256Hex(input.sessionToken)),
      inArray(connectSessions.kind, ['session', 'id']),
      eq(connectSessions.appId, caller.appId),
      gt(connectSessions.expiresAt, sql`now()`),
      eq(users.humanId, input.humanId),
      isNull(users.deletedAt),
    ));
  if (!row) throw invalid();
  return { humanId: input.humanId, clientId: caller.clientId, clientUserId: row.externalId, accessToken: decrypt(row.access), publicToken: decrypt(row.public) };
}

/** The v2.1 public token (POST /v1/connect/publictokens): the user's current publicToken. */
export async function currentPublicToken(caller: ClientCaller, humanId: string): Promise<{ humanId: string; publicToken: string }> {
  if (!HUMAN_ID_PATTERN.test(humanId)) throw notFound(`No user ${humanId}.`);
  const [row] = await getDb()
    .select({ public: users.publicTokenEncrypted })
    .from(users)
    .where(and(eq(users.appId, caller.appId), eq(users.humanId, humanId), isNull(users.deletedAt)));
  if (!row) throw notFound(`No user ${humanId}.`);
  return { humanId, publicToken: decrypt(row.public) };
}

/**
 * Open Connect with a session or id token: spend it (once; the UPDATE that marks it used is the
 * check, so two concurrent opens cannot both win) and mint the widget's own credential for the
 * same user and app. Failures say why, with the app's settings when the token's app is known.
 */
export async function openConnect(token: string | undefined): Promise<OpenedConnect> {
  if (!token) return { ok: false, status: 'MISSING_SESSION_TOKEN', message: 'Connect needs a session token: mint one on your server with POST /v1/connect/token.', settings: null };
  const unknown: OpenedConnect = { ok: false, status: 'SESSION_TOKEN_INVALID', message: 'This session token is not valid.', settings: null };
  if (!isConnectTokenShape(token)) return unknown;
  const hash = sha256Hex(token);
  const opened = await getDb().transaction(async (tx) => {
    // Spend it, and read its live user and app, in one statement.
    const [spent] = await tx
      .update(connectSessions)
      .set({ usedAt: sql`now()` })
      .from(users)
      .innerJoin(apps, eq(apps.id, users.appId))
      .where(and(
        eq(connectSessions.tokenHash, hash),
        inArray(connectSessions.kind, ['session', 'id']),
        isNull(connectSessions.usedAt),
        gt(connectSessions.expiresAt, sql`now()`),
        eq(users.id, connectSessions.userId),
        // Deleting a user removes its tokens too; a user being deleted must not open Connect either.
        isNull(users.deletedAt),
      ))
      .returning({ userId: users.id, humanId: users.humanId, origin: connectSessions.origin, settings: connectColumns });
    if (!spent) return null;
    const { settings } = spent;
    const widget = await insertToken(tx, { kind: 'widget', appId: settings.appId, userId: spent.userId, ttlSeconds: WIDGET_TTL, origin: spent.origin, details: { signedIn: false } });
    const caller: EndUserCaller = { kind: 'end-user', via: 'connect', appId: settings.appId, clientId: settings.clientId, userId: spent.userId, humanId: spent.humanId };
    return { caller, widget, settings };
  });
  if (opened) return { ok: true, widgetToken: opened.widget.token, caller: opened.caller, expiresAt: opened.widget.expiresAt, settings: opened.settings };
  // Why not: say so, and show the app when the token is one of its.
  const [row] = await getDb()
    .select({ appId: connectSessions.appId, expired: sql<boolean>`${connectSessions.expiresAt} <= now()`, usedAt: connectSessions.usedAt })
    .from(connectSessions)
    .where(and(eq(connectSessions.tokenHash, hash), inArray(connectSessions.kind, ['session', 'id'])));
  if (!row) return unknown;
  const settings = await connectSettingsForAppId(row.appId);
  if (row.expired) return { ok: false, status: 'SESSION_TOKEN_EXPIRED', message: 'This session token has expired: ask the app for a new one.', settings };
  if (row.usedAt) return { ok: false, status: 'SESSION_TOKEN_INVALID', message: 'This session token was already used: each one opens Connect once.', settings };
  return { ...unknown, settings };
}

/** The open widget behind `widgetToken`, or null if unknown, expired, or its user was deleted. */
export async function widgetSession(widgetToken: string): Promise<WidgetSession | null> {
  if (!isConnectTokenShape(widgetToken)) return null;
  // One query: the widget calls this on every request it makes.
  const [row] = await getDb()
    .select({
      userId: users.id,
      humanId: users.humanId,
      expiresAt: connectSessions.expiresAt,
      details: connectSessions.details,
      settings: connectColumns,
    })
    .from(connectSessions)
    .innerJoin(users, eq(users.id, connectSessions.userId))
    .innerJoin(apps, eq(apps.id, connectSessions.appId))
    .where(and(
      eq(connectSessions.tokenHash, sha256Hex(widgetToken)),
      eq(connectSessions.kind, 'widget'),
      gt(connectSessions.expiresAt, sql`now()`),
      isNull(users.deletedAt),
    ));
  if (!row) return null;
  const { settings } = row;
  const details = (row.details ?? {}) as WidgetDetails;
  return {
    caller: { kind: 'end-user', via: 'connect', appId: settings.appId, clientId: settings.clientId, userId: row.userId, humanId: row.humanId },
    settings,
    mustSignIn: settings.oidcIssuer !== null && details.signedIn !== true,
    expiresAt: row.expiresAt,
  };
}

/** Rows removed per statement by the clean-up: short statements keep the embedded engine responsive. */
export const CLEANUP_BATCH = 500;

/** Delete expired Connect tokens in short batches; returns how many went. */
export async function deleteExpiredTokens(maxBatches = 20): Promise<number> {
  let total = 0;
  for (let i = 0; i < maxBatches; i++) {
    const gone = await getDb()
      .delete(connectSessions)
      .where(sql`${connectSessions.id} IN (SELECT ${connectSessions.id} FROM ${connectSessions} WHERE ${lt(connectSessions.expiresAt, sql`now()`)} LIMIT ${CLEANUP_BATCH})`)
      .returning({ id: connectSessions.id });
    total += gone.length;
    if (gone.length < CLEANUP_BATCH) break;
  }
  return total;
}

export type TokenCleanup = { stop(): Promise<void> };

/**
 * Delete expired Connect tokens every `intervalMs` until stopped (started with the server). Each
 * round is a few short batches; a failure (a database restart) is logged and retried next round.
 */
export function startTokenCleanup(options: { intervalMs?: number } = {}): TokenCleanup {
  const { intervalMs = 5 * 60_000 } = options;
  let running: Promise<void> | null = null;
  const round = () => {
    if (running) return; // the previous round is still going: never two at once
    running = deleteExpiredTokens().then(
      () => undefined,
      (error: unknown) => log.warn({ event: 'connect.token_cleanup_failed', err: errorFields(error) }, 'deleting expired Connect tokens failed; retrying later'),
    ).finally(() => (running = null));
  };
  const timer = setInterval(round, intervalMs);
  timer.unref();
  round();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
