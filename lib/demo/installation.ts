// First start on an empty database: the first admin, a demo app with its client secret and App
// Key, and demo users. Their readings are written after the server is ready (and resumed by the
// next start if it is stopped first). Generated credentials are kept in the data folder and shown
// once, on a terminal only.
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ensureFirstAdmin } from '../accounts/accounts';
import { createApp, listApps } from '../apps/apps';
import { operator } from '../auth/caller';
import { seedPendingReadings, seedUsers } from './seed';

export type DemoCredentials = {
  /** password is null when the operator chose it (ADMIN_PASSWORD): it is theirs, not ours to repeat. */
  signIn: { url: string; email: string; password: string | null };
  demoApp: { name: string; clientId: string; clientSecret: string; appKey: string } | null;
};

export const DEMO_USERS = 25;
/** Days of readings for every demo user (five-minute heart rate is most of the data folder)… */
export const DEMO_DAYS = 14;
/** …for sources with a few readings a day (scales, cuffs, glucose meters), which cost little… */
export const DEMO_SPARSE_DAYS = 90;
/** …and for the first user, whose year of five-minute heart rate shows long chart ranges. */
export const DEMO_SHOWCASE_DAYS = 365;

export const credentialsFile = (dataDir: string) => path.join(dataDir, 'demo-credentials.json');
/** Present while the demo's readings are still to be written; removed when they are. */
const readingsPlanFile = (dataDir: string) => path.join(dataDir, 'demo-readings.json');

const ReadingsPlan = z.object({ clientId: z.string(), seed: z.number().int(), end: z.iso.datetime(), days: z.number().int(), firstUserDays: z.number().int(), sparseDays: z.number().int() });

export async function setUpFirstStart(options: {
  baseUrl: string;
  dataDir: string;
  admin: { email?: string; password?: string };
  demo: boolean;
  seed: number;
}): Promise<{ credentials: DemoCredentials; users: number } | null> {
  const admin = await ensureFirstAdmin(options.admin);
  if (!admin) return null; // not a first start
  let demoApp: DemoCredentials['demoApp'] = null;
  let users = 0;
  fs.mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  if (options.demo && (await listApps(operator)).length === 0) {
    const created = await createApp(operator, { name: 'Demo Health App', connectOrigins: [new URL(options.baseUrl).origin] });
    const end = new Date(Math.floor(Date.now() / 60_000) * 60_000);
    // The plan is written before the users: a start interrupted from here on resumes the readings.
    const plan = { clientId: created.app.clientId, seed: options.seed, end: end.toISOString(), days: DEMO_DAYS, firstUserDays: DEMO_SHOWCASE_DAYS, sparseDays: DEMO_SPARSE_DAYS };
    writePrivate(readingsPlanFile(options.dataDir), JSON.stringify(plan) + '\n');
    users = (await seedUsers(operator, created.app.clientId, { users: DEMO_USERS, days: 0, seed: options.seed, end })).users;
    demoApp = { name: created.app.name, clientId: created.app.clientId, clientSecret: created.clientSecret, appKey: created.appKey };
  }
  const credentials: DemoCredentials = {
    signIn: { url: `${options.baseUrl}/sign-in`, email: admin.email, password: options.admin.password ? null : admin.password },
    demoApp,
  };
  writePrivate(credentialsFile(options.dataDir), JSON.stringify(credentials, null, 2) + '\n');
  return { credentials, users };
}

/** Whether the demo still has readings to write (a first start, or one that was interrupted). */
export function hasPendingDemoReadings(dataDir: string): boolean {
  return fs.existsSync(readingsPlanFile(dataDir));
}

/**
 * Write the demo's remaining readings, newest plan first; stops between batches when `signal`
 * aborts (the next start carries on). Returns the readings written, or null when nothing was due.
 */
export async function writeDemoReadings(dataDir: string, signal?: AbortSignal): Promise<number | null> {
  const file = readingsPlanFile(dataDir);
  let raw: string;
  try {
    raw = fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  const plan = ReadingsPlan.parse(JSON.parse(raw));
  const written = await seedPendingReadings(operator, plan.clientId, { ...plan, end: new Date(plan.end), signal });
  if (!signal?.aborted) fs.rmSync(file, { force: true });
  return written;
}

function writePrivate(file: string, content: string) {
  fs.writeFileSync(file, content, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
}

/**
 * What the first start prints. Secrets only on a terminal (a log collector keeps them forever)
 * and only the ones this start generated; otherwise a pointer to the private file.
 */
export function describeCredentials(credentials: DemoCredentials, file: string, isTerminal: boolean): string {
  if (!isTerminal) {
    return [
      '',
      `  Wearhouse is set up. The sign-in (${credentials.signIn.email})${credentials.demoApp ? ' and the demo app\'s credentials' : ''} are in`,
      `  ${file} (readable by you only).`,
      '',
    ].join('\n');
  }
  const lines = [
    '',
    '  Wearhouse is set up. These credentials are shown once; they are also in',
    `  ${file} (readable by you only).`,
    '',
    `  Portal sign-in   ${credentials.signIn.url}`,
    `    email          ${credentials.signIn.email}`,
    `    password       ${credentials.signIn.password ?? '(the ADMIN_PASSWORD you set)'}`,
  ];
  if (credentials.demoApp) {
    lines.push(
      '',
      `  Demo app         ${credentials.demoApp.name}`,
      `    clientId       ${credentials.demoApp.clientId}`,
      `    clientSecret   ${credentials.demoApp.clientSecret}`,
      `    App Key        ${credentials.demoApp.appKey}`,
      '',
      '  Try the Application API:',
      `    curl -u ${credentials.demoApp.appKey}: ${new URL(credentials.signIn.url).origin}/v1/apps/${credentials.demoApp.clientId}/users`,
    );
  }
  return lines.join('\n') + '\n';
}
