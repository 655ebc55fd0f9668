// `npm run wearhouse -- <command>`: the operator's command line. It connects like every other
// process: DATABASE_URL, else the running server's embedded database (or its own, for the duration).
import { parseArgs } from 'node:util';
import { createAccount } from '../accounts/accounts';
import { connectSettings, createApp, listApps, updateConnectSettings, type ConnectSettings, type ConnectSettingsChange } from '../apps/apps';
import { createKey, listKeys, revokeKey } from '../apps/keys';
import { operator } from '../auth/caller';
import { listAuditEntries } from '../audit/entries';
import { ensureKeyFile } from '../auth/encryption';
import { config } from '../config';
import { closeDb, DatabaseUnavailableError, getDb } from '../db/client';
import { EmbeddedStartError, openEmbedded, type EmbeddedDatabase } from '../db/embedded/launch';
import { migrate } from '../db/migrate';
import { seedUsers } from '../demo/seed';
import { DomainError } from '../errors';
import { syncCatalog } from '../sources/catalog';

const EXIT = { ok: 0, failed: 1, usage: 2, database: 3, rejected: 4 } as const;

class UsageError extends Error {}

type Options = Record<string, string | boolean | string[] | undefined>;
type Command = {
  summary: string;
  usage: string;
  options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>;
  run(options: Options): Promise<{ json: unknown; text: string }>;
};

const required = (options: Options, name: string): string => {
  const value = options[name];
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required.`);
  return value;
};
const wholeNumber = (options: Options, name: string, fallback?: number): number => {
  const raw = options[name];
  if (raw === undefined && fallback !== undefined) return fallback;
  const value = Number(raw);
  if (typeof raw !== 'string' || !Number.isSafeInteger(value) || value < 0) throw new UsageError(`--${name} takes a whole number.`);
  return value;
};

const table = (rows: string[][]) => {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
};

const COMMANDS: Record<string, Command> = {
  'apps:create': {
    summary: 'Create an app; prints its clientId, client secret and first App Key (shown once).',
    usage: 'apps:create --name NAME [--owner EMAIL] [--origin URL ...] [--json]',
    options: { name: { type: 'string' }, owner: { type: 'string' }, origin: { type: 'string', multiple: true } },
    async run(o) {
      const created = await createApp(operator, { name: required(o, 'name'), ownerEmail: o.owner as string | undefined, connectOrigins: (o.origin as string[] | undefined) ?? [] });
      const json = { clientId: created.app.clientId, name: created.app.name, owner: created.app.ownerEmail, clientSecret: created.clientSecret, appKey: created.appKey };
      return { json, text: `Created ${json.name}\n  clientId      ${json.clientId}\n  clientSecret  ${json.clientSecret}\n  App Key       ${json.appKey}\nStore the secret and key now: they are not shown again.` };
    },
  },
  'apps:list': {
    summary: 'List all apps.',
    usage: 'apps:list [--json]',
    options: {},
    async run() {
      const apps = await listApps(operator);
      const json = apps.map((a) => ({ clientId: a.clientId, name: a.name, owner: a.ownerEmail, createdAt: a.createdAt.toISOString() }));
      return { json, text: apps.length ? table([['CLIENT ID', 'NAME', 'OWNER', 'CREATED'], ...json.map((a) => [a.clientId, a.name, a.owner, a.createdAt])]) : 'No apps yet.' };
    },
  },
  'keys:create': {
    summary: 'Create another App Key for an app (shown once).',
    usage: 'keys:create --app CLIENT_ID [--label LABEL] [--json]',
    options: { app: { type: 'string' }, label: { type: 'string' } },
    async run(o) {
      const { key, secret } = await createKey(operator, required(o, 'app'), (o.label as string | undefined) ?? '');
      return { json: { id: key.id, label: key.label, appKey: secret }, text: `App Key ${key.id}: ${secret}\nStore it now: it is not shown again.` };
    },
  },
  'keys:list': {
    summary: "List an app's keys (hints only, never the keys).",
    usage: 'keys:list --app CLIENT_ID [--json]',
    options: { app: { type: 'string' } },
    async run(o) {
      const keys = await listKeys(operator, required(o, 'app'));
      const json = keys.map((k) => ({ id: k.id, label: k.label, hint: k.hint, createdAt: k.createdAt.toISOString(), lastUsedAt: k.lastUsedAt?.toISOString() ?? null, revokedAt: k.revokedAt?.toISOString() ?? null }));
      return { json, text: table([['ID', 'HINT', 'LABEL', 'LAST USED', 'REVOKED'], ...json.map((k) => [String(k.id), k.hint, k.label, k.lastUsedAt ?? '-', k.revokedAt ?? '-'])]) };
    },
  },
  'keys:revoke': {
    summary: 'Revoke an App Key, named by its id or its hint prefix (e.g. whk_3fA9).',
    usage: 'keys:revoke --app CLIENT_ID --key ID|PREFIX [--json]',
    options: { app: { type: 'string' }, key: { type: 'string' } },
    async run(o) {
      const key = await revokeKey(operator, required(o, 'app'), required(o, 'key'));
      return { json: { id: key.id, hint: key.hint, revokedAt: key.revokedAt?.toISOString() }, text: `Revoked key ${key.id} (${key.hint}).` };
    },
  },
  'admin:create': {
    summary: 'Create an admin account for the portal; the password comes from stdin (or ADMIN_PASSWORD).',
    usage: 'admin:create --email EMAIL [--name NAME] [--json]   (password: typed, piped on stdin, or ADMIN_PASSWORD)',
    // --password is declared only to refuse it with a reason rather than "unknown option".
    options: { email: { type: 'string' }, name: { type: 'string' }, password: { type: 'string' } },
    async run(o) {
      if (o.password !== undefined) {
        throw new UsageError('admin:create does not take --password: a command line is visible to every user (ps) and kept in shell history. Type it when asked, pipe it on stdin, or set ADMIN_PASSWORD.');
      }
      const email = required(o, 'email');
      const password = config().ADMIN_PASSWORD ?? (await readPassword());
      if (!password) throw new UsageError('No password: type it when asked, pipe it on stdin, or set ADMIN_PASSWORD.');
      const account = await createAccount(operator, { email, password, name: o.name as string | undefined, role: 'admin' });
      return { json: { id: account.id, email: account.email, role: account.role }, text: `Created admin ${account.email}.` };
    },
  },
  'accounts:create': {
    summary: 'Create a portal account (a developer unless --role admin); the password comes from stdin (or ADMIN_PASSWORD).',
    usage: 'accounts:create --email EMAIL [--name NAME] [--role developer|admin] [--json]   (password: typed, piped on stdin, or ADMIN_PASSWORD)',
    options: { email: { type: 'string' }, name: { type: 'string' }, role: { type: 'string' }, password: { type: 'string' } },
    async run(o) {
      if (o.password !== undefined) {
        throw new UsageError('accounts:create does not take --password: a command line is visible to every user (ps) and kept in shell history. Type it when asked, pipe it on stdin, or set ADMIN_PASSWORD.');
      }
      const email = required(o, 'email');
      const role = (o.role as string | undefined) ?? 'developer';
      if (role !== 'developer' && role !== 'admin') throw new UsageError('--role is developer or admin.');
      const password = config().ADMIN_PASSWORD ?? (await readPassword());
      if (!password) throw new UsageError('No password: type it when asked, pipe it on stdin, or set ADMIN_PASSWORD.');
      const account = await createAccount(operator, { email, password, name: o.name as string | undefined, role });
      return { json: { id: account.id, email: account.email, role: account.role }, text: `Created ${account.role} ${account.email}.` };
    },
  },
  'apps:connect': {
    summary: "Show or change an app's Connect settings: origins, redirect URLs, sources, end-user sign-in (OIDC).",
    usage: 'apps:connect --app CLIENT_ID [--origin URL ...|--no-origins] [--redirect-url URL ...|--no-redirect-urls] ' +
      '[--source ID ...|--all-sources] [--oidc-issuer URL --oidc-client-id ID|--no-oidc] [--json]   ' +
      '(OIDC client secret: typed, piped on stdin, or WEARHOUSE_OIDC_CLIENT_SECRET)',
    // --oidc-client-secret is declared only to refuse it with a reason rather than "unknown option".
    options: {
      app: { type: 'string' },
      origin: { type: 'string', multiple: true },
      'no-origins': { type: 'boolean' },
      'redirect-url': { type: 'string', multiple: true },
      'no-redirect-urls': { type: 'boolean' },
      source: { type: 'string', multiple: true },
      'all-sources': { type: 'boolean' },
      'oidc-issuer': { type: 'string' },
      'oidc-client-id': { type: 'string' },
      'oidc-client-secret': { type: 'string' },
      'no-oidc': { type: 'boolean' },
    },
    async run(o) {
      if (o['oidc-client-secret'] !== undefined) {
        throw new UsageError('apps:connect does not take --oidc-client-secret: a command line is visible to every user (ps) and kept in shell history. Type it when asked, pipe it on stdin, or set WEARHOUSE_OIDC_CLIENT_SECRET.');
      }
      const clientId = required(o, 'app');
      const list = (name: string, none: string): string[] | undefined => {
        const values = o[name] as string[] | undefined;
        if (values && o[none]) throw new UsageError(`--${name} and --${none} do not go together.`);
        return o[none] ? [] : values;
      };
      const change: ConnectSettingsChange = {};
      const origins = list('origin', 'no-origins');
      if (origins) change.connectOrigins = origins;
      const redirects = list('redirect-url', 'no-redirect-urls');
      if (redirects) change.connectRedirectUrls = redirects;
      const sources = o.source as string[] | undefined;
      if (sources && o['all-sources']) throw new UsageError('--source and --all-sources do not go together.');
      if (sources) change.enabledSources = sources;
      if (o['all-sources']) change.enabledSources = null;
      const issuer = o['oidc-issuer'] as string | undefined;
      const oidcClientId = o['oidc-client-id'] as string | undefined;
      if ((issuer || oidcClientId) && o['no-oidc']) throw new UsageError('--oidc-issuer and --no-oidc do not go together.');
      if (o['no-oidc']) change.oidc = null;
      if (issuer || oidcClientId) {
        if (!issuer || !oidcClientId) throw new UsageError('End-user sign-in needs both --oidc-issuer and --oidc-client-id (and the client secret on stdin).');
        const secret = process.env.WEARHOUSE_OIDC_CLIENT_SECRET || (await readPassword('OIDC client secret: '));
        if (!secret) throw new UsageError('No OIDC client secret: type it when asked, pipe it on stdin, or set WEARHOUSE_OIDC_CLIENT_SECRET.');
        change.oidc = { issuer, clientId: oidcClientId, clientSecret: secret };
      }
      const settings: ConnectSettings = Object.keys(change).length
        ? await updateConnectSettings(operator, clientId, change)
        : await connectSettings(operator, clientId);
      const { appId: _, ...json } = settings;
      const text = [
        `Connect settings of ${json.appName} (${json.clientId})`,
        `  origins        ${json.connectOrigins.join(' ') || '-'}`,
        `  redirect URLs  ${json.connectRedirectUrls.join(' ') || '-'}`,
        `  sources        ${json.enabledSources === null ? 'all' : json.enabledSources.join(' ') || 'none'}`,
        `  sign-in        ${json.oidcIssuer ? `OIDC through ${json.oidcIssuer}` : 'off'}`,
      ].join('\n');
      return { json, text };
    },
  },
  seed: {
    summary: 'Add demo users (1–3 demo sources each, D days of readings) to an app.',
    usage: 'seed --app CLIENT_ID --users N [--days D] [--seed S] [--json]',
    options: { app: { type: 'string' }, users: { type: 'string' }, days: { type: 'string' }, seed: { type: 'string' } },
    async run(o) {
      const total = wholeNumber(o, 'users');
      const days = wholeNumber(o, 'days', 0);
      const started = Date.now();
      const showProgress = process.stderr.isTTY && !o.json;
      const result = await seedUsers(operator, required(o, 'app'), {
        users: total,
        days,
        seed: wholeNumber(o, 'seed', config().WEARHOUSE_DEMO_SEED),
        onProgress: showProgress
          ? (done) => {
              const rate = Math.round(done / ((Date.now() - started) / 1000));
              process.stderr.write(`\r  ${done.toLocaleString('en')} / ${total.toLocaleString('en')} users (${rate.toLocaleString('en')}/s)   `);
            }
          : undefined,
      });
      if (showProgress) process.stderr.write('\n');
      const seconds = (Date.now() - started) / 1000;
      return {
        json: { ...result, seconds },
        text: `Seeded ${result.users.toLocaleString('en')} users, ${result.connections.toLocaleString('en')} connections, ${result.readings.toLocaleString('en')} readings in ${seconds.toFixed(1)} s.`,
      };
    },
  },
  'audit:list': {
    summary: "An app's audit log, newest first.",
    usage: 'audit:list --app CLIENT_ID [--action ACTION] [--limit N] [--json]',
    options: { app: { type: 'string' }, action: { type: 'string' }, limit: { type: 'string' } },
    async run(o) {
      const entries = await listAuditEntries(operator, required(o, 'app'), { action: o.action as string | undefined, limit: wholeNumber(o, 'limit', 50) });
      const json = entries.map((e) => ({ ...e, at: e.at.toISOString() }));
      return { json, text: json.length ? table([['AT', 'ACTOR', 'ACTION', 'TARGET'], ...json.map((e) => [e.at, e.actor, e.action, e.target ?? ''])]) : 'No audit entries.' };
    },
  },
  'db:migrate': {
    summary: 'Apply pending database migrations (npm start does this too).',
    usage: 'db:migrate [--json]',
    options: {},
    async run() {
      return { json: { applied: lastMigrationCount }, text: `Applied ${lastMigrationCount} migration(s); the database is up to date.` };
    },
  },
};

let lastMigrationCount = 0;

/** A password (or other secret) from stdin: asked for without echo on a terminal, else the piped text (one line). */
async function readPassword(prompt = 'Password: '): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    let text = '';
    for await (const chunk of stdin) text += chunk;
    return text.replace(/\r?\n$/, '');
  }
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  return new Promise((resolve) => {
    let typed = '';
    const onData = (keys: string) => {
      for (const key of keys) {
        if (key === '\u0003') process.exit(130); // Ctrl-C
        if (key === '\r' || key === '\n' || key === '\u0004') {
          stdin.setRawMode(false);
          stdin.off('data', onData);
          stdin.pause();
          process.stderr.write('\n');
          return resolve(typed);
        }
        typed = key === '\u007f' || key === '\b' ? typed.slice(0, -1) : typed + key;
      }
    };
    stdin.on('data', onData);
  });
}

function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  return [
    'Usage: npm run wearhouse -- <command> [options]',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    'Every command takes --json (machine-readable output) and --help.',
    'Database: DATABASE_URL if set, else the embedded database in WEARHOUSE_DATA_DIR (default .data),',
    'through the running server or, when none runs, one started for the command.',
    '',
    'Exit codes: 0 done, 1 failed, 2 bad usage, 3 database unavailable, 4 refused (not found, exists, invalid).',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(help());
    return name ? EXIT.ok : EXIT.usage;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`Unknown command "${name}".\n\n${help()}`);
    return EXIT.usage;
  }
  let options: Options;
  try {
    options = parseArgs({ args: rest, options: { ...command.options, json: { type: 'boolean' }, help: { type: 'boolean' } }, strict: true }).values;
  } catch (error) {
    console.error(`${(error as Error).message}\nUsage: npm run wearhouse -- ${command.usage}`);
    return EXIT.usage;
  }
  if (options.help) {
    console.log(`${command.summary}\nUsage: npm run wearhouse -- ${command.usage}`);
    return EXIT.ok;
  }

  let embedded: EmbeddedDatabase | undefined;
  try {
    if (!config().DATABASE_URL) {
      ensureKeyFile();
      embedded = await openEmbedded(config().dataDir);
    }
    lastMigrationCount = await migrate(getDb());
    await syncCatalog(getDb());
    const { json, text } = await command.run(options);
    console.log(options.json ? JSON.stringify(json, null, 2) : text);
    return EXIT.ok;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (options.json) console.log(JSON.stringify({ error: { message, kind: error instanceof DomainError ? error.kind : 'failed' } }));
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
