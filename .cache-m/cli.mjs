var __defProp = Object.defineProperty;
var __export = (target, all) => {
  for (var name in all)
    __defProp(target, name, { get: all[name], enumerable: true });
};

// lib/cli/main.ts
import { parseArgs } from "node:util";

// lib/accounts/accounts.ts
import { asc, eq, sql as sql2 } from "drizzle-orm";
import { z as z2 } from "zod";

// lib/auth/passwords.ts
import { randomBytes, scrypt as scryptCallback, timingSafeEqual } from "node:crypto";
var scrypt = (password, salt, length, options) => new Promise(
  (resolve, reject) => scryptCallback(password, salt, length, options, (error, key) => error ? reject(error) : resolve(key))
);
var PARAMS = { N: 16384, r: 8, p: 1 };
var KEY_LENGTH = 32;
async function hashPassword(password) {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, KEY_LENGTH, PARAMS);
  return ["scrypt", PARAMS.N, PARAMS.r, PARAMS.p, salt.toString("base64url"), key.toString("base64url")].join("$");
}
var MAX_MEMORY = 64 * 1024 * 1024;

// lib/db/client.ts
import { drizzle } from "drizzle-orm/node-postgres";
import pg from "pg";

// lib/config.ts
import path from "node:path";
import { z } from "zod";
var optionalString = z.string().trim().min(1).optional().catch(void 0);
var flag = (fallback) => z.enum(["1", "0", "true", "false", "yes", "no", "on", "off"]).optional().transform((v) => v === void 0 ? fallback : ["1", "true", "yes", "on"].includes(v));
var providerUrl = z.url({ protocol: /^https?$/ }).optional().or(z.literal("").transform(() => void 0));
var Env = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3e3),
  /** Default: 127.0.0.1 for the embedded database (a laptop demo), 0.0.0.0 with DATABASE_URL. */
  HOST: optionalString,
  DATABASE_URL: optionalString,
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /** PostgreSQL: longest statement (ms). */
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).default(3e4),
  /** PostgreSQL: longest idle time inside a transaction (ms); the embedded owner's hold budget. */
  DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: z.coerce.number().int().min(0).default(5e3),
  /** Embedded: how often the owner checks whether tables need ANALYZE/VACUUM (ms). */
  WEARHOUSE_MAINTENANCE_INTERVAL_MS: z.coerce.number().int().min(100).default(6e4),
  WEARHOUSE_DATA_DIR: z.string().default(".data"),
  WEARHOUSE_SECRET_KEY: optionalString,
  WEARHOUSE_BASE_URL: z.url().optional().or(z.literal("").transform(() => void 0)),
  WEARHOUSE_DEMO: flag(true),
  WEARHOUSE_DEMO_SEED: z.coerce.number().int().default(42),
  ADMIN_EMAIL: optionalString,
  ADMIN_PASSWORD: optionalString,
  REDIS_URL: optionalString,
  /** Where this installation's keys live in Redis (several installations, or test runs, can share one Redis). */
  WEARHOUSE_REDIS_PREFIX: z.string().trim().min(1).max(100).default("wearhouse:"),
  /** Sustained API requests per second allowed per key (0 turns rate limiting off). */
  WEARHOUSE_RATE_LIMIT: z.coerce.number().min(0).default(100),
  /** Requests a key may burst above the sustained rate. */
  WEARHOUSE_RATE_BURST: z.coerce.number().int().min(1).default(200),
  /** Failed App Key authentications per client IP per minute before the API stops looking keys up for it (0: no limit). */
  WEARHOUSE_AUTH_FAILURE_LIMIT: z.coerce.number().int().min(0).default(60),
  /** Largest Apple Health export.zip accepted for import (bytes; default 4 GiB). Uploads wait under <data folder>/imports until imported. */
  WEARHOUSE_IMPORT_MAX_BYTES: z.coerce.number().int().min(1).default(4 * 1024 ** 3),
  /** Signs portal sessions; default: derived from the installation's secret key. */
  AUTH_SECRET: optionalString,
  /** Portal single sign-on through an OpenID Connect issuer: all three, or none. */
  AUTH_OIDC_ISSUER: optionalString,
  AUTH_OIDC_ID: optionalString,
  AUTH_OIDC_SECRET: optionalString,
  /** OAuth2 sources: where each provider's consent page and token endpoints are (default: the provider's own). */
  WEARHOUSE_FITBIT_AUTH_URL: providerUrl,
  /** Fitbit's Web API (and its token and revoke endpoints): a proxy or a test stand-in. */
  WEARHOUSE_FITBIT_API_URL: providerUrl,
  WEARHOUSE_OURA_AUTH_URL: providerUrl,
  WEARHOUSE_OURA_API_URL: providerUrl,
  /** Webhooks may be delivered to loopback, private and link-local addresses (tests, a receiver on the same network). */
  WEARHOUSE_WEBHOOKS_ALLOW_PRIVATE: flag(false)
}).superRefine((env, ctx) => {
  const sso = [env.AUTH_OIDC_ISSUER, env.AUTH_OIDC_ID, env.AUTH_OIDC_SECRET];
  if (sso.some(Boolean) && !sso.every(Boolean)) {
    ctx.addIssue({ code: "custom", path: ["AUTH_OIDC_ISSUER"], message: "single sign-on needs AUTH_OIDC_ISSUER, AUTH_OIDC_ID and AUTH_OIDC_SECRET together" });
  }
  if (env.AUTH_OIDC_ISSUER) {
    const problem = issuerProblem(env.AUTH_OIDC_ISSUER);
    if (problem) ctx.addIssue({ code: "custom", path: ["AUTH_OIDC_ISSUER"], message: problem });
  }
});
var LOOPBACK = /* @__PURE__ */ new Set(["localhost", "127.0.0.1", "[::1]"]);
function issuerProblem(value) {
  let url;
  try {
    url = new URL(value);
  } catch {
    return "must be a URL such as https://login.example.com";
  }
  if (url.protocol === "https:") return null;
  if (url.protocol === "http:" && LOOPBACK.has(url.hostname)) return null;
  return "must be https (plain http only on localhost / 127.0.0.1 / [::1])";
}
var cached;
function config() {
  if (cached) return cached;
  const parsed = Env.safeParse(process.env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new Error(`Invalid configuration: ${problems}`);
  }
  cached = {
    ...parsed.data,
    // Without DATABASE_URL this is a laptop install with demo credentials: not on every interface.
    HOST: parsed.data.HOST ?? (parsed.data.DATABASE_URL ? "0.0.0.0" : "127.0.0.1"),
    dataDir: path.resolve(parsed.data.WEARHOUSE_DATA_DIR)
  };
  return cached;
}

// lib/log.ts
import { DrizzleQueryError } from "drizzle-orm";
import pino from "pino";

// lib/process-wide.ts
var registry = globalThis;
function processWide(name, create) {
  const key = /* @__PURE__ */ Symbol.for(`wearhouse.${name}`);
  if (!(key in registry)) registry[key] = create();
  return registry[key];
}

// lib/log.ts
var REDACT = [
  "req.headers.authorization",
  "req.headers.cookie",
  'req.headers["proxy-authorization"]',
  "headers.authorization",
  "headers.cookie",
  'headers["proxy-authorization"]',
  "*.password",
  "*.token",
  "*.accessToken",
  "*.publicToken",
  "*.connectToken",
  "*.clientSecret",
  "*.appKey",
  "*.secret",
  "*.params"
];
var LOG_BATCH_BYTES = 8192;
var LOG_FLUSH_MS = 100;
var destination = processWide("log-destination", () => pino.destination({ dest: 1, sync: false, minLength: LOG_BATCH_BYTES, periodicFlush: LOG_FLUSH_MS }));
var settings = {
  // Under Vitest, request lines would drown the test report; `npm test` sets LOG_LEVEL=info and
  // keeps the full log in test-logs/ (where it is scanned for leaked secrets).
  level: process.env.LOG_LEVEL ?? (process.env.VITEST ? "warn" : "info"),
  base: { pid: process.pid },
  timestamp: pino.stdTimeFunctions.isoTime
};
var log = pino({ ...settings, redact: { paths: REDACT, censor: "[redacted]" } }, destination);
var requestLog = pino(settings, destination);
function rootCause(error) {
  let current = error;
  let query;
  for (let depth = 0; depth < 5 && current instanceof DrizzleQueryError && current.cause !== void 0; depth++) {
    query ??= current.query;
    current = current.cause;
  }
  if (current instanceof DrizzleQueryError) query ??= current.query;
  return { cause: current, query };
}
function queryName(sqlText) {
  const text2 = sqlText.replace(/\s+/g, " ").trim();
  const verb = (text2.match(/^(?:with\b.*?\)\s*)?(select|insert|update|delete|begin|commit|rollback|savepoint|release|set|show|analyze|vacuum|create|alter|drop|lock|truncate)\b/i)?.[1] ?? text2.match(/^\w+/)?.[0] ?? "query").toLowerCase();
  const name = String.raw`(?:"[^"]+"|[a-z_]\w*)`;
  const table2 = text2.match(new RegExp(String.raw`\b(?:from|into|update|join|table)\s+(${name}(?:\.${name})?)`, "i"))?.[1]?.replace(/"/g, "");
  return table2 ? `${verb} ${table2}` : verb;
}
function errorFields(error) {
  const { cause, query } = rootCause(error);
  if (!(cause instanceof Error)) {
    return query ? { name: "DatabaseError", query: queryName(query) } : { name: "Error", message: String(cause) };
  }
  const code = cause.code;
  const isDatabaseError = typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) && "severity" in cause;
  const constraint = cause.constraint;
  return {
    name: cause.name,
    ...isDatabaseError ? {} : { message: cause.message },
    ...typeof code === "string" ? { code } : {},
    ...query ? { query: queryName(query) } : {},
    ...isDatabaseError && typeof constraint === "string" ? { constraint } : {},
    stack: cause.stack?.split("\n").slice(1, 6).join("\n")
  };
}

// lib/db/embedded/data-folder.ts
import path2 from "node:path";
var SOCKET_NAME = ".s.PGSQL.5432";
var MAX_SOCKET_PATH = process.platform === "linux" ? 107 : 103;
var DataFolderError = class extends Error {
  constructor(message) {
    super(message);
    this.name = "DataFolderError";
  }
};
var socketPathFor = (dataDir) => path2.join(path2.resolve(dataDir), SOCKET_NAME);
var embeddedUrl = (dataDir) => `postgres://postgres@/postgres?host=${encodeURIComponent(path2.resolve(dataDir))}`;
function assertSocketPathFits(dataDir) {
  const socketPath = socketPathFor(dataDir);
  const length = Buffer.byteLength(socketPath);
  if (length > MAX_SOCKET_PATH) {
    throw new DataFolderError(
      `The data folder's path is too long for the embedded database's socket: ${socketPath} is ${length} bytes and Unix sockets allow ${MAX_SOCKET_PATH}. Set WEARHOUSE_DATA_DIR to a folder with a path at most ${MAX_SOCKET_PATH - SOCKET_NAME.length - 1} bytes long.`
    );
  }
}

// lib/db/embedded/lock.ts
import { createHash } from "node:crypto";
import fs from "node:fs";
import path3 from "node:path";
var OWNER_LOCK_HELD = 3;
var lockPathFor = (dataDir) => path3.join(dataDir, "pglite.lock");
var hasAbstractSockets = process.platform === "linux";
function lockNameFor(dataDir) {
  let real = path3.resolve(dataDir);
  try {
    real = fs.realpathSync(real);
  } catch {
  }
  return `wearhouse-pglite-${createHash("sha256").update(real).digest("hex").slice(0, 32)}`;
}
function readLock(lockPath) {
  try {
    return JSON.parse(fs.readFileSync(lockPath, "utf8"));
  } catch {
    return null;
  }
}
function isNameBound(name) {
  let table2;
  try {
    table2 = fs.readFileSync("/proc/net/unix", "utf8");
  } catch {
    return null;
  }
  return new RegExp(` @${name}@*$`, "m").test(table2);
}
function isProcessAlive(pid) {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === "EPERM";
  }
}
function liveOwner(dataDir) {
  const info = readLock(lockPathFor(dataDir));
  const bound = hasAbstractSockets ? isNameBound(lockNameFor(dataDir)) : null;
  if (bound === false) return null;
  if (bound === true) return info ?? { pid: 0, url: null, dataDir: path3.resolve(dataDir), startedAt: "" };
  return info && isProcessAlive(info.pid) ? info : null;
}

// lib/db/schema.ts
var schema_exports = {};
__export(schema_exports, {
  accountRole: () => accountRole,
  accounts: () => accounts,
  appKeys: () => appKeys,
  appProviderCredentials: () => appProviderCredentials,
  apps: () => apps,
  auditLog: () => auditLog,
  connectSessions: () => connectSessions,
  connectTokenKind: () => connectTokenKind,
  connectionStatus: () => connectionStatus,
  connections: () => connections,
  importStatus: () => importStatus,
  imports: () => imports,
  providerAuthorizations: () => providerAuthorizations,
  readingRollups: () => readingRollups,
  readings: () => readings,
  sourceKind: () => sourceKind,
  sources: () => sources,
  users: () => users,
  webhookDeliveries: () => webhookDeliveries,
  webhookDeliveryAttempts: () => webhookDeliveryAttempts,
  webhookEndpoints: () => webhookEndpoints
});
import { sql } from "drizzle-orm";
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
  uniqueIndex
} from "drizzle-orm/pg-core";
import { uuid } from "drizzle-orm/pg-core";
var id = () => bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity();
var ref = (name) => bigint(name, { mode: "number" });
var at = (name) => timestamp(name, { withTimezone: true, precision: 3 });
var createdAt = () => at("created_at").notNull().defaultNow();
var updatedAt = () => at("updated_at").notNull().defaultNow();
var accountRole = pgEnum("account_role", ["admin", "developer"]);
var accounts = pgTable("accounts", {
  id: id(),
  email: text("email").notNull(),
  name: text("name").notNull(),
  passwordHash: text("password_hash").notNull(),
  role: accountRole("role").notNull().default("developer"),
  createdAt: createdAt(),
  updatedAt: updatedAt()
}, (t) => [uniqueIndex("accounts_email_key").on(sql`lower(${t.email})`)]);
var apps = pgTable("apps", {
  id: id(),
  clientId: char("client_id", { length: 40 }).notNull(),
  name: text("name").notNull(),
  ownerId: ref("owner_id").notNull().references(() => accounts.id, { onDelete: "restrict" }),
  /** Origins allowed to frame Connect and receive its messages (targetOrigin, frame-ancestors). */
  connectOrigins: text("connect_origins").array().notNull().default(sql`'{}'::text[]`),
  /** URLs Connect's redirect mode (/connect/embed) may send the user back to: exact, or a prefix ending in `/`. */
  connectRedirectUrls: text("connect_redirect_urls").array().notNull().default(sql`'{}'::text[]`),
  /** Sources Connect offers this app's users; null offers the whole catalog. */
  enabledSources: text("enabled_sources").array(),
  /** End users sign in through this OpenID Connect issuer before Connect (all three set, or none). */
  oidcIssuer: text("oidc_issuer"),
  oidcClientId: text("oidc_client_id"),
  oidcClientSecretEncrypted: text("oidc_client_secret_encrypted"),
  clientSecretHash: char("client_secret_hash", { length: 64 }).notNull(),
  clientSecretPrefix: text("client_secret_prefix").notNull(),
  clientSecretLast4: char("client_secret_last4", { length: 4 }).notNull(),
  clientSecretRotatedAt: at("client_secret_rotated_at").notNull().defaultNow(),
  createdAt: createdAt(),
  updatedAt: updatedAt()
}, (t) => [
  uniqueIndex("apps_client_id_key").on(t.clientId),
  index("apps_owner_id_idx").on(t.ownerId)
]);
var appKeys = pgTable("app_keys", {
  id: id(),
  appId: ref("app_id").notNull().references(() => apps.id, { onDelete: "cascade" }),
  label: text("label").notNull().default(""),
  keyHash: char("key_hash", { length: 64 }).notNull(),
  keyPrefix: text("key_prefix").notNull(),
  keyLast4: char("key_last4", { length: 4 }).notNull(),
  createdById: ref("created_by_id").references(() => accounts.id, { onDelete: "set null" }),
  createdAt: createdAt(),
  lastUsedAt: at("last_used_at"),
  revokedAt: at("revoked_at")
}, (t) => [
  uniqueIndex("app_keys_key_hash_key").on(t.keyHash),
  index("app_keys_app_id_idx").on(t.appId),
  index("app_keys_created_by_id_idx").on(t.createdById)
]);
var users = pgTable("users", {
  id: id(),
  humanId: char("human_id", { length: 32 }).notNull(),
  appId: ref("app_id").notNull().references(() => apps.id, { onDelete: "cascade" }),
  externalId: text("external_id").notNull(),
  email: text("email"),
  name: text("name"),
  username: text("username"),
  identityProviderName: text("identity_provider_name"),
  identityProviderUrl: text("identity_provider_url"),
  providerUserId: text("provider_user_id"),
  accessTokenEncrypted: text("access_token_encrypted").notNull(),
  accessTokenHash: char("access_token_hash", { length: 64 }).notNull(),
  publicTokenEncrypted: text("public_token_encrypted").notNull(),
  publicTokenHash: char("public_token_hash", { length: 64 }).notNull(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
  lastActiveAt: at("last_active_at"),
  lastLoginAt: at("last_login_at"),
  deletedAt: at("deleted_at")
}, (t) => [
  uniqueIndex("users_human_id_key").on(t.humanId),
  uniqueIndex("users_app_id_human_id_key").on(t.appId, t.humanId),
  // Only live users hold their externalId, so it can be reused the moment a user is deleted.
  uniqueIndex("users_app_id_external_id_key").on(t.appId, t.externalId).where(sql`deleted_at IS NULL`),
  // The purge queue: deleted users still waiting for their rows to be removed.
  index("users_deleted_at_idx").on(t.deletedAt).where(sql`deleted_at IS NOT NULL`),
  // Target of connect_sessions (user_id, app_id): a Connect session's user belongs to its app.
  unique("users_id_app_id_key").on(t.id, t.appId),
  index("users_app_id_created_at_idx").on(t.appId, t.createdAt),
  index("users_app_id_updated_at_idx").on(t.appId, t.updatedAt),
  // The portal's users table (lib/users/directory.ts): keyset paging by last activity (never-active
  // users sort as -infinity so the key has no NULLs), and prefix search on externalId and email
  // under any collation. Live users only, like every reader.
  index("users_app_id_last_active_idx").on(t.appId, sql`coalesce(${t.lastActiveAt}, '-infinity'::timestamptz)`, t.humanId).where(sql`deleted_at IS NULL`),
  index("users_app_id_external_id_prefix_idx").on(t.appId, t.externalId.op("text_pattern_ops")).where(sql`deleted_at IS NULL`),
  index("users_app_id_email_prefix_idx").on(t.appId, sql`lower(${t.email}) text_pattern_ops`).where(sql`deleted_at IS NULL`),
  uniqueIndex("users_access_token_hash_key").on(t.accessTokenHash),
  uniqueIndex("users_public_token_hash_key").on(t.publicTokenHash)
]);
var sourceKind = pgEnum("source_kind", ["oauth2", "upload", "demo", "file"]);
var sources = pgTable("sources", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  kind: sourceKind("kind").notNull(),
  dataTypes: text("data_types").array().notNull(),
  description: text("description").notNull().default(""),
  createdAt: createdAt(),
  updatedAt: updatedAt()
});
var connectionStatus = pgEnum("connection_status", ["connected", "syncing", "error", "disconnected"]);
var connections = pgTable("connections", {
  id: id(),
  userId: ref("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
  sourceId: text("source_id").notNull().references(() => sources.id, { onDelete: "restrict" }),
  status: connectionStatus("status").notNull().default("connected"),
  connectedSince: at("connected_since").notNull().defaultNow(),
  lastSyncAt: at("last_sync_at"),
  lastError: text("last_error"),
  credentialsEncrypted: text("credentials_encrypted"),
  /** Set when a sync is wanted (on connect, "sync now", a schedule); the sync worker clears it. A durable queue. */
  syncRequestedAt: at("sync_requested_at"),
  /** When the history backfill finished (null while it is pending). */
  historySyncedAt: at("history_synced_at"),
  /** The oldest and newest reading this connection has delivered (Data API /sources). */
  oldestReadingAt: at("oldest_reading_at"),
  newestReadingAt: at("newest_reading_at"),
  createdAt: createdAt(),
  updatedAt: updatedAt()
}, (t) => [
  uniqueIndex("connections_user_id_source_id_key").on(t.userId, t.sourceId),
  index("connections_sync_requested_at_idx").on(t.syncRequestedAt).where(sql`sync_requested_at IS NOT NULL`),
  index("connections_source_id_idx").on(t.sourceId),
  // Target of readings and rollups (connection_id, user_id): their user is the connection's user.
  unique("connections_id_user_id_key").on(t.id, t.userId)
]);
var readings = pgTable("readings", {
  id: id(),
  userId: ref("user_id").notNull(),
  connectionId: ref("connection_id").notNull(),
  type: text("type").notNull(),
  ts: at("ts").notNull(),
  tzOffsetMinutes: smallint("tz_offset_minutes").notNull().default(0),
  value: doublePrecision("value").notNull(),
  value2: doublePrecision("value2"),
  unit: text("unit").notNull(),
  sourceReadingId: text("source_reading_id").notNull(),
  sourceData: jsonb("source_data"),
  createdAt: createdAt(),
  updatedAt: updatedAt()
}, (t) => [
  uniqueIndex("readings_connection_id_type_source_reading_id_key").on(t.connectionId, t.type, t.sourceReadingId),
  foreignKey({ name: "readings_connection_user_fk", columns: [t.connectionId, t.userId], foreignColumns: [connections.id, connections.userId] }).onDelete("cascade")
]);
var readingRollups = pgTable("reading_rollups", {
  connectionId: ref("connection_id").notNull(),
  type: text("type").notNull(),
  tzOffsetMinutes: smallint("tz_offset_minutes").notNull().default(0),
  bucket: at("bucket").notNull(),
  userId: ref("user_id").notNull(),
  count: integer("count").notNull(),
  sum: doublePrecision("sum").notNull(),
  min: doublePrecision("min").notNull(),
  max: doublePrecision("max").notNull(),
  sum2: doublePrecision("sum2"),
  min2: doublePrecision("min2"),
  max2: doublePrecision("max2")
}, (t) => [
  primaryKey({ columns: [t.connectionId, t.type, t.tzOffsetMinutes, t.bucket] }),
  index("reading_rollups_user_id_type_bucket_idx").on(t.userId, t.type, t.bucket),
  foreignKey({ name: "reading_rollups_connection_user_fk", columns: [t.connectionId, t.userId], foreignColumns: [connections.id, connections.userId] }).onDelete("cascade")
]);
var connectTokenKind = pgEnum("connect_token_kind", ["session", "id", "widget", "access", "refresh"]);
var connectSessions = pgTable("connect_sessions", {
  id: id(),
  kind: connectTokenKind("kind").notNull().default("session"),
  tokenHash: char("token_hash", { length: 64 }).notNull(),
  appId: ref("app_id").notNull().references(() => apps.id, { onDelete: "cascade" }),
  userId: ref("user_id"),
  origin: text("origin"),
  /** Per-kind state that is not secret: the widget's mode and options, an OIDC sign-in's state. */
  details: jsonb("details"),
  expiresAt: at("expires_at").notNull(),
  usedAt: at("used_at"),
  createdAt: createdAt()
}, (t) => [
  uniqueIndex("connect_sessions_token_hash_key").on(t.tokenHash),
  index("connect_sessions_expires_at_idx").on(t.expiresAt),
  index("connect_sessions_app_id_idx").on(t.appId),
  index("connect_sessions_user_id_idx").on(t.userId, t.appId),
  foreignKey({ name: "connect_sessions_user_app_fk", columns: [t.userId, t.appId], foreignColumns: [users.id, users.appId] }).onDelete("cascade")
]);
var auditLog = pgTable("audit_log", {
  id: id(),
  actor: text("actor").notNull(),
  appId: ref("app_id").references(() => apps.id, { onDelete: "set null" }),
  action: text("action").notNull(),
  target: text("target"),
  ip: inet("ip"),
  details: jsonb("details"),
  at: at("at").notNull().defaultNow()
}, (t) => [index("audit_log_app_id_at_idx").on(t.appId, t.at)]);
var appProviderCredentials = pgTable("app_provider_credentials", {
  id: id(),
  appId: ref("app_id").notNull().references(() => apps.id, { onDelete: "cascade" }),
  /** A provider of lib/sources/oauth/providers.ts, also the source's id. */
  provider: text("provider").notNull(),
  clientId: text("client_id").notNull(),
  clientSecretEncrypted: text("client_secret_encrypted").notNull(),
  clientSecretLast4: text("client_secret_last4").notNull(),
  createdAt: createdAt(),
  updatedAt: updatedAt()
}, (t) => [uniqueIndex("app_provider_credentials_app_id_provider_key").on(t.appId, t.provider)]);
var providerAuthorizations = pgTable("provider_authorizations", {
  id: id(),
  stateHash: char("state_hash", { length: 64 }).notNull(),
  connectSessionId: ref("connect_session_id").notNull().references(() => connectSessions.id, { onDelete: "cascade" }),
  sourceId: text("source_id").notNull().references(() => sources.id, { onDelete: "cascade" }),
  codeVerifierEncrypted: text("code_verifier_encrypted").notNull(),
  redirectUri: text("redirect_uri").notNull(),
  expiresAt: at("expires_at").notNull(),
  createdAt: createdAt()
}, (t) => [
  uniqueIndex("provider_authorizations_state_hash_key").on(t.stateHash),
  index("provider_authorizations_connect_session_id_idx").on(t.connectSessionId),
  index("provider_authorizations_expires_at_idx").on(t.expiresAt),
  index("provider_authorizations_source_id_idx").on(t.sourceId)
]);
var importStatus = pgEnum("import_status", ["queued", "running", "done", "failed"]);
var imports = pgTable("imports", {
  id: uuid("id").primaryKey().defaultRandom(),
  appId: ref("app_id").notNull(),
  userId: ref("user_id").notNull(),
  connectionId: ref("connection_id").notNull(),
  sourceId: text("source_id").notNull(),
  status: importStatus("status").notNull().default("queued"),
  bytes: bigint("bytes", { mode: "number" }).notNull(),
  xmlBytes: bigint("xml_bytes", { mode: "number" }).notNull().default(0),
  xmlBytesRead: bigint("xml_bytes_read", { mode: "number" }).notNull().default(0),
  recordsSeen: bigint("records_seen", { mode: "number" }).notNull().default(0),
  recordsImported: bigint("records_imported", { mode: "number" }).notNull().default(0),
  recordsSkipped: bigint("records_skipped", { mode: "number" }).notNull().default(0),
  skippedTypes: jsonb("skipped_types").$type().notNull().default(sql`'{}'::jsonb`),
  readingsWritten: bigint("readings_written", { mode: "number" }).notNull().default(0),
  readingsInserted: bigint("readings_inserted", { mode: "number" }).notNull().default(0),
  readingsUpdated: bigint("readings_updated", { mode: "number" }).notNull().default(0),
  attempts: integer("attempts").notNull().default(0),
  leaseUntil: at("lease_until"),
  error: text("error"),
  createdAt: createdAt(),
  startedAt: at("started_at"),
  finishedAt: at("finished_at"),
  updatedAt: updatedAt()
}, (t) => [
  index("imports_user_id_created_at_idx").on(t.userId, t.createdAt),
  index("imports_connection_id_idx").on(t.connectionId),
  index("imports_pending_idx").on(t.createdAt).where(sql`status IN ('queued', 'running')`),
  foreignKey({ name: "imports_user_app_fk", columns: [t.userId, t.appId], foreignColumns: [users.id, users.appId] }).onDelete("cascade"),
  foreignKey({ name: "imports_connection_user_fk", columns: [t.connectionId, t.userId], foreignColumns: [connections.id, connections.userId] }).onDelete("cascade")
]);
var webhookEndpoints = pgTable("webhook_endpoints", {
  appId: ref("app_id").primaryKey().references(() => apps.id, { onDelete: "cascade" }),
  url: text("url").notNull(),
  secretEncrypted: text("secret_encrypted").notNull(),
  /** What the portal may show of the secret: `whsec_` + its first and last four characters. */
  secretHint: text("secret_hint").notNull(),
  secretRotatedAt: at("secret_rotated_at").notNull().defaultNow(),
  /** After a rotation, deliveries are signed with the replaced secret too until it expires (a second `v1,` signature). */
  previousSecretEncrypted: text("previous_secret_encrypted"),
  previousSecretExpiresAt: at("previous_secret_expires_at"),
  createdAt: createdAt(),
  updatedAt: updatedAt()
});
var webhookDeliveries = pgTable("webhook_deliveries", {
  id: id(),
  appId: ref("app_id").notNull().references(() => apps.id, { onDelete: "cascade" }),
  userId: ref("user_id"),
  eventId: text("event_id").notNull(),
  eventType: text("event_type").notNull(),
  humanId: char("human_id", { length: 32 }),
  body: text("body").notNull(),
  status: text("status", { enum: ["pending", "succeeded", "failed"] }).notNull().default("pending"),
  attempts: integer("attempts").notNull().default(0),
  nextAttemptAt: at("next_attempt_at"),
  lockedUntil: at("locked_until"),
  lastAttemptAt: at("last_attempt_at"),
  lastResponseStatus: integer("last_response_status"),
  lastError: text("last_error"),
  createdAt: createdAt(),
  updatedAt: updatedAt()
}, (t) => [
  uniqueIndex("webhook_deliveries_event_id_key").on(t.eventId),
  // The portal's delivery log: newest first, keyset paged by id.
  index("webhook_deliveries_app_id_id_idx").on(t.appId, t.id),
  // Deleting a user (the purge) removes its deliveries through this index.
  index("webhook_deliveries_user_id_idx").on(t.userId).where(sql`user_id IS NOT NULL`),
  index("webhook_deliveries_pending_idx").on(t.nextAttemptAt).where(sql`status = 'pending'`),
  foreignKey({ name: "webhook_deliveries_user_app_fk", columns: [t.userId, t.appId], foreignColumns: [users.id, users.appId] }).onDelete("cascade"),
  check("webhook_deliveries_status_check", sql`${t.status} IN ('pending', 'succeeded', 'failed')`)
]);
var webhookDeliveryAttempts = pgTable("webhook_delivery_attempts", {
  deliveryId: ref("delivery_id").notNull().references(() => webhookDeliveries.id, { onDelete: "cascade" }),
  attempt: integer("attempt").notNull(),
  at: at("at").notNull().defaultNow(),
  durationMs: integer("duration_ms").notNull(),
  responseStatus: integer("response_status"),
  responseExcerpt: text("response_excerpt"),
  error: text("error")
}, (t) => [primaryKey({ columns: [t.deliveryId, t.attempt] })]);

// lib/db/client.ts
var DatabaseUnavailableError = class extends Error {
  constructor(message) {
    super(message);
    this.name = "DatabaseUnavailableError";
  }
};
function connectionString() {
  const { DATABASE_URL, dataDir } = config();
  if (DATABASE_URL) return DATABASE_URL;
  if (!liveOwner(dataDir)) {
    throw new DatabaseUnavailableError(
      `No database: DATABASE_URL is not set and no embedded database is running for ${dataDir}. Start Wearhouse with \`npm start\`, or set DATABASE_URL.`
    );
  }
  return embeddedUrl(dataDir);
}
var holder = globalThis;
function connect() {
  if (holder.__wearhouseDb) return holder.__wearhouseDb;
  const settings2 = config();
  const pool = new pg.Pool({
    connectionString: connectionString(),
    max: settings2.DATABASE_POOL_SIZE,
    idleTimeoutMillis: 3e4,
    // A connection that never completes (an embedded owner frozen mid-accept, then replaced) would
    // otherwise leave its query waiting forever: a job worker stuck for good, a shutdown that never ends.
    connectionTimeoutMillis: settings2.DATABASE_STATEMENT_TIMEOUT_MS || 3e4,
    application_name: "wearhouse",
    // Sent in the startup message, so they hold for this pool's sessions only (never a SET on a
    // shared one). A statement that needs longer says so with SET LOCAL in its transaction.
    statement_timeout: settings2.DATABASE_STATEMENT_TIMEOUT_MS,
    idle_in_transaction_session_timeout: settings2.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS
  });
  pool.on("error", (error) => log.warn({ err: errorFields(error) }, "database connection error"));
  holder.__wearhouseDb = { pool, db: drizzle({ client: pool, schema: schema_exports }) };
  return holder.__wearhouseDb;
}
var getDb = () => connect().db;
async function closeDb() {
  const current = holder.__wearhouseDb;
  holder.__wearhouseDb = void 0;
  await current?.pool.end();
}

// lib/errors.ts
var STATUS = {
  invalid_input: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  unavailable: 503
};
var DomainError = class extends Error {
  constructor(kind, message, extra = {}) {
    super(message);
    this.kind = kind;
    this.extra = extra;
    this.name = "DomainError";
    this.status = STATUS[kind];
  }
  kind;
  extra;
  status;
};
var notFound = (message) => new DomainError("not_found", message);
var forbidden = (message) => new DomainError("forbidden", message);
var invalidInput = (message, issues) => new DomainError("invalid_input", message, { issues });
var conflict = (message) => new DomainError("conflict", message);

// lib/accounts/accounts.ts
var Email = z2.string().trim().max(254).regex(/^[^\s@]+@[^\s@]+$/, "Enter an email address.");
var NewAccountInput = z2.object({
  email: Email.transform((e) => e.toLowerCase()),
  password: z2.string().min(10, "Passwords need at least 10 characters.").max(200),
  name: z2.string().trim().min(1).max(200).optional(),
  role: z2.enum(["admin", "developer"]).default("developer")
});
var toAccount = (row) => ({
  id: row.id,
  email: row.email,
  name: row.name,
  role: row.role,
  createdAt: row.createdAt
});
async function createAccount(caller, input) {
  if (!(caller.kind === "operator" || caller.kind === "account" && caller.role === "admin")) {
    throw forbidden("Only an admin can create accounts.");
  }
  const parsed = NewAccountInput.safeParse(input);
  if (!parsed.success) throw invalidInput(parsed.error.issues[0]?.message ?? "Invalid account.");
  const { email, password, role } = parsed.data;
  const [row] = await getDb().insert(accounts).values({ email, name: parsed.data.name ?? email.split("@")[0], role, passwordHash: await hashPassword(password) }).onConflictDoNothing().returning();
  if (!row) throw conflict(`An account with the email ${email} exists already.`);
  return toAccount(row);
}
var InvitedAccountInput = z2.object({
  email: Email.transform((e) => e.toLowerCase()),
  name: z2.string().trim().max(200).optional().transform((n) => n ? n : void 0),
  role: z2.enum(["admin", "developer"], { message: "Choose developer or admin." })
});

// lib/apps/apps.ts
import { and as and2, asc as asc2, eq as eq3, sql as sql4 } from "drizzle-orm";
import { z as z3 } from "zod";

// lib/auth/caller.ts
var operator = { kind: "operator" };
function actorOf(caller) {
  switch (caller.kind) {
    case "account":
      return `account:${caller.accountId}`;
    case "app":
      return `key:${caller.keyPrefix}`;
    case "client":
      return `client:${caller.clientId}`;
    case "end-user":
      return `user:${caller.humanId}`;
    case "operator":
      return "operator";
  }
}

// lib/audit/audit.ts
async function recordAudit(db, caller, entry) {
  await db.insert(auditLog).values({
    actor: actorOf(caller),
    appId: entry.appId,
    action: entry.action,
    target: entry.target ?? null,
    ip: entry.ip ?? null,
    details: entry.details ?? null
  });
}

// lib/auth/encryption.ts
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes as randomBytes2 } from "node:crypto";
import fs2 from "node:fs";
import path4 from "node:path";
var FORMAT = "v1";
var TAG_BYTES = 16;
var SecretKeyError = class extends Error {
  constructor(message) {
    super(message);
    this.name = "SecretKeyError";
  }
};
function parseKey(text2) {
  const trimmed = text2.trim();
  const key = /^[0-9a-f]{64}$/i.test(trimmed) ? Buffer.from(trimmed, "hex") : Buffer.from(trimmed, "base64");
  if (key.length !== 32) {
    throw new SecretKeyError("WEARHOUSE_SECRET_KEY must be 32 bytes, as 64 hex characters or base64.");
  }
  return key;
}
var keyFilePath = () => path4.join(config().dataDir, "secret.key");
function ensureKeyFile() {
  const file = keyFilePath();
  if (config().WEARHOUSE_SECRET_KEY || config().DATABASE_URL || fs2.existsSync(file)) return;
  fs2.mkdirSync(path4.dirname(file), { recursive: true });
  fs2.writeFileSync(file, randomBytes2(32).toString("base64") + "\n", { mode: 384, flag: "wx" });
}
var cachedKey;
function secretKey() {
  if (cachedKey) return cachedKey;
  const { WEARHOUSE_SECRET_KEY, DATABASE_URL } = config();
  if (WEARHOUSE_SECRET_KEY) return cachedKey = parseKey(WEARHOUSE_SECRET_KEY);
  if (DATABASE_URL) {
    throw new SecretKeyError(
      `WEARHOUSE_SECRET_KEY is required when DATABASE_URL is set. Generate one with: node -e "console.log(require('crypto').randomBytes(32).toString('base64'))"`
    );
  }
  try {
    return cachedKey = parseKey(fs2.readFileSync(keyFilePath(), "utf8"));
  } catch (error) {
    if (error instanceof SecretKeyError) throw error;
    throw new SecretKeyError(`No encryption key: ${keyFilePath()} is missing. Start Wearhouse with \`npm start\` once.`);
  }
}
function encrypt(plaintext) {
  const iv = randomBytes2(12);
  const cipher = createCipheriv("aes-256-gcm", secretKey(), iv, { authTagLength: TAG_BYTES });
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return [FORMAT, iv.toString("base64url"), cipher.getAuthTag().toString("base64url"), body.toString("base64url")].join(":");
}

// lib/auth/secrets.ts
import { hash, randomBytes as randomBytes3, timingSafeEqual as timingSafeEqual2 } from "node:crypto";
var SECRET_PREFIXES = {
  appKey: "whk_",
  clientSecret: "whs_",
  accessToken: "wha_",
  publicToken: "whp_",
  connectToken: "whc_"
};
var sha256Hex = (value) => hash("sha256", value, "hex");
function issueSecret(kind) {
  const value = SECRET_PREFIXES[kind] + randomBytes3(24).toString("base64url");
  return describeSecret(value);
}
function describeSecret(value) {
  const prefixLength = value.indexOf("_") + 1;
  return { value, hash: sha256Hex(value), prefix: value.slice(0, prefixLength + 4), last4: value.slice(-4) };
}
var randomHex = (bytes) => randomBytes3(bytes).toString("hex");

// lib/sources/catalog.ts
import { sql as sql3 } from "drizzle-orm";
var CATALOG = [
  { id: "fitbit", name: "Fitbit", kind: "oauth2", dataTypes: ["steps", "heart_rate", "sleep", "weight", "body_fat", "bmi", "calories", "distance", "activity", "blood_oxygen"], description: "Fitbit trackers and Aria scales through the Fitbit Web API." },
  { id: "oura", name: "Oura", kind: "oauth2", dataTypes: ["sleep", "heart_rate", "steps", "calories", "distance", "activity", "blood_oxygen"], description: "Oura Ring through the Oura API v2." },
  { id: "withings", name: "Withings", kind: "oauth2", dataTypes: ["weight", "body_fat", "bmi", "blood_pressure", "heart_rate", "sleep", "steps"], description: "Withings scales, blood pressure monitors and sleep analyzers." },
  { id: "dexcom", name: "Dexcom", kind: "oauth2", dataTypes: ["blood_glucose"], description: "Dexcom continuous glucose monitors." },
  { id: "health-file", name: "Health export file", kind: "file", dataTypes: ["steps", "heart_rate", "weight", "sleep", "blood_pressure", "blood_glucose"], description: "Upload an export file (CSV or JSON) from a phone or device." },
  { id: "apple-health", name: "Apple Health", kind: "file", dataTypes: ["heart_rate", "steps", "weight", "body_fat", "bmi", "blood_pressure", "blood_glucose", "blood_oxygen", "sleep", "calories", "distance", "activity"], description: "Import the export.zip of the iPhone Health app (Health \u2192 your picture \u2192 Export All Health Data)." },
  { id: "mobile", name: "Mobile app upload", kind: "upload", dataTypes: ["steps", "heart_rate", "weight", "body_fat", "bmi", "blood_pressure", "blood_glucose", "blood_oxygen", "sleep", "calories", "distance", "activity"], description: "Readings the app sends from the user's phone (Apple Health, Health Connect) with the user's token." },
  { id: "manual", name: "Manual entry", kind: "upload", dataTypes: ["weight", "blood_pressure", "blood_glucose"], description: "Readings typed in by the user." },
  { id: "demo-tracker", name: "Demo Tracker", kind: "demo", dataTypes: ["steps", "heart_rate", "sleep", "calories", "distance", "activity", "blood_oxygen"], description: "A simulated wrist tracker that produces realistic activity, heart rate, sleep and nightly blood oxygen." },
  { id: "demo-scale", name: "Demo Scale", kind: "demo", dataTypes: ["weight", "body_fat", "bmi"], description: "A simulated smart scale with weekly weigh-ins." },
  { id: "demo-cuff", name: "Demo BP Cuff", kind: "demo", dataTypes: ["blood_pressure", "heart_rate"], description: "A simulated blood pressure monitor used morning and evening." },
  { id: "demo-glucose", name: "Demo Glucose Meter", kind: "demo", dataTypes: ["blood_glucose"], description: "A simulated glucose meter with readings around meals." }
];
async function syncCatalog(db) {
  await db.insert(sources).values(CATALOG.map((s) => ({ ...s }))).onConflictDoUpdate({
    target: sources.id,
    set: {
      name: sql3`excluded.name`,
      kind: sql3`excluded.kind`,
      dataTypes: sql3`excluded.data_types`,
      description: sql3`excluded.description`,
      updatedAt: sql3`now()`
    }
  });
}

// lib/apps/access.ts
import { and, eq as eq2 } from "drizzle-orm";
var CLIENT_ID_PATTERN = /^[0-9a-f]{40}$/;
async function appIdFor(caller, clientId, db = getDb()) {
  if (caller.kind === "end-user") throw forbidden("An end user's token acts on that user only.");
  if (caller.kind === "app" || caller.kind === "client") {
    if (caller.clientId !== clientId) throw forbidden(caller.kind === "app" ? "This App Key belongs to another app." : "These client credentials belong to another app.");
    return caller.appId;
  }
  if (!CLIENT_ID_PATTERN.test(clientId)) throw notFound(`No app ${clientId}.`);
  const where = caller.kind === "account" && caller.role !== "admin" ? and(eq2(apps.clientId, clientId), eq2(apps.ownerId, caller.accountId)) : eq2(apps.clientId, clientId);
  const [row] = await db.select({ id: apps.id }).from(apps).where(where);
  if (!row) throw notFound(`No app ${clientId}.`);
  return row.id;
}

// lib/apps/apps.ts
var Origin = z3.url().refine((u) => {
  if (!URL.canParse(u)) return false;
  const url = new URL(u);
  return (url.protocol === "https:" || url.protocol === "http:") && url.origin === u.replace(/\/$/, "");
}, "An origin is a scheme, host and optional port, like https://app.example.com.");
var NewAppInput = z3.object({
  name: z3.string().trim().min(1, "An app needs a name.").max(100),
  connectOrigins: z3.array(Origin).max(20).default([]),
  /** Operator only: who owns the app (defaults to the first admin). */
  ownerEmail: z3.string().trim().min(3).max(254).optional()
});
var appColumns = {
  id: apps.id,
  clientId: apps.clientId,
  name: apps.name,
  ownerEmail: accounts.email,
  connectOrigins: apps.connectOrigins,
  clientSecretPrefix: apps.clientSecretPrefix,
  clientSecretLast4: apps.clientSecretLast4,
  createdAt: apps.createdAt,
  updatedAt: apps.updatedAt
};
var toApp = (row) => ({
  clientId: row.clientId,
  name: row.name,
  ownerEmail: row.ownerEmail,
  connectOrigins: row.connectOrigins,
  clientSecretHint: `${row.clientSecretPrefix}\u2026${row.clientSecretLast4}`,
  createdAt: row.createdAt,
  updatedAt: row.updatedAt
});
async function ownerIdFor(caller, ownerEmail) {
  if (caller.kind === "account") {
    if (ownerEmail) throw forbidden("Apps you create belong to you.");
    return caller.accountId;
  }
  if (caller.kind !== "operator") throw forbidden("An App Key cannot create apps.");
  const [owner] = await getDb().select({ id: accounts.id }).from(accounts).where(ownerEmail ? sql4`lower(${accounts.email}) = lower(${ownerEmail})` : eq3(accounts.role, "admin")).orderBy(asc2(accounts.id)).limit(1);
  if (!owner) throw notFound(ownerEmail ? `No account ${ownerEmail}.` : "No admin account exists yet; create one first.");
  return owner.id;
}
async function createApp(caller, input) {
  const parsed = NewAppInput.safeParse(input);
  if (!parsed.success) throw invalidInput(parsed.error.issues[0]?.message ?? "Invalid app.");
  const ownerId = await ownerIdFor(caller, parsed.data.ownerEmail);
  const clientSecret = issueSecret("clientSecret");
  const appKey = issueSecret("appKey");
  const clientId = await getDb().transaction(async (tx) => {
    const [app] = await tx.insert(apps).values({
      clientId: randomHex(20),
      name: parsed.data.name,
      ownerId,
      connectOrigins: parsed.data.connectOrigins,
      clientSecretHash: clientSecret.hash,
      clientSecretPrefix: clientSecret.prefix,
      clientSecretLast4: clientSecret.last4
    }).returning({ id: apps.id, clientId: apps.clientId });
    await tx.insert(appKeys).values({
      appId: app.id,
      label: "Default key",
      keyHash: appKey.hash,
      keyPrefix: appKey.prefix,
      keyLast4: appKey.last4,
      createdById: caller.kind === "account" ? caller.accountId : null
    });
    await recordAudit(tx, caller, { appId: app.id, action: "app.create", target: app.clientId });
    return app.clientId;
  });
  return { app: await getApp(caller, clientId), clientSecret: clientSecret.value, appKey: appKey.value };
}
async function getApp(caller, clientId) {
  const appId = await appIdFor(caller, clientId);
  const [row] = await getDb().select(appColumns).from(apps).innerJoin(accounts, eq3(accounts.id, apps.ownerId)).where(eq3(apps.id, appId));
  if (!row) throw notFound(`No app ${clientId}.`);
  return toApp(row);
}
async function listApps(caller) {
  if (caller.kind === "app" || caller.kind === "client" || caller.kind === "end-user") return [await getApp(caller, caller.clientId)];
  const rows = await getDb().select(appColumns).from(apps).innerJoin(accounts, eq3(accounts.id, apps.ownerId)).where(caller.kind === "account" && caller.role !== "admin" ? eq3(apps.ownerId, caller.accountId) : void 0).orderBy(asc2(apps.id));
  return rows.map(toApp);
}
var connectColumns = {
  appId: apps.id,
  clientId: apps.clientId,
  appName: apps.name,
  connectOrigins: apps.connectOrigins,
  connectRedirectUrls: apps.connectRedirectUrls,
  enabledSources: apps.enabledSources,
  oidcIssuer: apps.oidcIssuer
};
async function connectSettingsForAppId(appId, db = getDb()) {
  const [row] = await db.select(connectColumns).from(apps).where(eq3(apps.id, appId));
  return row ?? null;
}
async function connectSettings(caller, clientId) {
  let appId;
  if (caller.kind === "end-user") {
    if (caller.clientId !== clientId) throw forbidden("An end user's token acts on that user's app only.");
    appId = caller.appId;
  } else {
    appId = await appIdFor(caller, clientId);
  }
  const settings2 = await connectSettingsForAppId(appId);
  if (!settings2) throw notFound(`No app ${clientId}.`);
  return settings2;
}
var parseUrl = (u) => URL.canParse(u) ? new URL(u) : null;
var RedirectUrl = z3.url().max(2e3).refine((u) => {
  const url = parseUrl(u);
  return !!url && (url.protocol === "https:" || url.protocol === "http:") && !url.username && !url.password && !url.hash;
}, "A redirect URL is an absolute http(s) URL without credentials or #fragment, like https://app.example.com/connected.");
var Issuer = z3.url().max(2e3).refine((u) => {
  const url = parseUrl(u);
  if (!url || url.search || url.hash || url.username || url.password) return false;
  if (url.protocol === "https:") return true;
  return url.protocol === "http:" && ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
}, "The OIDC issuer is an https URL (plain http only on localhost), without query or fragment.");
var SOURCE_IDS = new Set(CATALOG.map((s) => s.id));
var ConnectSettingsInput = z3.object({
  connectOrigins: z3.array(Origin).max(20).optional(),
  connectRedirectUrls: z3.array(RedirectUrl).max(20).optional(),
  /** null offers the whole catalog. */
  enabledSources: z3.array(z3.string().refine((id2) => SOURCE_IDS.has(id2), { error: (i) => `No source ${String(i.input)}.` })).max(100).nullable().optional(),
  /**
   * null turns end-user sign-in off; an object turns it on. The client secret may be left out only
   * when one is on file already (the portal cannot show it, so its form keeps it unless replaced).
   */
  oidc: z3.object({
    issuer: Issuer,
    clientId: z3.string().trim().min(1, "The OIDC client id is required.").max(500),
    clientSecret: z3.string().min(1, "The OIDC client secret is required.").max(2e3).optional()
  }).nullable().optional()
}).strict();
async function updateConnectSettings(caller, clientId, input) {
  if (caller.kind !== "account" && caller.kind !== "operator") throw forbidden("Only the portal or the operator can change an app's Connect settings.");
  const parsed = ConnectSettingsInput.safeParse(input);
  if (!parsed.success) {
    throw invalidInput(parsed.error.issues[0]?.message ?? "Invalid Connect settings.", parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })));
  }
  const appId = await appIdFor(caller, clientId);
  const change = parsed.data;
  const set = {};
  if (change.connectOrigins !== void 0) set.connectOrigins = [...new Set(change.connectOrigins.map((o) => new URL(o).origin))];
  if (change.connectRedirectUrls !== void 0) set.connectRedirectUrls = [...new Set(change.connectRedirectUrls)];
  if (change.enabledSources !== void 0) set.enabledSources = change.enabledSources === null ? null : [...new Set(change.enabledSources)];
  if (change.oidc !== void 0) {
    set.oidcIssuer = change.oidc?.issuer ?? null;
    set.oidcClientId = change.oidc?.clientId ?? null;
    if (change.oidc?.clientSecret === void 0 && change.oidc) {
      const [current] = await getDb().select({ secret: apps.oidcClientSecretEncrypted }).from(apps).where(eq3(apps.id, appId));
      if (!current?.secret) throw invalidInput("The OIDC client secret is required.", [{ path: "oidc.clientSecret", message: "The OIDC client secret is required." }]);
    } else {
      set.oidcClientSecretEncrypted = change.oidc ? encrypt(change.oidc.clientSecret) : null;
    }
  }
  await getDb().transaction(async (tx) => {
    if (Object.keys(set).length > 0) await tx.update(apps).set({ ...set, updatedAt: sql4`now()` }).where(eq3(apps.id, appId));
    const details = { ...change, ...change.oidc ? { oidc: { issuer: change.oidc.issuer, clientId: change.oidc.clientId } } : {} };
    await recordAudit(tx, caller, { appId, action: "app.update_connect_settings", target: clientId, details });
  });
  return await connectSettingsForAppId(appId);
}
var NO_SECRET_HASH = sha256Hex("wearhouse: no such app");

// lib/apps/keys.ts
import { and as and3, desc, eq as eq4, isNull, or, sql as sql5 } from "drizzle-orm";
var toKey = (row) => ({
  id: row.id,
  label: row.label,
  hint: `${row.keyPrefix}\u2026${row.keyLast4}`,
  createdAt: row.createdAt,
  lastUsedAt: row.lastUsedAt,
  revokedAt: row.revokedAt
});
async function createKey(caller, clientId, label = "") {
  if (caller.kind !== "account" && caller.kind !== "operator") throw forbidden("Only the portal or the operator can create keys.");
  if (label.length > 100) throw invalidInput("A key label has at most 100 characters.");
  const appId = await appIdFor(caller, clientId);
  const secret = issueSecret("appKey");
  const row = await getDb().transaction(async (tx) => {
    const [key] = await tx.insert(appKeys).values({ appId, label, keyHash: secret.hash, keyPrefix: secret.prefix, keyLast4: secret.last4, createdById: caller.kind === "account" ? caller.accountId : null }).returning();
    await recordAudit(tx, caller, { appId, action: "key.create", target: secret.prefix });
    return key;
  });
  return { key: toKey(row), secret: secret.value };
}
async function listKeys(caller, clientId) {
  const appId = await appIdFor(caller, clientId);
  const rows = await getDb().select().from(appKeys).where(eq4(appKeys.appId, appId)).orderBy(desc(appKeys.id));
  return rows.map(toKey);
}
async function revokeKey(caller, clientId, keyRef) {
  if (caller.kind !== "account" && caller.kind !== "operator") throw forbidden("Only the portal or the operator can revoke keys.");
  const appId = await appIdFor(caller, clientId);
  const byRef = typeof keyRef === "number" || /^\d+$/.test(keyRef) ? eq4(appKeys.id, Number(keyRef)) : or(eq4(appKeys.keyPrefix, keyRef.replace(/….*$/, "")), eq4(appKeys.keyHash, sha256Hex(keyRef)));
  const row = await getDb().transaction(async (tx) => {
    const matches = await tx.select().from(appKeys).where(and3(eq4(appKeys.appId, appId), byRef));
    if (matches.length === 0) throw notFound(`No key ${keyRef} in app ${clientId}.`);
    if (matches.length > 1) throw invalidInput(`${keyRef} names more than one key; use the key id.`);
    const [revoked] = await tx.update(appKeys).set({ revokedAt: sql5`coalesce(${appKeys.revokedAt}, now())` }).where(eq4(appKeys.id, matches[0].id)).returning();
    await recordAudit(tx, caller, { appId, action: "key.revoke", target: revoked.keyPrefix });
    return revoked;
  });
  forgetCachedKeys();
  return toKey(row);
}
var keyState = processWide("app-keys", () => ({
  verdicts: /* @__PURE__ */ new Map(),
  /** Key id → when it was last used (epoch ms): a number per request, a Date only when flushed. */
  lastUsed: /* @__PURE__ */ new Map(),
  flushTimer: void 0
}));
var { verdicts, lastUsed } = keyState;
function forgetCachedKeys() {
  verdicts.clear();
}

// lib/audit/entries.ts
import { and as and4, desc as desc2, eq as eq5 } from "drizzle-orm";
async function listAuditEntries(caller, clientId, query = {}) {
  const limit = query.limit ?? 50;
  if (!(Number.isInteger(limit) && limit >= 1 && limit <= 500)) throw invalidInput("limit must be between 1 and 500.");
  const appId = await appIdFor(caller, clientId);
  const filters = [eq5(auditLog.appId, appId)];
  if (query.action) filters.push(eq5(auditLog.action, query.action));
  return getDb().select({ actor: auditLog.actor, action: auditLog.action, target: auditLog.target, at: auditLog.at }).from(auditLog).where(and4(...filters)).orderBy(desc2(auditLog.at), desc2(auditLog.id)).limit(limit);
}

// lib/db/embedded/launch.ts
import { spawn } from "node:child_process";
import path5 from "node:path";
import { fileURLToPath } from "node:url";
import pg2 from "pg";
var projectRoot = fileURLToPath(new URL("../../..", import.meta.url));
var ownerScript = path5.join(projectRoot, "lib/db/embedded/owner.ts");
var EmbeddedStartError = class extends Error {
  constructor(message, exitCode) {
    super(message);
    this.exitCode = exitCode;
    this.name = "EmbeddedStartError";
  }
  exitCode;
};
function spawnOwner(dataDir, options = {}) {
  assertSocketPathFits(dataDir);
  const env = { ...process.env };
  if (options.holdTimeoutMs) env.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS = String(options.holdTimeoutMs);
  if (options.maintenanceIntervalMs) env.WEARHOUSE_MAINTENANCE_INTERVAL_MS = String(options.maintenanceIntervalMs);
  const child = spawn(
    process.execPath,
    ["--import", "tsx", ownerScript, path5.resolve(dataDir)],
    // Detached: a Ctrl-C in the terminal reaches the launcher, which drains requests first and
    // then stops the owner. The IPC channel ends the owner if the launcher dies.
    { cwd: projectRoot, env, stdio: ["ignore", "pipe", "pipe", "ipc"], detached: true }
  );
  let stderr = "";
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
    process.stderr.write(chunk);
  });
  return new Promise((resolve, reject) => {
    const onExit = (code) => reject(new EmbeddedStartError(stderr.trim() || `The embedded database exited with code ${code}.`, code));
    child.once("exit", onExit);
    child.once("message", (message) => {
      if (!message.ready || !message.url) return;
      child.off("exit", onExit);
      child.stdout.on("data", (chunk) => {
        const text2 = chunk.toString().replace(/^ready .*\n/m, "");
        if (text2) process.stdout.write(text2);
      });
      const exited = new Promise((done) => child.once("exit", (code) => done(code)));
      resolve({ url: message.url, pid: child.pid, stop: () => stopOwner(child), exited });
    });
  });
}
function stopOwner(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}
async function waitUntilServing(dataDir, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (; ; ) {
    const owner = liveOwner(dataDir);
    if (!owner || owner.url) return owner;
    if (Date.now() > deadline) return null;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
async function openEmbedded(dataDir, options = {}) {
  const running = await waitUntilServing(dataDir, 6e4);
  if (running?.url) return { url: running.url, pid: running.pid };
  try {
    return await spawnOwner(dataDir, options);
  } catch (error) {
    const raced = error instanceof EmbeddedStartError && error.exitCode === OWNER_LOCK_HELD;
    const owner = raced ? await waitUntilServing(dataDir, 6e4) : null;
    if (owner?.url) return { url: owner.url, pid: owner.pid };
    throw error;
  }
}

// lib/db/migrate.ts
import path6 from "node:path";
import { fileURLToPath as fileURLToPath2 } from "node:url";
import { sql as sql6 } from "drizzle-orm";
import { readMigrationFiles } from "drizzle-orm/migrator";
var migrationsFolder = path6.join(path6.dirname(fileURLToPath2(import.meta.url)), "migrations");
var MIGRATION_LOCK = 7243301;
var known;
var migrationFiles = () => known ??= readMigrationFiles({ migrationsFolder });
async function migrate(db) {
  const migrations = migrationFiles();
  await db.execute(sql6`CREATE SCHEMA IF NOT EXISTS drizzle`);
  await db.execute(sql6`CREATE TABLE IF NOT EXISTS drizzle.__drizzle_migrations (
    id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint)`);
  return db.transaction(async (tx) => {
    await tx.execute(sql6`SET LOCAL statement_timeout = 0`);
    await tx.execute(sql6`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`);
    const last = await tx.execute(
      sql6`SELECT created_at FROM drizzle.__drizzle_migrations ORDER BY created_at DESC LIMIT 1`
    );
    const appliedUpTo = Number(last.rows[0]?.created_at ?? 0);
    let applied = 0;
    for (const migration of migrations) {
      if (migration.folderMillis <= appliedUpTo) continue;
      for (const statement of migration.sql) {
        if (statement.trim()) await tx.execute(sql6.raw(statement));
      }
      await tx.execute(sql6`INSERT INTO drizzle.__drizzle_migrations (hash, created_at)
        VALUES (${migration.hash}, ${migration.folderMillis})`);
      applied++;
    }
    return applied;
  });
}

// lib/demo/seed.ts
import { createHash as createHash2 } from "node:crypto";
import { sql as sql13 } from "drizzle-orm";

// lib/readings/rollups.ts
import { sql as sql7 } from "drizzle-orm";

// lib/readings/types.ts
import { z as z4 } from "zod";
var READING_TYPES = {
  steps: { unit: "steps", label: "Steps", aggregate: "sum" },
  heart_rate: { unit: "bpm", label: "Heart rate", aggregate: "avg" },
  weight: { unit: "kg", label: "Weight", aggregate: "avg" },
  body_fat: { unit: "%", label: "Body fat", aggregate: "avg" },
  bmi: { unit: "kg/m2", label: "BMI", aggregate: "avg" },
  blood_pressure: { unit: "mmHg", label: "Blood pressure", aggregate: "avg" },
  blood_glucose: { unit: "mg/dL", label: "Blood glucose", aggregate: "avg" },
  blood_oxygen: { unit: "%", label: "Blood oxygen", aggregate: "avg" },
  sleep: { unit: "min", label: "Sleep", aggregate: "sum" },
  calories: { unit: "kcal", label: "Calories", aggregate: "sum" },
  distance: { unit: "m", label: "Distance", aggregate: "sum" },
  activity: { unit: "min", label: "Active minutes", aggregate: "sum" }
};
var ReadingTypeSchema = z4.enum(Object.keys(READING_TYPES));

// lib/readings/rollups.ts
var HOUR_MS = 36e5;
var bucketOf = (ts, tz) => sql7`date_bin('1 hour', ${ts}, timestamptz '1970-01-01 00:00:00+00' - ${tz} * interval '1 minute')`;
var ALL_TYPES = Object.keys(READING_TYPES);
async function refreshRollups(db, connectionIds, from, to) {
  if (connectionIds.length === 0) return;
  const lo = new Date(Math.floor(from.getTime() / HOUR_MS) * HOUR_MS - HOUR_MS).toISOString();
  const hi = new Date(Math.floor(to.getTime() / HOUR_MS) * HOUR_MS + 2 * HOUR_MS).toISOString();
  const ids = sql7.param(connectionIds);
  await db.execute(sql7`
    WITH agg AS MATERIALIZED (
      SELECT r.connection_id, r.type, r.tz_offset_minutes AS tz, ${bucketOf(sql7`r.ts`, sql7`r.tz_offset_minutes`)} AS bucket,
             min(r.user_id) AS user_id, count(*)::int AS count, sum(r.value) AS sum, min(r.value) AS min, max(r.value) AS max,
             sum(r.value2) AS sum2, min(r.value2) AS min2, max(r.value2) AS max2
      FROM connections c
      JOIN readings r ON r.user_id = c.user_id AND r.connection_id + 0 = c.id
      WHERE c.id = ANY(${ids}::bigint[]) AND r.type = ANY(${sql7.param(ALL_TYPES)}::text[])
        AND r.ts >= ${lo}::timestamptz AND r.ts < ${hi}::timestamptz
      GROUP BY 1, 2, 3, 4
    ), complete AS (
      SELECT * FROM agg WHERE bucket >= ${lo}::timestamptz AND bucket + interval '1 hour' <= ${hi}::timestamptz
    ), emptied AS (
      DELETE FROM reading_rollups rr
      WHERE rr.connection_id = ANY(${ids}::bigint[])
        AND rr.bucket >= ${lo}::timestamptz AND rr.bucket + interval '1 hour' <= ${hi}::timestamptz
        AND NOT EXISTS (SELECT 1 FROM complete k WHERE k.connection_id = rr.connection_id AND k.type = rr.type
                          AND k.tz = rr.tz_offset_minutes AND k.bucket = rr.bucket)
    )
    INSERT INTO reading_rollups (connection_id, type, tz_offset_minutes, bucket, user_id, count, sum, min, max, sum2, min2, max2)
    SELECT connection_id, type, tz, bucket, user_id, count, sum, min, max, sum2, min2, max2 FROM complete
    ON CONFLICT (connection_id, type, tz_offset_minutes, bucket) DO UPDATE SET
      count = excluded.count, sum = excluded.sum, min = excluded.min, max = excluded.max,
      sum2 = excluded.sum2, min2 = excluded.min2, max2 = excluded.max2`);
}

// lib/users/human-id.ts
import { randomBytes as randomBytes4 } from "node:crypto";
function newHumanId(createdAt2 = /* @__PURE__ */ new Date(), random = randomBytes4(10)) {
  return createdAt2.getTime().toString(16).padStart(12, "0") + random.subarray(0, 10).toString("hex");
}

// lib/users/users.ts
import { and as and7, desc as desc3, eq as eq8, gte, isNull as isNull3, lt, sql as sql11 } from "drizzle-orm";
import { z as z6 } from "zod";

// lib/sources/oauth/tokens.ts
import { and as and6, eq as eq7, inArray, isNull as isNull2, ne, sql as sql9 } from "drizzle-orm";
import * as oidc from "openid-client";

// lib/sources/oauth/credentials.ts
import { and as and5, asc as asc3, eq as eq6, sql as sql8 } from "drizzle-orm";
import { z as z5 } from "zod";
var ClientIdValue = z5.string().trim().min(1, "Enter the client ID the provider gave you.").max(200, "A client ID has at most 200 characters.").regex(/^[\x21-\x7e]+$/, "A client ID has no spaces or special characters.");
var ClientSecretValue = z5.string().trim().min(8, "A client secret has at least 8 characters.").max(500, "A client secret has at most 500 characters.").regex(/^[\x21-\x7e]+$/, "A client secret has no spaces or special characters.");
var SaveProviderCredentialsInput = z5.object({
  clientId: ClientIdValue,
  /** Omitted or empty: keep the secret on file. */
  clientSecret: ClientSecretValue.optional()
});

// lib/users/purge.ts
import { sql as sql10 } from "drizzle-orm";

// lib/users/users.ts
var NewUserInput = z6.object({
  externalId: z6.string().trim().min(1, "externalId is required.").max(255),
  email: z6.email().max(254).optional(),
  name: z6.string().trim().max(200).optional(),
  username: z6.string().trim().max(200).optional(),
  identityProvider: z6.object({ name: z6.string().trim().min(1).max(200), url: z6.url().max(2e3).nullable().optional() }).optional(),
  providerUserId: z6.string().trim().max(255).optional()
});
var userColumns = {
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
  lastLoginAt: users.lastLoginAt
};
var isLive = isNull3(users.deletedAt);
var UNNAMED = void 0;
function oncePerPool(build) {
  const built = /* @__PURE__ */ new WeakMap();
  return () => {
    const db = getDb();
    let query = built.get(db);
    if (!query) built.set(db, query = build(db));
    return query;
  };
}
var byLiveHumanId = and7(eq8(users.humanId, sql11.placeholder("humanId")), isLive);
var userByHumanId = oncePerPool((db) => db.select({ ...userColumns, appId: users.appId }).from(users).where(byLiveHumanId).prepare(UNNAMED));
function newUserValues(appId, input, createdAt2 = /* @__PURE__ */ new Date(), humanId = newHumanId(createdAt2)) {
  const accessToken = issueSecret("accessToken");
  const publicToken = issueSecret("publicToken");
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
    createdAt: createdAt2,
    updatedAt: createdAt2
  };
}

// lib/demo/random.ts
function seededRandom(seed) {
  let state = seed >>> 0;
  const next = () => {
    state = state + 1831565813 >>> 0;
    let t = state;
    t = Math.imul(t ^ t >>> 15, t | 1);
    t ^= t + Math.imul(t ^ t >>> 7, t | 61);
    return ((t ^ t >>> 14) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => items[Math.floor(next() * items.length)]
  };
}

// lib/demo/readings.ts
import { sql as sql12 } from "drizzle-orm";
var rnd = (key) => sql12`((hashtext(${key})::bigint + 2147483648) / 4294967296.0)`;
var GENERATORS = {
  "demo-tracker": () => sql12`
    SELECT c.id, c.user_id, 'heart_rate', t, c.tz,
      round(CASE
        WHEN lh < 7 OR lh >= 23 THEN c.rest - 4 + r * 6
        WHEN lh = 18 AND extract(isodow FROM t) IN (1, 3, 5) THEN c.rest + 55 + r * 30
        ELSE c.rest + 12 + r * 22 END), NULL::float8, 'bpm', 'hr:' || extract(epoch FROM t)::bigint
    FROM c, generate_series(w_start, w_end, interval '5 minutes') AS t,
      LATERAL (SELECT extract(hour FROM t + c.tz * interval '1 minute') AS lh,
                      ${rnd(sql12`c.key || 'hr' || t::text`)} AS r) AS x
    UNION ALL
    SELECT c.id, c.user_id, kind, d.day, c.tz,
      CASE kind
        WHEN 'steps' THEN d.steps
        WHEN 'distance' THEN round(d.steps * 0.76)
        WHEN 'calories' THEN round(1700 + d.steps * 0.045 + d.r * 250)
        WHEN 'activity' THEN round(d.steps / 160.0 + d.r * 25)
        WHEN 'blood_oxygen' THEN round((95 + ${rnd(sql12`c.key || 'spo2' || d.day::text`)} * 3.8)::numeric, 1)
        ELSE round(330 + d.r * 170) END,
      NULL::float8,
      CASE kind WHEN 'steps' THEN 'steps' WHEN 'distance' THEN 'm' WHEN 'calories' THEN 'kcal' WHEN 'blood_oxygen' THEN '%' ELSE 'min' END,
      kind || ':' || to_char(d.day, 'YYYY-MM-DD')
    FROM c, LATERAL (
        SELECT day, r, round((2500 + r * 9500) * CASE WHEN extract(isodow FROM day) >= 6 THEN 0.7 ELSE 1 END) AS steps
        FROM generate_series(date_trunc('day', w_start), w_end, interval '1 day') AS day,
          LATERAL (SELECT ${rnd(sql12`c.key || 'day' || day::text`)} AS r) AS rr
        WHERE day + interval '7 hours' <= w_end) AS d,
      unnest(ARRAY['steps', 'distance', 'calories', 'activity', 'sleep', 'blood_oxygen']) AS kind`,
  "demo-scale": () => sql12`
    SELECT c.id, c.user_id, kind, t, c.tz,
      CASE kind
        WHEN 'weight' THEN round((c.weight + 1.5 * sin(extract(epoch FROM t) / 1728000.0) + r * 0.6)::numeric, 1)
        WHEN 'body_fat' THEN round((16 + c.r2 * 16 + r * 0.8)::numeric, 1)
        ELSE round(((c.weight + 1.5 * sin(extract(epoch FROM t) / 1728000.0) + r * 0.6) / (c.height * c.height))::numeric, 1) END,
      NULL::float8, CASE kind WHEN 'weight' THEN 'kg' WHEN 'body_fat' THEN '%' ELSE 'kg/m2' END,
      kind || ':' || to_char(t, 'YYYY-MM-DD')
    FROM c, generate_series(date_trunc('day', w_start) + interval '7 hours 30 minutes', w_end, interval '1 day') AS t,
      LATERAL (SELECT ${rnd(sql12`c.key || 'w' || t::text`)} AS r) AS x,
      unnest(ARRAY['weight', 'body_fat', 'bmi']) AS kind`,
  "demo-cuff": () => sql12`
    SELECT c.id, c.user_id, kind, t, c.tz,
      CASE kind WHEN 'blood_pressure' THEN round(110 + c.r2 * 28 + r * 12) ELSE round(c.rest + 4 + r * 10) END,
      CASE kind WHEN 'blood_pressure' THEN round(70 + c.r2 * 14 + r * 8) END,
      CASE kind WHEN 'blood_pressure' THEN 'mmHg' ELSE 'bpm' END,
      kind || ':' || extract(epoch FROM t)::bigint
    FROM c, generate_series(date_trunc('day', w_start) + interval '8 hours', w_end, interval '12 hours') AS t,
      LATERAL (SELECT ${rnd(sql12`c.key || 'bp' || t::text`)} AS r) AS x,
      unnest(ARRAY['blood_pressure', 'heart_rate']) AS kind
    WHERE ${rnd(sql12`c.key || 'bpday' || t::text`)} < 0.6`,
  "demo-glucose": () => sql12`
    SELECT c.id, c.user_id, 'blood_glucose', t, c.tz,
      round(CASE extract(hour FROM t)::int % 24
        WHEN 7 THEN 82 + c.r2 * 30 + r * 18
        ELSE 105 + c.r2 * 45 + r * 45 END), NULL::float8, 'mg/dL', 'bg:' || extract(epoch FROM t)::bigint
    FROM c, generate_series(date_trunc('day', w_start), w_end, interval '1 day') AS day,
      unnest(ARRAY[interval '7 hours', interval '9 hours', interval '14 hours', interval '20 hours 30 minutes']) AS offs,
      LATERAL (SELECT day + offs AS t) AS tt,
      LATERAL (SELECT ${rnd(sql12`c.key || 'bg' || (day + offs)::text`)} AS r) AS x
    WHERE t <= w_end`
};
var READINGS_PER_DAY = {
  "demo-tracker": 288 + 6,
  "demo-scale": 3,
  "demo-cuff": 2.4,
  "demo-glucose": 4
};
async function generateDemoReadings(tx, sourceId, window) {
  const generator = GENERATORS[sourceId];
  if (!generator || window.connectionIds.length === 0 || window.days <= 0) return 0;
  const key = sql12`u.external_id || ':' || ${String(window.seed)} || ':'`;
  const result = await tx.execute(sql12`
    WITH c AS (
      SELECT conn.id, conn.user_id, ${key} AS key,
        (ARRAY[-480, -420, -300, -240, 0, 60, 120, 330, 540])[1 + abs(hashtext(${key} || 'tz')) % 9] AS tz,
        52 + ${rnd(sql12`${key} || 'rest'`)} * 18 AS rest,
        58 + ${rnd(sql12`${key} || 'weight'`)} * 40 AS weight,
        1.55 + ${rnd(sql12`${key} || 'height'`)} * 0.4 AS height,
        ${rnd(sql12`${key} || 'r2'`)} AS r2
      FROM connections conn JOIN users u ON u.id = conn.user_id
      WHERE conn.id = ANY(${sql12.param(window.connectionIds)}::bigint[])
    ), w AS (
      SELECT ${window.end.toISOString()}::timestamptz - ${`${window.days} days`}::interval AS w_start,
             ${window.end.toISOString()}::timestamptz AS w_end
    )
    INSERT INTO readings (connection_id, user_id, type, ts, tz_offset_minutes, value, value2, unit, source_reading_id)
    SELECT g.* FROM w, LATERAL (${generator(window)}) AS g
    ON CONFLICT (connection_id, type, source_reading_id) DO NOTHING`);
  return result.rowCount ?? 0;
}

// lib/demo/seed.ts
var FIRST_NAMES = ["Ada", "Ben", "Chloe", "Dev", "Elena", "Farah", "Gus", "Hana", "Ivan", "Jo", "Kemi", "Liam", "Maya", "Nico", "Olu", "Priya", "Quinn", "Rosa", "Sam", "Tariq", "Uma", "Vik", "Wen", "Xavi", "Yara", "Zoe"];
var LAST_NAMES = ["Adeyemi", "Bauer", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Hughes", "Ito", "Jensen", "Khan", "Lopez", "Moreau", "Novak", "Okafor", "Patel", "Rossi", "Silva", "Tanaka", "Urban", "Varga", "Weber", "Young", "Zhang"];
var IDENTITY_PROVIDERS = [
  { name: "Google", url: "https://accounts.google.com" },
  { name: "Apple", url: "https://appleid.apple.com" },
  null
  // signed up with the developer's own accounts: the app is the identity provider
];
var DEMO_SOURCES = ["demo-tracker", "demo-scale", "demo-cuff", "demo-glucose"];
var USER_BATCH = 5e3;
var READINGS_PER_STATEMENT = 2e4;
var READINGS_PER_CHECKPOINT = 1e5;
function demoPerson(random, index2, seed) {
  const first = random.pick(FIRST_NAMES);
  const last = random.pick(LAST_NAMES);
  const provider = random.pick(IDENTITY_PROVIDERS);
  const handle = `${first}.${last}${index2}`.toLowerCase();
  return {
    externalId: `user-${seed}-${index2}`,
    email: `${handle}@example.com`,
    name: `${first} ${last}`,
    username: handle,
    identityProvider: provider ?? void 0,
    providerUserId: provider ? String(1e8 + Math.floor(random.next() * 899999999)) : void 0
  };
}
function demoSources(random, index2) {
  const count = random.int(1, 3);
  const tracker = random.next() < 0.8 || index2 === 1;
  const chosen = /* @__PURE__ */ new Set([tracker ? "demo-tracker" : random.pick(DEMO_SOURCES)]);
  while (chosen.size < count) chosen.add(random.pick(DEMO_SOURCES));
  return [...chosen];
}
async function seedUsers(caller, clientId, options) {
  const appId = await appIdFor(caller, clientId);
  const db = getDb();
  const random = seededRandom(options.seed);
  const end = options.end ?? new Date(Math.floor(Date.now() / 6e4) * 6e4);
  const spanMs = Math.max(options.days, 30) * 864e5;
  const result = { users: 0, connections: 0, readings: 0 };
  for (let start = 0; start < options.users; start += USER_BATCH) {
    const count = Math.min(USER_BATCH, options.users - start);
    const rows = [];
    const sourcesByExternalId = /* @__PURE__ */ new Map();
    for (let i = start; i < start + count; i++) {
      const person = demoPerson(random, i + 1, options.seed);
      const createdAt2 = new Date(end.getTime() - spanMs + Math.floor(spanMs * i / Math.max(options.users, 1)));
      const entropy = createHash2("sha256").update(`${appId}:${options.seed}:${i}`).digest();
      rows.push(newUserValues(appId, person, createdAt2, newHumanId(createdAt2, entropy)));
      sourcesByExternalId.set(person.externalId, demoSources(random, i + 1));
    }
    const inserted = await db.transaction(async (tx) => {
      const users2 = await tx.execute(sql13`
        INSERT INTO users (human_id, app_id, external_id, email, name, username, identity_provider_name,
          identity_provider_url, provider_user_id, access_token_encrypted, access_token_hash,
          public_token_encrypted, public_token_hash, created_at, updated_at, last_login_at, last_active_at)
        SELECT h, ${appId}, x, e, n, un, ipn, ipu, pu, ate, ath, pte, pth, c, c, c, ${end.toISOString()}::timestamptz
        FROM unnest(
          ${sql13.param(rows.map((r) => r.humanId))}::text[], ${sql13.param(rows.map((r) => r.externalId))}::text[],
          ${sql13.param(rows.map((r) => r.email))}::text[], ${sql13.param(rows.map((r) => r.name))}::text[],
          ${sql13.param(rows.map((r) => r.username))}::text[], ${sql13.param(rows.map((r) => r.identityProviderName))}::text[],
          ${sql13.param(rows.map((r) => r.identityProviderUrl))}::text[], ${sql13.param(rows.map((r) => r.providerUserId))}::text[],
          ${sql13.param(rows.map((r) => r.accessTokenEncrypted))}::text[], ${sql13.param(rows.map((r) => r.accessTokenHash))}::text[],
          ${sql13.param(rows.map((r) => r.publicTokenEncrypted))}::text[], ${sql13.param(rows.map((r) => r.publicTokenHash))}::text[],
          ${sql13.param(rows.map((r) => r.createdAt.toISOString()))}::timestamptz[]
        ) AS t(h, x, e, n, un, ipn, ipu, pu, ate, ath, pte, pth, c)
        ON CONFLICT DO NOTHING
        RETURNING id::int, external_id`);
      const pairs = users2.rows.flatMap((u) => (sourcesByExternalId.get(u.external_id) ?? []).map((s) => [u.id, s]));
      const connections2 = await tx.execute(sql13`
        INSERT INTO connections (user_id, source_id, status, connected_since, last_sync_at, history_synced_at)
        SELECT u.id, s, 'connected', u.created_at, ${end.toISOString()}::timestamptz, ${end.toISOString()}::timestamptz
        FROM unnest(${sql13.param(pairs.map((p) => p[0]))}::bigint[], ${sql13.param(pairs.map((p) => p[1]))}::text[]) AS t(uid, s)
        JOIN users u ON u.id = t.uid
        ON CONFLICT DO NOTHING
        RETURNING id::int, source_id, (SELECT external_id FROM users WHERE id = user_id) AS external_id`);
      if (users2.rows.length > 0) {
        await recordAudit(tx, caller, { appId, action: "user.seed", details: { count: users2.rows.length, seed: options.seed } });
      }
      return { users: users2.rows.length, connections: connections2.rows };
    });
    result.users += inserted.users;
    result.connections += inserted.connections.length;
    if (options.days > 0) {
      result.readings += await seedReadings(inserted.connections, { seed: options.seed, days: options.days, firstUserDays: options.firstUserDays, sparseDays: options.sparseDays, end });
    }
    options.onProgress?.(start + count, options.users);
  }
  if (result.users > 0) await settle(options.days > 0 ? ["users", "connections", "readings", "reading_rollups"] : ["users", "connections"]);
  return result;
}
function daysFor(connection, options) {
  if (connection.external_id === `user-${options.seed}-1`) return options.firstUserDays ?? options.days;
  const sparse = (READINGS_PER_DAY[connection.source_id] ?? 1) <= SPARSE_PER_DAY;
  return sparse ? Math.max(options.days, options.sparseDays ?? 0) : options.days;
}
var SPARSE_PER_DAY = 10;
async function seedReadings(connections2, options) {
  const embedded = await isEmbedded();
  let total = 0;
  let sinceCheckpoint = 0;
  const groups = /* @__PURE__ */ new Map();
  for (const connection of connections2) {
    const days = daysFor(connection, options);
    const key = `${connection.source_id}:${days}`;
    const group = groups.get(key) ?? groups.set(key, { sourceId: connection.source_id, days, ids: [] }).get(key);
    group.ids.push(connection.id);
  }
  for (const { sourceId, days, ids } of groups.values()) {
    for (const step of readingSteps(ids, READINGS_PER_DAY[sourceId] ?? 1, days, options.end)) {
      if (options.signal?.aborted) return total;
      const written = await getDb().transaction(async (tx) => {
        await tx.execute(sql13`SET LOCAL TIME ZONE 'UTC'`);
        const written2 = await generateDemoReadings(tx, sourceId, { connectionIds: step.ids, seed: options.seed, days: step.days, end: step.end });
        const from = new Date(Math.floor((step.end.getTime() - step.days * DAY_MS) / DAY_MS) * DAY_MS);
        await refreshRollups(tx, step.ids, from, step.end);
        await recordReadingSpan(tx, step.ids);
        return written2;
      });
      total += written;
      sinceCheckpoint += written;
      if (embedded && sinceCheckpoint >= READINGS_PER_CHECKPOINT) {
        await releaseWal();
        sinceCheckpoint = 0;
      }
    }
  }
  return total;
}
var DAY_MS = 864e5;
async function recordReadingSpan(tx, connectionIds) {
  await tx.execute(sql13`
    UPDATE connections c SET oldest_reading_at = least(c.oldest_reading_at, x.oldest),
      newest_reading_at = greatest(c.newest_reading_at, x.newest)
    FROM (
      SELECT k.id, min(o.ts) AS oldest, max(n.ts) AS newest
      FROM connections k JOIN sources s ON s.id = k.source_id, unnest(s.data_types) AS t(type),
        LATERAL (SELECT r.ts FROM readings r WHERE r.user_id = k.user_id AND r.type = t.type AND r.connection_id + 0 = k.id ORDER BY r.ts LIMIT 1) o,
        LATERAL (SELECT r.ts FROM readings r WHERE r.user_id = k.user_id AND r.type = t.type AND r.connection_id + 0 = k.id ORDER BY r.ts DESC LIMIT 1) n
      WHERE k.id = ANY(${sql13.param(connectionIds)}::bigint[])
      GROUP BY k.id
    ) x
    WHERE c.id = x.id`);
}
function readingSteps(ids, perDay, days, end) {
  if (days <= 0 || ids.length === 0) return [];
  const steps = [];
  if (perDay * days <= READINGS_PER_STATEMENT) {
    const perStatement = Math.max(1, Math.floor(READINGS_PER_STATEMENT / (perDay * days)));
    for (let i = 0; i < ids.length; i += perStatement) steps.push({ ids: ids.slice(i, i + perStatement), days, end });
    return steps;
  }
  const partDays = Math.max(1, Math.floor(READINGS_PER_STATEMENT / perDay));
  for (const id2 of ids) {
    for (let done = 0; done < days; done += partDays) {
      steps.push({ ids: [id2], days: Math.min(partDays, days - done), end: new Date(end.getTime() - done * DAY_MS) });
    }
  }
  return steps;
}
async function settle(tables) {
  const list = tables.join(", ");
  if (!await isEmbedded()) {
    await getDb().execute(sql13.raw(`ANALYZE ${list}`));
    return;
  }
  await getDb().execute(sql13.raw(`VACUUM (ANALYZE) ${list}`));
  await releaseWal();
}
async function isEmbedded() {
  const result = await getDb().execute(sql13`SELECT version() LIKE '%PGlite%' AS embedded`);
  return result.rows[0]?.embedded === true;
}
async function releaseWal() {
  await getDb().transaction(async (tx) => {
    await tx.execute(sql13`SET LOCAL wal_recycle = off`);
    await tx.execute(sql13`CHECKPOINT`);
  });
}

// lib/cli/main.ts
var EXIT = { ok: 0, failed: 1, usage: 2, database: 3, rejected: 4 };
var UsageError = class extends Error {
};
var required = (options, name) => {
  const value = options[name];
  if (typeof value !== "string" || value === "") throw new UsageError(`--${name} is required.`);
  return value;
};
var wholeNumber = (options, name, fallback) => {
  const raw = options[name];
  if (raw === void 0 && fallback !== void 0) return fallback;
  const value = Number(raw);
  if (typeof raw !== "string" || !Number.isSafeInteger(value) || value < 0) throw new UsageError(`--${name} takes a whole number.`);
  return value;
};
var table = (rows) => {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i])).join("  ").trimEnd()).join("\n");
};
var COMMANDS = {
  "apps:create": {
    summary: "Create an app; prints its clientId, client secret and first App Key (shown once).",
    usage: "apps:create --name NAME [--owner EMAIL] [--origin URL ...] [--json]",
    options: { name: { type: "string" }, owner: { type: "string" }, origin: { type: "string", multiple: true } },
    async run(o) {
      const created = await createApp(operator, { name: required(o, "name"), ownerEmail: o.owner, connectOrigins: o.origin ?? [] });
      const json = { clientId: created.app.clientId, name: created.app.name, owner: created.app.ownerEmail, clientSecret: created.clientSecret, appKey: created.appKey };
      return { json, text: `Created ${json.name}
  clientId      ${json.clientId}
  clientSecret  ${json.clientSecret}
  App Key       ${json.appKey}
Store the secret and key now: they are not shown again.` };
    }
  },
  "apps:list": {
    summary: "List all apps.",
    usage: "apps:list [--json]",
    options: {},
    async run() {
      const apps2 = await listApps(operator);
      const json = apps2.map((a) => ({ clientId: a.clientId, name: a.name, owner: a.ownerEmail, createdAt: a.createdAt.toISOString() }));
      return { json, text: apps2.length ? table([["CLIENT ID", "NAME", "OWNER", "CREATED"], ...json.map((a) => [a.clientId, a.name, a.owner, a.createdAt])]) : "No apps yet." };
    }
  },
  "keys:create": {
    summary: "Create another App Key for an app (shown once).",
    usage: "keys:create --app CLIENT_ID [--label LABEL] [--json]",
    options: { app: { type: "string" }, label: { type: "string" } },
    async run(o) {
      const { key, secret } = await createKey(operator, required(o, "app"), o.label ?? "");
      return { json: { id: key.id, label: key.label, appKey: secret }, text: `App Key ${key.id}: ${secret}
Store it now: it is not shown again.` };
    }
  },
  "keys:list": {
    summary: "List an app's keys (hints only, never the keys).",
    usage: "keys:list --app CLIENT_ID [--json]",
    options: { app: { type: "string" } },
    async run(o) {
      const keys = await listKeys(operator, required(o, "app"));
      const json = keys.map((k) => ({ id: k.id, label: k.label, hint: k.hint, createdAt: k.createdAt.toISOString(), lastUsedAt: k.lastUsedAt?.toISOString() ?? null, revokedAt: k.revokedAt?.toISOString() ?? null }));
      return { json, text: table([["ID", "HINT", "LABEL", "LAST USED", "REVOKED"], ...json.map((k) => [String(k.id), k.hint, k.label, k.lastUsedAt ?? "-", k.revokedAt ?? "-"])]) };
    }
  },
  "keys:revoke": {
    summary: "Revoke an App Key, named by its id or its hint prefix (e.g. whk_3fA9).",
    usage: "keys:revoke --app CLIENT_ID --key ID|PREFIX [--json]",
    options: { app: { type: "string" }, key: { type: "string" } },
    async run(o) {
      const key = await revokeKey(operator, required(o, "app"), required(o, "key"));
      return { json: { id: key.id, hint: key.hint, revokedAt: key.revokedAt?.toISOString() }, text: `Revoked key ${key.id} (${key.hint}).` };
    }
  },
  "admin:create": {
    summary: "Create an admin account for the portal; the password comes from stdin (or ADMIN_PASSWORD).",
    usage: "admin:create --email EMAIL [--name NAME] [--json]   (password: typed, piped on stdin, or ADMIN_PASSWORD)",
    // --password is declared only to refuse it with a reason rather than "unknown option".
    options: { email: { type: "string" }, name: { type: "string" }, password: { type: "string" } },
    async run(o) {
      if (o.password !== void 0) {
        throw new UsageError("admin:create does not take --password: a command line is visible to every user (ps) and kept in shell history. Type it when asked, pipe it on stdin, or set ADMIN_PASSWORD.");
      }
      const email = required(o, "email");
      const password = config().ADMIN_PASSWORD ?? await readPassword();
      if (!password) throw new UsageError("No password: type it when asked, pipe it on stdin, or set ADMIN_PASSWORD.");
      const account = await createAccount(operator, { email, password, name: o.name, role: "admin" });
      return { json: { id: account.id, email: account.email, role: account.role }, text: `Created admin ${account.email}.` };
    }
  },
  "accounts:create": {
    summary: "Create a portal account (a developer unless --role admin); the password comes from stdin (or ADMIN_PASSWORD).",
    usage: "accounts:create --email EMAIL [--name NAME] [--role developer|admin] [--json]   (password: typed, piped on stdin, or ADMIN_PASSWORD)",
    options: { email: { type: "string" }, name: { type: "string" }, role: { type: "string" }, password: { type: "string" } },
    async run(o) {
      if (o.password !== void 0) {
        throw new UsageError("accounts:create does not take --password: a command line is visible to every user (ps) and kept in shell history. Type it when asked, pipe it on stdin, or set ADMIN_PASSWORD.");
      }
      const email = required(o, "email");
      const role = o.role ?? "developer";
      if (role !== "developer" && role !== "admin") throw new UsageError("--role is developer or admin.");
      const password = config().ADMIN_PASSWORD ?? await readPassword();
      if (!password) throw new UsageError("No password: type it when asked, pipe it on stdin, or set ADMIN_PASSWORD.");
      const account = await createAccount(operator, { email, password, name: o.name, role });
      return { json: { id: account.id, email: account.email, role: account.role }, text: `Created ${account.role} ${account.email}.` };
    }
  },
  "apps:connect": {
    summary: "Show or change an app's Connect settings: origins, redirect URLs, sources, end-user sign-in (OIDC).",
    usage: "apps:connect --app CLIENT_ID [--origin URL ...|--no-origins] [--redirect-url URL ...|--no-redirect-urls] [--source ID ...|--all-sources] [--oidc-issuer URL --oidc-client-id ID|--no-oidc] [--json]   (OIDC client secret: typed, piped on stdin, or WEARHOUSE_OIDC_CLIENT_SECRET)",
    // --oidc-client-secret is declared only to refuse it with a reason rather than "unknown option".
    options: {
      app: { type: "string" },
      origin: { type: "string", multiple: true },
      "no-origins": { type: "boolean" },
      "redirect-url": { type: "string", multiple: true },
      "no-redirect-urls": { type: "boolean" },
      source: { type: "string", multiple: true },
      "all-sources": { type: "boolean" },
      "oidc-issuer": { type: "string" },
      "oidc-client-id": { type: "string" },
      "oidc-client-secret": { type: "string" },
      "no-oidc": { type: "boolean" }
    },
    async run(o) {
      if (o["oidc-client-secret"] !== void 0) {
        throw new UsageError("apps:connect does not take --oidc-client-secret: a command line is visible to every user (ps) and kept in shell history. Type it when asked, pipe it on stdin, or set WEARHOUSE_OIDC_CLIENT_SECRET.");
      }
      const clientId = required(o, "app");
      const list = (name, none) => {
        const values = o[name];
        if (values && o[none]) throw new UsageError(`--${name} and --${none} do not go together.`);
        return o[none] ? [] : values;
      };
      const change = {};
      const origins = list("origin", "no-origins");
      if (origins) change.connectOrigins = origins;
      const redirects = list("redirect-url", "no-redirect-urls");
      if (redirects) change.connectRedirectUrls = redirects;
      const sources2 = o.source;
      if (sources2 && o["all-sources"]) throw new UsageError("--source and --all-sources do not go together.");
      if (sources2) change.enabledSources = sources2;
      if (o["all-sources"]) change.enabledSources = null;
      const issuer = o["oidc-issuer"];
      const oidcClientId = o["oidc-client-id"];
      if ((issuer || oidcClientId) && o["no-oidc"]) throw new UsageError("--oidc-issuer and --no-oidc do not go together.");
      if (o["no-oidc"]) change.oidc = null;
      if (issuer || oidcClientId) {
        if (!issuer || !oidcClientId) throw new UsageError("End-user sign-in needs both --oidc-issuer and --oidc-client-id (and the client secret on stdin).");
        const secret = process.env.WEARHOUSE_OIDC_CLIENT_SECRET || await readPassword("OIDC client secret: ");
        if (!secret) throw new UsageError("No OIDC client secret: type it when asked, pipe it on stdin, or set WEARHOUSE_OIDC_CLIENT_SECRET.");
        change.oidc = { issuer, clientId: oidcClientId, clientSecret: secret };
      }
      const settings2 = Object.keys(change).length ? await updateConnectSettings(operator, clientId, change) : await connectSettings(operator, clientId);
      const { appId: _, ...json } = settings2;
      const text2 = [
        `Connect settings of ${json.appName} (${json.clientId})`,
        `  origins        ${json.connectOrigins.join(" ") || "-"}`,
        `  redirect URLs  ${json.connectRedirectUrls.join(" ") || "-"}`,
        `  sources        ${json.enabledSources === null ? "all" : json.enabledSources.join(" ") || "none"}`,
        `  sign-in        ${json.oidcIssuer ? `OIDC through ${json.oidcIssuer}` : "off"}`
      ].join("\n");
      return { json, text: text2 };
    }
  },
  seed: {
    summary: "Add demo users (1\u20133 demo sources each, D days of readings) to an app.",
    usage: "seed --app CLIENT_ID --users N [--days D] [--seed S] [--json]",
    options: { app: { type: "string" }, users: { type: "string" }, days: { type: "string" }, seed: { type: "string" } },
    async run(o) {
      const total = wholeNumber(o, "users");
      const days = wholeNumber(o, "days", 0);
      const started = Date.now();
      const showProgress = process.stderr.isTTY && !o.json;
      const result = await seedUsers(operator, required(o, "app"), {
        users: total,
        days,
        seed: wholeNumber(o, "seed", config().WEARHOUSE_DEMO_SEED),
        onProgress: showProgress ? (done) => {
          const rate = Math.round(done / ((Date.now() - started) / 1e3));
          process.stderr.write(`\r  ${done.toLocaleString("en")} / ${total.toLocaleString("en")} users (${rate.toLocaleString("en")}/s)   `);
        } : void 0
      });
      if (showProgress) process.stderr.write("\n");
      const seconds = (Date.now() - started) / 1e3;
      return {
        json: { ...result, seconds },
        text: `Seeded ${result.users.toLocaleString("en")} users, ${result.connections.toLocaleString("en")} connections, ${result.readings.toLocaleString("en")} readings in ${seconds.toFixed(1)} s.`
      };
    }
  },
  "audit:list": {
    summary: "An app's audit log, newest first.",
    usage: "audit:list --app CLIENT_ID [--action ACTION] [--limit N] [--json]",
    options: { app: { type: "string" }, action: { type: "string" }, limit: { type: "string" } },
    async run(o) {
      const entries = await listAuditEntries(operator, required(o, "app"), { action: o.action, limit: wholeNumber(o, "limit", 50) });
      const json = entries.map((e) => ({ ...e, at: e.at.toISOString() }));
      return { json, text: json.length ? table([["AT", "ACTOR", "ACTION", "TARGET"], ...json.map((e) => [e.at, e.actor, e.action, e.target ?? ""])]) : "No audit entries." };
    }
  },
  "db:migrate": {
    summary: "Apply pending database migrations (npm start does this too).",
    usage: "db:migrate [--json]",
    options: {},
    async run() {
      return { json: { applied: lastMigrationCount }, text: `Applied ${lastMigrationCount} migration(s); the database is up to date.` };
    }
  }
};
var lastMigrationCount = 0;
async function readPassword(prompt = "Password: ") {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    let text2 = "";
    for await (const chunk of stdin) text2 += chunk;
    return text2.replace(/\r?\n$/, "");
  }
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.setEncoding("utf8");
  return new Promise((resolve) => {
    let typed = "";
    const onData = (keys) => {
      for (const key of keys) {
        if (key === "") process.exit(130);
        if (key === "\r" || key === "\n" || key === "") {
          stdin.setRawMode(false);
          stdin.off("data", onData);
          stdin.pause();
          process.stderr.write("\n");
          return resolve(typed);
        }
        typed = key === "\x7F" || key === "\b" ? typed.slice(0, -1) : typed + key;
      }
    };
    stdin.on("data", onData);
  });
}
function help() {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  return [
    "Usage: npm run wearhouse -- <command> [options]",
    "",
    "Commands:",
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    "",
    "Every command takes --json (machine-readable output) and --help.",
    "Database: DATABASE_URL if set, else the embedded database in WEARHOUSE_DATA_DIR (default .data),",
    "through the running server or, when none runs, one started for the command.",
    "",
    "Exit codes: 0 done, 1 failed, 2 bad usage, 3 database unavailable, 4 refused (not found, exists, invalid)."
  ].join("\n");
}
async function main(argv) {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    console.log(help());
    return name ? EXIT.ok : EXIT.usage;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`Unknown command "${name}".

${help()}`);
    return EXIT.usage;
  }
  let options;
  try {
    options = parseArgs({ args: rest, options: { ...command.options, json: { type: "boolean" }, help: { type: "boolean" } }, strict: true }).values;
  } catch (error) {
    console.error(`${error.message}
Usage: npm run wearhouse -- ${command.usage}`);
    return EXIT.usage;
  }
  if (options.help) {
    console.log(`${command.summary}
Usage: npm run wearhouse -- ${command.usage}`);
    return EXIT.ok;
  }
  let embedded;
  try {
    if (!config().DATABASE_URL) {
      ensureKeyFile();
      embedded = await openEmbedded(config().dataDir);
    }
    lastMigrationCount = await migrate(getDb());
    await syncCatalog(getDb());
    const { json, text: text2 } = await command.run(options);
    console.log(options.json ? JSON.stringify(json, null, 2) : text2);
    return EXIT.ok;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (options.json) console.log(JSON.stringify({ error: { message, kind: error instanceof DomainError ? error.kind : "failed" } }));
    console.error(`wearhouse: ${message}`);
    if (error instanceof UsageError) return EXIT.usage;
    if (error instanceof DomainError) return EXIT.rejected;
    if (error instanceof DatabaseUnavailableError || error instanceof EmbeddedStartError) return EXIT.database;
    return EXIT.failed;
  } finally {
    await closeDb();
    await embedded?.stop?.();
  }
}
main(process.argv.slice(2)).then((code) => process.exit(code));
