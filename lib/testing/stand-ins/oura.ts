// A local stand-in for Oura (OAuth2 and API v2) on a loopback port, speaking Oura's documented
// protocol: authorize (redirects back with code and state), token (authorization_code and
// refresh_token grants, client credentials as form fields or HTTP Basic, single-use refresh
// tokens), revoke (?access_token=…), and the usercollection endpoints heartrate, daily_activity,
// sleep and daily_spo2 in Oura's response shapes, paged by next_token. The data is generated, a
// pure function of the user and the time, so tests can compute what a sync must store. Access
// tokens expire (401), scopes a user declined answer 403, and a per-token rate limit, or a switch,
// answers 429 with Retry-After. Counters let tests see what a connector asked for.
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const MINUTE = 60_000;
const DAY = 86_400_000;
const HEART_RATE_STEP = 5 * MINUTE;

/** Oura's eight scopes (its OpenAPI document spells the last `spo2Daily`; both are accepted). */
export const OURA_STAND_IN_SCOPES = ['email', 'personal', 'daily', 'heartrate', 'workout', 'tag', 'session', 'spo2'] as const;

export type OuraCollection = 'heartrate' | 'daily_activity' | 'sleep' | 'daily_spo2';
const COLLECTION_SCOPE: Record<OuraCollection, string> = { heartrate: 'heartrate', daily_activity: 'daily', sleep: 'daily', daily_spo2: 'spo2' };
/** Oura refuses heartrate windows longer than this. */
export const OURA_HEART_RATE_MAX_RANGE_MS = 30 * DAY;

export type OuraStandInUser = {
  id: string;
  /** When the user started wearing the ring: no data before. */
  since: Date;
  /** The user's (fixed) UTC offset in minutes. */
  tzOffsetMinutes: number;
  /** Scopes the user switches off on the consent screen. */
  declinedScopes: string[];
};

export type OuraStandInCounters = {
  authorizations: number;
  codeExchanges: number;
  refreshes: number;
  revocations: number;
  /** Requests to the data endpoints, answered or not. */
  dataRequests: number;
  byCollection: Record<OuraCollection, number>;
  unauthorized: number;
  forbidden: number;
  rateLimited: number;
};

export type OuraDataRequest = { collection: OuraCollection; query: Record<string, string>; status: number };

type Failure = { collection: OuraCollection; skip: number; with: 'malformed' | 'not-json' | number };
type Grant = { userId: string; clientId: string; scopes: string[]; revoked: boolean };
type AccessToken = { grant: Grant; expiresAt: number };

export type OuraStandIn = {
  /** The one base URL of both Oura hosts (cloud.ouraring.com and api.ouraring.com). */
  url: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  revocationEndpoint: string;
  client: { clientId: string; clientSecret: string; redirectUris: string[] };
  counters: OuraStandInCounters;
  /** Every data request in order, with its query and the status answered. */
  requests: OuraDataRequest[];
  /** The stand-in's clock: data exists up to it, tokens expire by it. */
  now(): Date;
  setNow(now: Date): void;
  /** A user with `historyDays` of data up to now. Authorizations sign in the last user added. */
  addUser(options: { id?: string; historyDays: number; tzOffsetMinutes?: number; declinedScopes?: string[] }): OuraStandInUser;
  /** Register another redirect URI (a server whose port is known only once it listens). */
  addRedirectUri(uri: string): void;
  /** The user the next authorizations sign in (a test's stand-in for someone typing a password);
   * a request header `X-Test-Account: <user id>` on the authorize request overrides it. */
  signIn(userId: string): void;
  /** Documents of a collection in a range, as the API would answer them (all pages). */
  documents(userId: string, collection: OuraCollection, range: { from: Date; to: Date }): Record<string, unknown>[];
  /** Data responses per page (default heartrate 1000, others 50). */
  setPageSize(collection: OuraCollection, size: number): void;
  /** Answer 429 to `count` data requests after the next `after` ones. */
  rateLimit(options: { after?: number; count?: number; retryAfterSeconds: number }): void;
  /** The per-token limit (Oura: 5,000 requests per 300 s). */
  setLimit(requests: number, windowSeconds: number): void;
  /** The collection's request after the next `skip` answers a malformed page, non-JSON, or a status. */
  failNext(failure: { collection: OuraCollection; skip?: number; with: 'malformed' | 'not-json' | number }): void;
  /** Access tokens issued so far expire now (the next data request with one is a 401). */
  expireAccessTokens(): void;
  close(): Promise<void>;
};

/** An FNV-1a hash of the text, scaled to [0, 1): the generated data's only randomness. */
function unit(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return (h >>> 0) / 4294967296;
}

const pad = (n: number) => String(Math.abs(n)).padStart(2, '0');
const dateOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const dayMs = (date: string) => Date.parse(`${date}T00:00:00Z`);
const offsetText = (minutes: number) => `${minutes < 0 ? '-' : '+'}${pad(Math.trunc(minutes / 60))}:${pad(minutes % 60)}`;
/** Oura's LocalizedDateTime: local wall time with the user's offset, to the second. */
const localized = (ms: number, tz: number) => `${new Date(ms + tz * MINUTE).toISOString().slice(0, 19)}${offsetText(tz)}`;
/** Oura's UtcDateTime. */
const utc = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}+00:00`;
const documentId = (...parts: string[]) => createHash('sha256').update(parts.join(':')).digest('hex').slice(0, 32);

type Night = { id: string; day: string; start: number; end: number; type: 'long_sleep' | 'sleep' | 'rest'; doc: () => Record<string, unknown> };

/** The generated life of one user: nights, days and heart rate, all pure functions of the user. */
function lifeOf(user: OuraStandInUser) {
  const tz = user.tzOffsetMinutes;
  const u = (name: string) => unit(`${user.id}:${name}`);
  const restingHeartRate = 50 + u('rest') * 16;
  const localMidnight = (date: string) => dayMs(date) - tz * MINUTE;
  const firstDay = dateOf(user.since.getTime() + tz * MINUTE);
  const nightCache = new Map<string, Night[]>();

  /** The sleep periods belonging to local day `date`: the night ending that morning, a nap on
   * some days, a falsely detected rest on others. */
  function periodsOf(date: string): Night[] {
    let cached = nightCache.get(date);
    if (cached) return cached;
    const midnight = localMidnight(date);
    const r = (name: string) => u(`${date}:${name}`);
    const start = midnight - (60 + r('bed') * 60) * MINUTE;
    const inBed = Math.round(400 + r('len') * 110) * MINUTE; // 6.7–8.5 h in bed
    const end = start + inBed;
    const periods: Night[] = [night(date, 'long_sleep', start, end)];
    if (r('nap') < 0.2) periods.push(night(date, 'sleep', midnight + 14 * 60 * MINUTE, midnight + (14 * 60 + 20 + Math.round(r('naplen') * 40)) * MINUTE));
    if (r('rest') < 0.1) periods.push(night(date, 'rest', midnight + 20 * 60 * MINUTE, midnight + (20 * 60 + 25) * MINUTE));
    cached = periods;
    nightCache.set(date, cached);
    return cached;
  }

  function night(date: string, type: Night['type'], start: number, end: number): Night {
    const id = documentId(user.id, 'sleep', date, type);
    return {
      id, day: date, start, end, type,
      doc: () => {
        const r = (name: string) => u(`${id}:${name}`);
        const timeInBed = Math.round((end - start) / 1000);
        const latency = Math.round(timeInBed * (0.01 + r('lat') * 0.04) / 30) * 30; // a few minutes a night
        const awake = latency + Math.round(timeInBed * (0.04 + r('awake') * 0.06) / 30) * 30;
        const asleep = timeInBed - awake;
        const deep = Math.round(asleep * (0.13 + r('deep') * 0.1) / 30) * 30;
        const rem = Math.round(asleep * (0.18 + r('rem') * 0.08) / 30) * 30;
        const light = asleep - deep - rem;
        return {
          id, day: date, type,
          bedtime_start: localized(start, tz), bedtime_end: localized(end, tz),
          time_in_bed: timeInBed, total_sleep_duration: asleep, awake_time: awake,
          deep_sleep_duration: deep, light_sleep_duration: light, rem_sleep_duration: rem,
          latency, efficiency: Math.round((asleep / timeInBed) * 100),
          average_breath: Math.round((13 + r('breath') * 4) * 1000) / 1000,
          average_heart_rate: Math.round((restingHeartRate + 2 + r('ahr') * 4) * 1000) / 1000,
          lowest_heart_rate: Math.round(restingHeartRate - 3 + r('lhr') * 3),
          average_hrv: Math.round(25 + r('hrv') * 50),
          low_battery_alert: false, period: type === 'long_sleep' ? 0 : 1,
          restless_periods: Math.round(r('restless') * 300),
          readiness: null, readiness_score_delta: null, sleep_score_delta: null,
          sleep_algorithm_version: 'v2', sleep_analysis_reason: 'foreground_sleep_analysis',
          sleep_phase_5_min: null, movement_30_sec: null, ring_id: null,
          heart_rate: null, hrv: null,
        };
      },
    };
  }

  const isAsleep = (t: number) => {
    const date = dateOf(t + tz * MINUTE);
    const next = dateOf(t + tz * MINUTE + DAY);
    return [...periodsOf(date), ...periodsOf(next)].some((p) => p.type !== 'rest' && t >= p.start && t < p.end);
  };

  return {
    firstDay,
    localMidnight,
    /** Days that have begun by `now`, from the first. */
    days(fromDate: string, toDate: string, now: number): string[] {
      const out: string[] = [];
      const lastStarted = dateOf(now + tz * MINUTE);
      const from = Math.max(dayMs(fromDate), dayMs(firstDay));
      const to = Math.min(dayMs(toDate), dayMs(lastStarted));
      for (let d = from; d <= to; d += DAY) out.push(dateOf(d));
      return out;
    },
    dailyActivity(date: string): Record<string, unknown> {
      const r = (name: string) => u(`${date}:act:${name}`);
      const steps = Math.round(3_000 + r('steps') * 11_000);
      const high = Math.round(r('high') * 30) * 60;
      const medium = Math.round(10 + steps / 250 + r('med') * 20) * 60;
      const low = Math.round(120 + r('low') * 180) * 60;
      const active = Math.round(steps * 0.035 + high / 60 * 8);
      return {
        id: documentId(user.id, 'daily_activity', date), day: date,
        timestamp: localized(localMidnight(date) + 4 * 60 * MINUTE, tz),
        score: Math.round(60 + r('score') * 40), steps, active_calories: active,
        total_calories: 1_650 + active, target_calories: 500, target_meters: 9_000,
        equivalent_walking_distance: Math.round(steps * 0.78), meters_to_target: Math.max(0, 9_000 - Math.round(steps * 0.78)),
        high_activity_time: high, medium_activity_time: medium, low_activity_time: low,
        high_activity_met_minutes: Math.round(high / 60 * 8), medium_activity_met_minutes: Math.round(medium / 60 * 4.5),
        low_activity_met_minutes: Math.round(low / 60 * 2.5), sedentary_met_minutes: 40,
        sedentary_time: 30_000, resting_time: 28_000, non_wear_time: 2_700, inactivity_alerts: Math.round(r('alerts') * 3),
        average_met_minutes: Math.round((1.3 + r('met') * 0.6) * 1000) / 1000,
        met: { interval: 60, items: [], timestamp: localized(localMidnight(date) + 4 * 60 * MINUTE, tz) },
        class_5_min: null,
        contributors: { meet_daily_targets: 80, move_every_hour: 90, recovery_time: 95, stay_active: 70, training_frequency: 80, training_volume: 75 },
      };
    },
    /** Nights whose period has ended by `now`. */
    sleeps(date: string, now: number) {
      return periodsOf(date).filter((p) => p.end <= now);
    },
    dailySpo2(date: string): Record<string, unknown> {
      const r = (name: string) => u(`${date}:spo2:${name}`);
      // Some nights have no SpO2 measurement: Oura sends the day with a null aggregate.
      const measured = r('measured') >= 0.12;
      return {
        id: documentId(user.id, 'daily_spo2', date), day: date,
        spo2_percentage: measured ? { average: Math.round((95 + r('avg') * 4) * 1000) / 1000 } : null,
        breathing_disturbance_index: measured ? Math.round(r('bdi') * 20) : null,
      };
    },
    /** Samples every five minutes from the first day, but for a charging break each evening. */
    heartRate(fromMs: number, toMs: number): Record<string, unknown>[] {
      const base = user.since.getTime() + Math.round(u('phase') * 299) * 1000;
      const out: Record<string, unknown>[] = [];
      const first = Math.max(0, Math.ceil((fromMs - base) / HEART_RATE_STEP));
      for (let t = base + first * HEART_RATE_STEP; t <= toMs; t += HEART_RATE_STEP) {
        const localMinute = Math.floor(((t + tz * MINUTE) % DAY) / MINUTE);
        if (localMinute >= 18 * 60 && localMinute < 18 * 60 + 45) continue; // charging
        const asleep = isAsleep(t);
        const noise = unit(`${user.id}:hr:${t}`);
        const hour = localMinute / 60;
        const workout = !asleep && hour >= 17 && hour < 18 && unit(`${user.id}:${dateOf(t + tz * MINUTE)}:workout`) < 0.4;
        const bpm = asleep ? restingHeartRate - 3 + noise * 6
          : workout ? 120 + noise * 40
            : restingHeartRate + 12 + Math.sin(((hour - 6) / 24) * 2 * Math.PI) * 8 + noise * 14;
        out.push({ bpm: Math.round(bpm), source: asleep ? 'sleep' : workout ? 'workout' : noise < 0.15 ? 'rest' : 'awake', timestamp: utc(t), timestamp_unix: t });
      }
      return out;
    },
  };
}

export async function startOuraStandIn(options: {
  /** Where the stand-in may send people back to (Wearhouse's callback URLs). */
  redirectUris?: string[];
  client?: { clientId: string; clientSecret: string };
  /** Access tokens' lifetime (Oura: a day). */
  accessTokenSeconds?: number;
  now?: Date;
} = {}): Promise<OuraStandIn> {
  const client = {
    clientId: options.client?.clientId ?? 'OURA-STAND-IN-CLIENT',
    clientSecret: options.client?.clientSecret ?? randomBytes(24).toString('base64url'),
    redirectUris: options.redirectUris ?? ['http://127.0.0.1/connect/callback/oura'],
  };
  const accessTokenSeconds = options.accessTokenSeconds ?? 86_400;
  let clock: number | null = options.now ? options.now.getTime() : null;
  const now = () => clock ?? Date.now();

  const users = new Map<string, { user: OuraStandInUser; life: ReturnType<typeof lifeOf> }>();
  let signedIn: string | null = null;
  const codes = new Map<string, { grant: Grant; redirectUri: string | null; challenge: string | null; expiresAt: number }>();
  const accessTokens = new Map<string, AccessToken>();
  const refreshTokens = new Map<string, Grant>();
  const pageSizes: Record<OuraCollection, number> = { heartrate: 1_000, daily_activity: 50, sleep: 50, daily_spo2: 50 };
  let forced: { after: number; count: number; retryAfterSeconds: number } | null = null;
  let limit = { requests: 5_000, windowMs: 300_000 };
  const recent = new Map<string, number[]>();
  const failures: Failure[] = [];
  const counters: OuraStandInCounters = {
    authorizations: 0, codeExchanges: 0, refreshes: 0, revocations: 0, dataRequests: 0,
    byCollection: { heartrate: 0, daily_activity: 0, sleep: 0, daily_spo2: 0 },
    unauthorized: 0, forbidden: 0, rateLimited: 0,
  };
  const requests: OuraDataRequest[] = [];
  const generated = new Map<string, Record<string, unknown>[]>();

  function documents(userId: string, collection: OuraCollection, range: { from: Date; to: Date }, at = now()): Record<string, unknown>[] {
    const entry = users.get(userId);
    if (!entry) throw new Error(`No stand-in user ${userId}.`);
    const { life } = entry;
    const from = range.from.getTime();
    const to = Math.min(range.to.getTime(), at);
    if (collection === 'heartrate') return life.heartRate(Math.max(from, entry.user.since.getTime()), to);
    const days = life.days(dateOf(from), dateOf(range.to.getTime()), at);
    if (collection === 'daily_activity') return days.filter((d) => life.localMidnight(d) + DAY <= at).map((d) => life.dailyActivity(d));
    if (collection === 'daily_spo2') return days.filter((d) => life.sleeps(d, at).some((p) => p.type === 'long_sleep')).map((d) => life.dailySpo2(d));
    return days.flatMap((d) => life.sleeps(d, at)).sort((a, b) => a.start - b.start).map((p) => p.doc());
  }

  const issueTokens = (grant: Grant) => {
    const accessToken = randomBytes(24).toString('base64url');
    const refreshToken = randomBytes(24).toString('base64url');
    accessTokens.set(accessToken, { grant, expiresAt: now() + accessTokenSeconds * 1000 });
    refreshTokens.set(refreshToken, grant);
    return { token_type: 'bearer', access_token: accessToken, expires_in: accessTokenSeconds, refresh_token: refreshToken, scope: grant.scopes.join(' ') };
  };

  const send = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
    res.end(JSON.stringify(body));
  };

  const readForm = async (req: http.IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
  };

  function authorize(url: URL, req: http.IncomingMessage, res: http.ServerResponse) {
    const q = url.searchParams;
    if (q.get('client_id') !== client.clientId) return send(res, 400, { error: 'invalid_client', error_description: 'Unknown client_id.' });
    const redirectUri = q.get('redirect_uri') ?? (client.redirectUris.length === 1 ? client.redirectUris[0]! : null);
    if (!redirectUri || !client.redirectUris.includes(redirectUri)) return send(res, 400, { error: 'invalid_request', error_description: 'redirect_uri is not registered.' });
    const back = new URL(redirectUri);
    const state = q.get('state');
    if (state !== null) back.searchParams.set('state', state);
    const fail = (error: string) => {
      back.searchParams.set('error', error);
      res.writeHead(302, { location: back.toString() }).end();
    };
    if (q.get('response_type') !== 'code') return fail('unsupported_response_type');
    const requested = (q.get('scope') ?? OURA_STAND_IN_SCOPES.join(' ')).split(/[ +]/).filter(Boolean).map((s) => (s === 'spo2Daily' ? 'spo2' : s));
    if (requested.some((s) => !(OURA_STAND_IN_SCOPES as readonly string[]).includes(s))) return fail('invalid_scope');
    const userId = String(req.headers['x-test-account'] ?? signedIn ?? '');
    const entry = users.get(userId);
    if (!entry) return fail('access_denied');
    const challenge = q.get('code_challenge');
    if (challenge !== null && (q.get('code_challenge_method') ?? 'plain') !== 'S256') return fail('invalid_request');
    counters.authorizations++;
    const code = randomBytes(18).toString('base64url');
    const scopes = requested.filter((s) => !entry.user.declinedScopes.includes(s));
    codes.set(code, { grant: { userId, clientId: client.clientId, scopes, revoked: false }, redirectUri: q.get('redirect_uri'), challenge, expiresAt: now() + 10 * MINUTE });
    back.searchParams.set('code', code);
    back.searchParams.set('scope', scopes.join(' '));
    res.writeHead(302, { location: back.toString() }).end();
  }

  async function token(req: http.IncomingMessage, res: http.ServerResponse) {
    const form = await readForm(req);
    let id = form.get('client_id');
    let secret = form.get('client_secret');
    const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? '');
    if (basic) {
      const [user, pass] = Buffer.from(basic[1]!, 'base64').toString('utf8').split(':');
      id = decodeURIComponent(user ?? '');
      secret = decodeURIComponent(pass ?? '');
    }
    if (id !== client.clientId || secret !== client.clientSecret) return send(res, 401, { error: 'invalid_client' });
    const grantType = form.get('grant_type');
    if (grantType === 'authorization_code') {
      const code = codes.get(form.get('code') ?? '');
      codes.delete(form.get('code') ?? '');
      if (!code || code.expiresAt < now()) return send(res, 400, { error: 'invalid_grant', error_description: 'Unknown, used or expired code.' });
      if (code.redirectUri !== null && form.get('redirect_uri') !== code.redirectUri) return send(res, 400, { error: 'invalid_grant', error_description: 'redirect_uri differs.' });
      if (code.challenge !== null) {
        const verifier = form.get('code_verifier') ?? '';
        if (createHash('sha256').update(verifier).digest('base64url') !== code.challenge) return send(res, 400, { error: 'invalid_grant', error_description: 'PKCE verification failed.' });
      }
      counters.codeExchanges++;
      return send(res, 200, issueTokens(code.grant));
    }
    if (grantType === 'refresh_token') {
      const presented = form.get('refresh_token') ?? '';
      const grant = refreshTokens.get(presented);
      refreshTokens.delete(presented); // single use
      if (!grant || grant.revoked) return send(res, 400, { error: 'invalid_grant', error_description: 'Unknown, used or revoked refresh token.' });
      counters.refreshes++;
      return send(res, 200, issueTokens(grant));
    }
    return send(res, 400, { error: 'unsupported_grant_type' });
  }

  function revoke(url: URL, res: http.ServerResponse) {
    const entry = accessTokens.get(url.searchParams.get('access_token') ?? '');
    if (!entry || entry.grant.revoked) return send(res, 401, { detail: 'Invalid or expired authentication token.' });
    entry.grant.revoked = true;
    counters.revocations++;
    send(res, 200, {});
  }

  function data(collection: OuraCollection, url: URL, req: http.IncomingMessage, res: http.ServerResponse) {
    counters.dataRequests++;
    counters.byCollection[collection]++;
    const query = Object.fromEntries(url.searchParams);
    const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      requests.push({ collection, query, status });
      if (status === 401) counters.unauthorized++;
      if (status === 403) counters.forbidden++;
      if (status === 429) counters.rateLimited++;
      send(res, status, body, headers);
    };
    const tooMany = (retryAfterSeconds: number) => answer(429, { detail: 'Request Rate Limit Exceeded.' }, {
      'retry-after': String(retryAfterSeconds), 'x-ratelimit-limit': String(limit.requests),
      'x-ratelimit-window': String(limit.windowMs / 1000), 'x-ratelimit-reset': String(Math.ceil(now() / 1000) + retryAfterSeconds),
      'x-ratelimit-tier': 'token',
    });
    if (forced) {
      if (forced.after > 0) forced.after--;
      else {
        const { retryAfterSeconds } = forced;
        if (--forced.count <= 0) forced = null;
        return tooMany(retryAfterSeconds);
      }
    }
    const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
    const access = accessTokens.get(bearer);
    if (!access || access.grant.revoked || access.expiresAt <= now()) return answer(401, { detail: 'Invalid or expired authentication token.' });
    const times = (recent.get(bearer) ?? []).filter((t) => t > now() - limit.windowMs);
    if (times.length >= limit.requests) return tooMany(Math.max(1, Math.ceil((times[0]! + limit.windowMs - now()) / 1000)));
    times.push(now());
    recent.set(bearer, times);
    if (!access.grant.scopes.includes(COLLECTION_SCOPE[collection])) return answer(403, { detail: 'The requested resource requires additional permissions.' });

    let malformed = false;
    const failureIndex = failures.findIndex((f) => f.collection === collection);
    const failure = failures[failureIndex];
    if (failure && failure.skip > 0) failure.skip--;
    else if (failure) {
      failures.splice(failureIndex, 1);
      if (typeof failure.with === 'number') return answer(failure.with, { detail: 'Injected failure.' });
      if (failure.with === 'not-json') {
        requests.push({ collection, query, status: 200 });
        res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Bad gateway</body></html>');
        return;
      }
      malformed = true;
    }

    let from: number;
    let to: number;
    if (collection === 'heartrate') {
      to = query.end_datetime ? Date.parse(query.end_datetime) : now();
      from = query.start_datetime ? Date.parse(query.start_datetime) : to - DAY;
      if (Number.isNaN(from) || Number.isNaN(to)) return answer(400, { detail: 'Invalid start_datetime or end_datetime.' });
      if (to - from > OURA_HEART_RATE_MAX_RANGE_MS) return answer(400, { detail: 'Maximum allowed range is 30 days.' });
    } else {
      const end = query.end_date ? dayMs(query.end_date.slice(0, 10)) : dayMs(dateOf(now()));
      const start = query.start_date ? dayMs(query.start_date.slice(0, 10)) : end - 7 * DAY;
      if (Number.isNaN(start) || Number.isNaN(end)) return answer(400, { detail: 'Invalid start_date or end_date.' });
      from = start;
      to = end; // end_date inclusive: days are picked by date below
    }
    if (from > to) return answer(400, { detail: 'Start date is greater than end date.' });

    // next_token: the offset, the range it belongs to and the moment of the first page (later pages
    // page through the same snapshot, as a cursor would), opaque to clients.
    let offset = 0;
    let snapshot = now();
    if (query.next_token) {
      try {
        const parsed = JSON.parse(Buffer.from(query.next_token, 'base64url').toString('utf8')) as { c: string; o: number; f: number; t: number; n: number };
        if (parsed.c !== collection || parsed.f !== from || parsed.t !== to || !Number.isSafeInteger(parsed.o) || !Number.isSafeInteger(parsed.n)) throw new Error('mismatch');
        offset = parsed.o;
        snapshot = parsed.n;
      } catch {
        return answer(400, { detail: 'Invalid next_token.' });
      }
    }
    // The pages of one range come from one generation of it (regenerating a month of heart rate
    // for each of its pages made the stand-in, not the connector, the slow side of a backfill).
    const key = `${access.grant.userId}:${collection}:${from}:${to}:${snapshot}`;
    let all = generated.get(key);
    if (!all) {
      all = documents(access.grant.userId, collection, { from: new Date(from), to: new Date(collection === 'heartrate' ? to : to + DAY - 1) }, snapshot);
      generated.set(key, all);
      if (generated.size > 16) generated.delete(generated.keys().next().value!);
    }
    const size = pageSizes[collection];
    const page = all.slice(offset, offset + size).map((doc) => ({ ...doc }));
    const next = offset + size < all.length ? Buffer.from(JSON.stringify({ c: collection, o: offset + size, f: from, t: to, n: snapshot })).toString('base64url') : null;
    if (malformed && page.length > 0) {
      // A page that breaks the documented shape: a number field sent as text.
      const field = collection === 'heartrate' ? 'bpm' : collection === 'daily_activity' ? 'steps' : collection === 'sleep' ? 'total_sleep_duration' : 'spo2_percentage';
      page[Math.floor(page.length / 2)] = { ...page[Math.floor(page.length / 2)], [field]: 'n/a' };
    }
    answer(200, { data: page, next_token: next });
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    void (async () => {
      if (req.method === 'GET' && url.pathname === '/oauth/authorize') return authorize(url, req, res);
      if (req.method === 'POST' && url.pathname === '/oauth/token') return token(req, res);
      if ((req.method === 'GET' || req.method === 'POST') && url.pathname === '/oauth/revoke') return revoke(url, res);
      const match = /^\/v2\/usercollection\/(heartrate|daily_activity|sleep|daily_spo2)$/.exec(url.pathname);
      if (req.method === 'GET' && match) return data(match[1] as OuraCollection, url, req, res);
      send(res, 404, { detail: 'Not Found' });
    })().catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, { detail: String(error) });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: base,
    authorizationEndpoint: `${base}/oauth/authorize`,
    tokenEndpoint: `${base}/oauth/token`,
    revocationEndpoint: `${base}/oauth/revoke`,
    client,
    counters,
    requests,
    now: () => new Date(now()),
    setNow(at) {
      clock = at.getTime();
    },
    addUser({ id, historyDays, tzOffsetMinutes = 0, declinedScopes = [] }) {
      const userId = id ?? `OURA-${randomBytes(6).toString('hex').toUpperCase()}`;
      const user: OuraStandInUser = { id: userId, since: new Date(now() - historyDays * DAY), tzOffsetMinutes, declinedScopes: declinedScopes.map((s) => (s === 'spo2Daily' ? 'spo2' : s)) };
      users.set(userId, { user, life: lifeOf(user) });
      signedIn = userId;
      return user;
    },
    addRedirectUri(uri) {
      if (!client.redirectUris.includes(uri)) client.redirectUris.push(uri);
    },
    signIn(userId) {
      if (!users.has(userId)) throw new Error(`No stand-in user ${userId}.`);
      signedIn = userId;
    },
    documents,
    setPageSize(collection, size) {
      pageSizes[collection] = size;
    },
    rateLimit({ after = 0, count = 1, retryAfterSeconds }) {
      forced = { after, count, retryAfterSeconds };
    },
    setLimit(requestsPerWindow, windowSeconds) {
      limit = { requests: requestsPerWindow, windowMs: windowSeconds * 1000 };
    },
    failNext({ collection, skip = 0, with: kind }) {
      failures.push({ collection, skip, with: kind });
    },
    expireAccessTokens() {
      for (const entry of accessTokens.values()) entry.expiresAt = Math.min(entry.expiresAt, now());
    },
    close: () => new Promise<void>((resolve, reject) => {
      server.closeAllConnections();
      server.close((error) => (error ? reject(error) : resolve()));
    }),
  };
}
