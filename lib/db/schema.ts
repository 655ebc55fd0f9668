// The whole relational model of Wearhouse. drizzle-kit diffs this file into SQL migrations
// (lib/db/migrations); the same SQL runs on PostgreSQL and on the embedded PGlite engine.
import { sql } from 'drizzle-orm';
import {
  bigint,
  char,
  check,
  doublePrecision,
  foreignKey,
  index,
  inet,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  unique,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

const id = () => bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity();
const ref = (name: string) => bigint(name, { mode: 'number' });
const at = (name: string) => timestamp(name, { withTimezone: true, precision: 3 });
const createdAt = () => at('created_at').notNull().defaultNow();
const updatedAt = () => at('updated_at').notNull().defaultNow();

export const accountRole = pgEnum('account_role', ['admin', 'developer']);

/** Developers who sign in to the portal. */
export const accounts = pgTable('accounts', {
  id: id(),
  email: text('email').notNull(),
  name: text('name').notNull(),
  passwordHash: text('password_hash').notNull(),
  role: accountRole('role').notNull().default('developer'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
}, (t) => [uniqueIndex('accounts_email_key').on(sql`lower(${t.email})`)]);

/** A developer's application. clientId is public; its secrets live hashed, never in plain text. */
export const apps = pgTable('apps', {
  id: id(),
  clientId: char('client_id', { length: 40 }).notNull(),
  name: text('name').notNull(),
  ownerId: ref('owner_id').notNull().references(() => accounts.id, { onDelete: 'restrict' }),
  /** Origins allowed to frame Connect and receive its messages (targetOrigin, frame-ancestors). */
  connectOrigins: text('connect_origins').array().notNull().default(sql`'{}'::text[]`),
  /** URLs Connect's redirect mode (/connect/embed) may send the user back to: exact, or a prefix ending in `/`. */
  connectRedirectUrls: text('connect_redirect_urls').array().notNull().default(sql`'{}'::text[]`),
  /** Sources Connect offers this app's users; null offers the whole catalog. */
  enabledSources: text('enabled_sources').array(),
  /** End users sign in through this OpenID Connect issuer before Connect (all three set, or none). */
  oidcIssuer: text('oidc_issuer'),
  oidcClientId: text('oidc_client_id'),
  oidcClientSecretEncrypted: text('oidc_client_secret_encrypted'),
  clientSecretHash: char('client_secret_hash', { length: 64 }).notNull(),
  clientSecretPrefix: text('client_secret_prefix').notNull(),
  clientSecretLast4: char('client_secret_last4', { length: 4 }).notNull(),
  clientSecretRotatedAt: at('client_secret_rotated_at').notNull().defaultNow(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
}, (t) => [
  uniqueIndex('apps_client_id_key').on(t.clientId),
  index('apps_owner_id_idx').on(t.ownerId),
]);

/** Keys for the Application API. Several per app, each revocable on its own. */
export const appKeys = pgTable('app_keys', {
  id: id(),
  appId: ref('app_id').notNull().references(() => apps.id, { onDelete: 'cascade' }),
  label: text('label').notNull().default(''),
  keyHash: char('key_hash', { length: 64 }).notNull(),
  keyPrefix: text('key_prefix').notNull(),
  keyLast4: char('key_last4', { length: 4 }).notNull(),
  createdById: ref('created_by_id').references(() => accounts.id, { onDelete: 'set null' }),
  createdAt: createdAt(),
  lastUsedAt: at('last_used_at'),
  revokedAt: at('revoked_at'),
}, (t) => [
  uniqueIndex('app_keys_key_hash_key').on(t.keyHash),
  index('app_keys_app_id_idx').on(t.appId),
  index('app_keys_created_by_id_idx').on(t.createdById),
]);

/**
 * An app's end users. humanId is 32 hex characters whose first 12 encode the creation
 * millisecond, so ordering by humanId is ordering by age and keyset paging survives deletes.
 * The two tokens are kept encrypted (the portal shows them again) plus a hash for lookups.
 * Deleting sets deletedAt (every query ignores such users at once, and the externalId is free again);
 * lib/users/purge.ts then removes the row and everything under it in short batches.
 */
export const users = pgTable('users', {
  id: id(),
  humanId: char('human_id', { length: 32 }).notNull(),
  appId: ref('app_id').notNull().references(() => apps.id, { onDelete: 'cascade' }),
  externalId: text('external_id').notNull(),
  email: text('email'),
  name: text('name'),
  username: text('username'),
  identityProviderName: text('identity_provider_name'),
  identityProviderUrl: text('identity_provider_url'),
  providerUserId: text('provider_user_id'),
  accessTokenEncrypted: text('access_token_encrypted').notNull(),
  accessTokenHash: char('access_token_hash', { length: 64 }).notNull(),
  publicTokenEncrypted: text('public_token_encrypted').notNull(),
  publicTokenHash: char('public_token_hash', { length: 64 }).notNull(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
  lastActiveAt: at('last_active_at'),
  lastLoginAt: at('last_login_at'),
  deletedAt: at('deleted_at'),
}, (t) => [
  uniqueIndex('users_human_id_key').on(t.humanId),
  uniqueIndex('users_app_id_human_id_key').on(t.appId, t.humanId),
  // Only live users hold their externalId, so it can be reused the moment a user is deleted.
  uniqueIndex('users_app_id_external_id_key').on(t.appId, t.externalId).where(sql`deleted_at IS NULL`),
  // The purge queue: deleted users still waiting for their rows to be removed.
  index('users_deleted_at_idx').on(t.deletedAt).where(sql`deleted_at IS NOT NULL`),
  // Target of connect_sessions (user_id, app_id): a Connect session's user belongs to its app.
  unique('users_id_app_id_key').on(t.id, t.appId),
  index('users_app_id_created_at_idx').on(t.appId, t.createdAt),
  index('users_app_id_updated_at_idx').on(t.appId, t.updatedAt),
  // The portal's users table (lib/users/directory.ts): keyset paging by last activity (never-active
  // users sort as -infinity so the key has no NULLs), and prefix search on externalId and email
  // under any collation. Live users only, like every reader.
  index('users_app_id_last_active_idx').on(t.appId, sql`coalesce(${t.lastActiveAt}, '-infinity'::timestamptz)`, t.humanId).where(sql`deleted_at IS NULL`),
  index('users_app_id_external_id_prefix_idx').on(t.appId, t.externalId.op('text_pattern_ops')).where(sql`deleted_at IS NULL`),
  index('users_app_id_email_prefix_idx').on(t.appId, sql`lower(${t.email}) text_pattern_ops`).where(sql`deleted_at IS NULL`),
  uniqueIndex('users_access_token_hash_key').on(t.accessTokenHash),
  uniqueIndex('users_public_token_hash_key').on(t.publicTokenHash),
]);

export const sourceKind = pgEnum('source_kind', ['oauth2', 'upload', 'demo', 'file']);

/** The catalog of data sources a user can connect. Kept in step with lib/sources/catalog.ts. */
export const sources = pgTable('sources', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  kind: sourceKind('kind').notNull(),
  dataTypes: text('data_types').array().notNull(),
  description: text('description').notNull().default(''),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const connectionStatus = pgEnum('connection_status', ['connected', 'syncing', 'error', 'disconnected']);

/** A user's link to one source. Provider credentials are encrypted like tokens. */
export const connections = pgTable('connections', {
  id: id(),
  userId: ref('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  sourceId: text('source_id').notNull().references(() => sources.id, { onDelete: 'restrict' }),
  status: connectionStatus('status').notNull().default('connected'),
  connectedSince: at('connected_since').notNull().defaultNow(),
  lastSyncAt: at('last_sync_at'),
  lastError: text('last_error'),
  credentialsEncrypted: text('credentials_encrypted'),
  /** Set when a sync is wanted (on connect, "sync now", a schedule); the sync worker clears it. A durable queue. */
  syncRequestedAt: at('sync_requested_at'),
  /** When the history backfill finished (null while it is pending). */
  historySyncedAt: at('history_synced_at'),
  /** The oldest and newest reading this connection has delivered (Data API /sources). */
  oldestReadingAt: at('oldest_reading_at'),
  newestReadingAt: at('newest_reading_at'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
}, (t) => [
  uniqueIndex('connections_user_id_source_id_key').on(t.userId, t.sourceId),
  index('connections_sync_requested_at_idx').on(t.syncRequestedAt).where(sql`sync_requested_at IS NOT NULL`),
  index('connections_source_id_idx').on(t.sourceId),
  // Target of readings and rollups (connection_id, user_id): their user is the connection's user.
  unique('connections_id_user_id_key').on(t.id, t.userId),
]);

/**
 * One measurement. (connection, type, sourceReadingId) is unique so re-ingesting is idempotent.
 * user_id is the connection's user, enforced by the composite foreign key to connections.
 * The chart index `readings_user_id_type_ts_idx` on (user_id, type, ts) INCLUDE (value, value2,
 * connection_id) makes chart queries index-only scans. drizzle-orm cannot express INCLUDE, so it
 * lives in the hand-written migration 0001_readings_chart_index.sql, not here. Likewise the batch
 * endpoints' index (user_id, type COLLATE "C", updated_at, id), migration 0006.
 */
export const readings = pgTable('readings', {
  id: id(),
  userId: ref('user_id').notNull(),
  connectionId: ref('connection_id').notNull(),
  type: text('type').notNull(),
  ts: at('ts').notNull(),
  tzOffsetMinutes: smallint('tz_offset_minutes').notNull().default(0),
  value: doublePrecision('value').notNull(),
  value2: doublePrecision('value2'),
  unit: text('unit').notNull(),
  sourceReadingId: text('source_reading_id').notNull(),
  sourceData: jsonb('source_data'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
}, (t) => [
  uniqueIndex('readings_connection_id_type_source_reading_id_key').on(t.connectionId, t.type, t.sourceReadingId),
  foreignKey({ name: 'readings_connection_user_fk', columns: [t.connectionId, t.userId], foreignColumns: [connections.id, connections.userId] })
    .onDelete('cascade'),
]);

/**
 * Hourly aggregates of readings, rewritten in the same transaction as the readings they cover.
 * Charts over weeks or years read these instead of millions of raw rows (see shared NOTES).
 * Hours are local to the readings: `bucket` is the instant a local hour starts for readings taken
 * at UTC offset `tzOffsetMinutes`, so a +5:30 user's hours (and days) start at :30 UTC and daily
 * totals in local days add up whole hours.
 */
export const readingRollups = pgTable('reading_rollups', {
  connectionId: ref('connection_id').notNull(),
  type: text('type').notNull(),
  tzOffsetMinutes: smallint('tz_offset_minutes').notNull().default(0),
  bucket: at('bucket').notNull(),
  userId: ref('user_id').notNull(),
  count: integer('count').notNull(),
  sum: doublePrecision('sum').notNull(),
  min: doublePrecision('min').notNull(),
  max: doublePrecision('max').notNull(),
  sum2: doublePrecision('sum2'),
  min2: doublePrecision('min2'),
  max2: doublePrecision('max2'),
}, (t) => [
  primaryKey({ columns: [t.connectionId, t.type, t.tzOffsetMinutes, t.bucket] }),
  index('reading_rollups_user_id_type_bucket_idx').on(t.userId, t.type, t.bucket),
  foreignKey({ name: 'reading_rollups_connection_user_fk', columns: [t.connectionId, t.userId], foreignColumns: [connections.id, connections.userId] })
    .onDelete('cascade'),
]);

/**
 * What a connect_sessions row is: `session` (POST /v1/connect/token type=session, opens Connect once),
 * `id` (type=id, relaunches Connect for an existing user, once), `widget` (the open widget's own
 * credential, minted when a session or id token is spent), `access` and `refresh` (type=access:
 * short-lived Data API token and the token that renews it).
 */
export const connectTokenKind = pgEnum('connect_token_kind', ['session', 'id', 'widget', 'access', 'refresh']);

/** Short-lived tokens for one end user of one app (the user must be the app's). Stored hashed. */
export const connectSessions = pgTable('connect_sessions', {
  id: id(),
  kind: connectTokenKind('kind').notNull().default('session'),
  tokenHash: char('token_hash', { length: 64 }).notNull(),
  appId: ref('app_id').notNull().references(() => apps.id, { onDelete: 'cascade' }),
  userId: ref('user_id'),
  origin: text('origin'),
  /** Per-kind state that is not secret: the widget's mode and options, an OIDC sign-in's state. */
  details: jsonb('details'),
  expiresAt: at('expires_at').notNull(),
  usedAt: at('used_at'),
  createdAt: createdAt(),
}, (t) => [
  uniqueIndex('connect_sessions_token_hash_key').on(t.tokenHash),
  index('connect_sessions_expires_at_idx').on(t.expiresAt),
  index('connect_sessions_app_id_idx').on(t.appId),
  index('connect_sessions_user_id_idx').on(t.userId, t.appId),
  foreignKey({ name: 'connect_sessions_user_app_fk', columns: [t.userId, t.appId], foreignColumns: [users.id, users.appId] })
    .onDelete('cascade'),
]);

/** Who did what. Targets are identifiers (humanId, key prefix), never secret values. */
export const auditLog = pgTable('audit_log', {
  id: id(),
  actor: text('actor').notNull(),
  appId: ref('app_id').references(() => apps.id, { onDelete: 'set null' }),
  action: text('action').notNull(),
  target: text('target'),
  ip: inet('ip'),
  details: jsonb('details'),
  at: at('at').notNull().defaultNow(),
}, (t) => [index('audit_log_app_id_at_idx').on(t.appId, t.at)]);

// ---- OAuth2 sources (issue 13): per-app provider credentials and authorizations in flight ----------

/** An app's own OAuth2 client at a provider (Fitbit, Oura): the secret encrypted, never shown again. */
export const appProviderCredentials = pgTable('app_provider_credentials', {
  id: id(),
  appId: ref('app_id').notNull().references(() => apps.id, { onDelete: 'cascade' }),
  /** A provider of lib/sources/oauth/providers.ts, also the source's id. */
  provider: text('provider').notNull(),
  clientId: text('client_id').notNull(),
  clientSecretEncrypted: text('client_secret_encrypted').notNull(),
  clientSecretLast4: text('client_secret_last4').notNull(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
}, (t) => [uniqueIndex('app_provider_credentials_app_id_provider_key').on(t.appId, t.provider)]);

/**
 * A Connect user on a provider's consent page: found again by the hash of the `state` the provider
 * returns, spent on the way back, refused after expires_at. The PKCE verifier is encrypted.
 */
export const providerAuthorizations = pgTable('provider_authorizations', {
  id: id(),
  stateHash: char('state_hash', { length: 64 }).notNull(),
  connectSessionId: ref('connect_session_id').notNull().references(() => connectSessions.id, { onDelete: 'cascade' }),
  sourceId: text('source_id').notNull().references(() => sources.id, { onDelete: 'cascade' }),
  codeVerifierEncrypted: text('code_verifier_encrypted').notNull(),
  redirectUri: text('redirect_uri').notNull(),
  expiresAt: at('expires_at').notNull(),
  createdAt: createdAt(),
}, (t) => [
  uniqueIndex('provider_authorizations_state_hash_key').on(t.stateHash),
  index('provider_authorizations_connect_session_id_idx').on(t.connectSessionId),
  index('provider_authorizations_expires_at_idx').on(t.expiresAt),
  index('provider_authorizations_source_id_idx').on(t.sourceId),
]);

// ---- Apple Health export imports (migration 0007) ---------------------------------------------
import { uuid } from 'drizzle-orm/pg-core';

export const importStatus = pgEnum('import_status', ['queued', 'running', 'done', 'failed']);

/**
 * One uploaded Apple Health export.zip and its import into a connection of the user to the
 * `apple-health` source: progress (inflated export.xml bytes read, records seen, imported, skipped)
 * and outcome. `lease_until` marks a running import as its worker's until then; a worker that died
 * leaves it to be taken up again (an import is re-run from the start: its upserts are idempotent).
 */
export const imports = pgTable('imports', {
  id: uuid('id').primaryKey().defaultRandom(),
  appId: ref('app_id').notNull(),
  userId: ref('user_id').notNull(),
  connectionId: ref('connection_id').notNull(),
  sourceId: text('source_id').notNull(),
  status: importStatus('status').notNull().default('queued'),
  bytes: bigint('bytes', { mode: 'number' }).notNull(),
  xmlBytes: bigint('xml_bytes', { mode: 'number' }).notNull().default(0),
  xmlBytesRead: bigint('xml_bytes_read', { mode: 'number' }).notNull().default(0),
  recordsSeen: bigint('records_seen', { mode: 'number' }).notNull().default(0),
  recordsImported: bigint('records_imported', { mode: 'number' }).notNull().default(0),
  recordsSkipped: bigint('records_skipped', { mode: 'number' }).notNull().default(0),
  skippedTypes: jsonb('skipped_types').$type<Record<string, number>>().notNull().default(sql`'{}'::jsonb`),
  readingsWritten: bigint('readings_written', { mode: 'number' }).notNull().default(0),
  readingsInserted: bigint('readings_inserted', { mode: 'number' }).notNull().default(0),
  readingsUpdated: bigint('readings_updated', { mode: 'number' }).notNull().default(0),
  attempts: integer('attempts').notNull().default(0),
  leaseUntil: at('lease_until'),
  error: text('error'),
  createdAt: createdAt(),
  startedAt: at('started_at'),
  finishedAt: at('finished_at'),
  updatedAt: updatedAt(),
}, (t) => [
  index('imports_user_id_created_at_idx').on(t.userId, t.createdAt),
  index('imports_connection_id_idx').on(t.connectionId),
  index('imports_pending_idx').on(t.createdAt).where(sql`status IN ('queued', 'running')`),
  foreignKey({ name: 'imports_user_app_fk', columns: [t.userId, t.appId], foreignColumns: [users.id, users.appId] }).onDelete('cascade'),
  foreignKey({ name: 'imports_connection_user_fk', columns: [t.connectionId, t.userId], foreignColumns: [connections.id, connections.userId] })
    .onDelete('cascade'),
]);

// --- Webhooks (issue 13, lib/webhooks) ---

/** An app's notify URL and its Standard Webhooks signing secret (`whsec_…`, encrypted: it signs every delivery). */
export const webhookEndpoints = pgTable('webhook_endpoints', {
  appId: ref('app_id').primaryKey().references(() => apps.id, { onDelete: 'cascade' }),
  url: text('url').notNull(),
  secretEncrypted: text('secret_encrypted').notNull(),
  /** What the portal may show of the secret: `whsec_` + its first and last four characters. */
  secretHint: text('secret_hint').notNull(),
  secretRotatedAt: at('secret_rotated_at').notNull().defaultNow(),
  /** After a rotation, deliveries are signed with the replaced secret too until it expires (a second `v1,` signature). */
  previousSecretEncrypted: text('previous_secret_encrypted'),
  previousSecretExpiresAt: at('previous_secret_expires_at'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/**
 * One event for one app (readings added for a user, or a test event) and the state of its delivery:
 * `pending` (next attempt at nextAttemptAt), `succeeded` or `failed` (gave up). eventId is the
 * `webhook-id` header, the same on every attempt and redelivery; body is the exact JSON signed.
 * lockedUntil is the claim of the attempt in flight, so that one delivery is never sent twice at once.
 */
export const webhookDeliveries = pgTable('webhook_deliveries', {
  id: id(),
  appId: ref('app_id').notNull().references(() => apps.id, { onDelete: 'cascade' }),
  userId: ref('user_id'),
  eventId: text('event_id').notNull(),
  eventType: text('event_type').notNull(),
  humanId: char('human_id', { length: 32 }),
  body: text('body').notNull(),
  status: text('status', { enum: ['pending', 'succeeded', 'failed'] }).notNull().default('pending'),
  attempts: integer('attempts').notNull().default(0),
  nextAttemptAt: at('next_attempt_at'),
  lockedUntil: at('locked_until'),
  lastAttemptAt: at('last_attempt_at'),
  lastResponseStatus: integer('last_response_status'),
  lastError: text('last_error'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
}, (t) => [
  uniqueIndex('webhook_deliveries_event_id_key').on(t.eventId),
  // The portal's delivery log: newest first, keyset paged by id.
  index('webhook_deliveries_app_id_id_idx').on(t.appId, t.id),
  // Deleting a user (the purge) removes its deliveries through this index.
  index('webhook_deliveries_user_id_idx').on(t.userId).where(sql`user_id IS NOT NULL`),
  index('webhook_deliveries_pending_idx').on(t.nextAttemptAt).where(sql`status = 'pending'`),
  foreignKey({ name: 'webhook_deliveries_user_app_fk', columns: [t.userId, t.appId], foreignColumns: [users.id, users.appId] })
    .onDelete('cascade'),
  check('webhook_deliveries_status_check', sql`${t.status} IN ('pending', 'succeeded', 'failed')`),
]);

/** Every attempt at a delivery: the receiver's response code and the start of its answer, or why none came. */
export const webhookDeliveryAttempts = pgTable('webhook_delivery_attempts', {
  deliveryId: ref('delivery_id').notNull().references(() => webhookDeliveries.id, { onDelete: 'cascade' }),
  attempt: integer('attempt').notNull(),
  at: at('at').notNull().defaultNow(),
  durationMs: integer('duration_ms').notNull(),
  responseStatus: integer('response_status'),
  responseExcerpt: text('response_excerpt'),
  error: text('error'),
}, (t) => [primaryKey({ columns: [t.deliveryId, t.attempt] })]);
