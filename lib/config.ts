// Every environment variable Wearhouse reads, parsed once with zod. The README's configuration
// table lists the same names; a bad value stops the process with the variable's name.
import path from 'node:path';
import { z } from 'zod';

const optionalString = z.string().trim().min(1).optional().catch(undefined);
const flag = (fallback: boolean) =>
  z.enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off']).optional()
    .transform((v) => (v === undefined ? fallback : ['1', 'true', 'yes', 'on'].includes(v)));

/** A provider base URL override: http(s) only; empty means the provider's own. */
const providerUrl = z.url({ protocol: /^https?$/ }).optional().or(z.literal('').transform(() => undefined));

const Env = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Default: 127.0.0.1 for the embedded database (a laptop demo), 0.0.0.0 with DATABASE_URL. */
  HOST: optionalString,
  DATABASE_URL: optionalString,
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /** PostgreSQL: longest statement (ms). */
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).default(30_000),
  /** PostgreSQL: longest idle time inside a transaction (ms); the embedded owner's hold budget. */
  DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: z.coerce.number().int().min(0).default(5_000),
  /**
   * PostgreSQL: the hottest queries (GET one user) are prepared once per connection and their plans
   * reused. Turn off behind a pooler that cannot keep named statements (PgBouncer in transaction
   * mode before 1.21). The embedded engine never gets them (one shared session).
   */
  DATABASE_PREPARED_STATEMENTS: flag(true),
  /** Embedded: how often the owner checks whether tables need ANALYZE/VACUUM (ms). */
  WEARHOUSE_MAINTENANCE_INTERVAL_MS: z.coerce.number().int().min(100).default(60_000),
  WEARHOUSE_DATA_DIR: z.string().default('.data'),
  WEARHOUSE_SECRET_KEY: optionalString,
  WEARHOUSE_BASE_URL: z.url().optional().or(z.literal('').transform(() => undefined)),
  WEARHOUSE_DEMO: flag(true),
  WEARHOUSE_DEMO_SEED: z.coerce.number().int().default(42),
  ADMIN_EMAIL: optionalString,
  ADMIN_PASSWORD: optionalString,
  REDIS_URL: optionalString,
  /** Where this installation's keys live in Redis (several installations, or test runs, can share one Redis). */
  WEARHOUSE_REDIS_PREFIX: z.string().trim().min(1).max(100).default('wearhouse:'),
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
  WEARHOUSE_WEBHOOKS_ALLOW_PRIVATE: flag(false),
}).superRefine((env, ctx) => {
  const sso = [env.AUTH_OIDC_ISSUER, env.AUTH_OIDC_ID, env.AUTH_OIDC_SECRET];
  if (sso.some(Boolean) && !sso.every(Boolean)) {
    ctx.addIssue({ code: 'custom', path: ['AUTH_OIDC_ISSUER'], message: 'single sign-on needs AUTH_OIDC_ISSUER, AUTH_OIDC_ID and AUTH_OIDC_SECRET together' });
  }
  if (env.AUTH_OIDC_ISSUER) {
    const problem = issuerProblem(env.AUTH_OIDC_ISSUER);
    if (problem) ctx.addIssue({ code: 'custom', path: ['AUTH_OIDC_ISSUER'], message: problem });
  }
});

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Why an OpenID Connect issuer URL is unacceptable, or null: https, or plain http on loopback only. */
export function issuerProblem(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be a URL such as https://login.example.com';
  }
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:' && LOOPBACK.has(url.hostname)) return null;
  return 'must be https (plain http only on localhost / 127.0.0.1 / [::1])';
}

export type Config = Omit<z.infer<typeof Env>, 'HOST'> & { HOST: string; dataDir: string };

let cached: Config | undefined;

export function config(): Config {
  if (cached) return cached;
  const parsed = Env.safeParse(process.env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid configuration: ${problems}`);
  }
  cached = {
    ...parsed.data,
    // Without DATABASE_URL this is a laptop install with demo credentials: not on every interface.
    HOST: parsed.data.HOST ?? (parsed.data.DATABASE_URL ? '0.0.0.0' : '127.0.0.1'),
    dataDir: path.resolve(parsed.data.WEARHOUSE_DATA_DIR),
  };
  return cached;
}

export type SingleSignOn = { issuer: string; clientId: string; clientSecret: string };

/** The portal's single sign-on issuer, when one is configured. */
export function singleSignOn(settings: Config = config()): SingleSignOn | null {
  const { AUTH_OIDC_ISSUER: issuer, AUTH_OIDC_ID: clientId, AUTH_OIDC_SECRET: clientSecret } = settings;
  return issuer && clientId && clientSecret ? { issuer, clientId, clientSecret } : null;
}

/** For tests and the launcher, after they change process.env. */
export function reloadConfig() {
  cached = undefined;
}
