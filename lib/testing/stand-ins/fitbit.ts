// A local stand-in for the Fitbit Web API (node:http on a loopback port) speaking its documented
// protocol, so the production OAuth plumbing and connector can be tested end to end:
//   GET  /oauth2/authorize  consent (auto-approved, or refused) → 302 to redirect_uri with code+state
//   POST /oauth2/token      authorization_code (PKCE S256 checked) and refresh_token (single-use
//                           refresh tokens), client authenticated with HTTP Basic
//   POST /oauth2/revoke     RFC 7009: ends the whole grant
//   GET  /1/user/-/profile.json, /1/user/-/activities/heart/date/{d}/1d/1min.json,
//        /1/user/-/activities/steps/date/{start}/{end}.json, /1.2/user/-/sleep/list.json,
//        /1/user/-/body/log/weight/date/{start}/{end}.json   with Bearer access tokens
// Errors use Fitbit's shape ({"errors":[{"errorType","message"}],"success":false}); every data
// answer carries fitbit-rate-limit-* headers and a switch answers 429 with Retry-After.
// https://dev.fitbit.com/build/reference/web-api/
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type FitbitStandInOptions = {
  clientId?: string;
  clientSecret?: string;
  /** Access token lifetime in seconds (Fitbit: 28800). */
  accessTokenTtlSeconds?: number;
  /** The user's time zone offset (profile.offsetFromUTCMillis). */
  offsetFromUTCMillis?: number;
  /** The first and last local dates (YYYY-MM-DD) the user has data for. */
  dataFrom: string;
  dataTo: string;
  /** Minutes of intraday heart rate per day, from local midnight (a full day is 1440). */
  heartRateMinutesPerDay?: number;
  /** Largest page the sleep list answers (Fitbit: 100). */
  maxSleepPageSize?: number;
};

type Grant = { id: string; userId: string; scope: string; revoked: boolean };
type AccessToken = { grant: Grant; expiresAt: number };
type RefreshToken = { grant: Grant; used: boolean };
type Code = { grant: Grant; redirectUri: string; challenge: string | null; expiresAt: number; used: boolean };

export type FitbitStandIn = {
  /** Base URL for both WEARHOUSE_FITBIT_AUTH_URL and WEARHOUSE_FITBIT_API_URL. */
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  /** What the stand-in has seen, for assertions (never the tokens themselves). */
  counts: { authorize: number; codeExchanges: number; refreshes: number; refusedRefreshes: number; revocations: number; dataRequests: number; unauthorizedDataRequests: number; rateLimited: number };
  /** Every data request's path and query, in order. */
  requests: string[];
  /** Tokens issued so far (to check none of them reaches a log). */
  issuedTokens(): string[];
  /** The next authorize answers error=access_denied (the user refused). */
  refuseNextConsent(): void;
  /** The next `count` data requests answer 429 with this Retry-After. */
  rateLimitNext(count: number, retryAfterSeconds: number): void;
  /** Every access token issued so far expires now (the next data request gets 401 expired_token). */
  expireAccessTokens(): void;
  /** End every grant, as if the user removed the app in their Fitbit account. */
  revokeAllGrants(): void;
  activeGrants(): number;
  close(): Promise<void>;
};

const DAY_MS = 86_400_000;
const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const dayMs = (date: string) => Date.parse(`${date}T00:00:00Z`);
const pad = (n: number) => String(n).padStart(2, '0');

/** The user's deterministic data, by local date. */
export function fitbitFixture(date: string, minutes: number) {
  const day = Math.round(dayMs(date) / DAY_MS);
  const heart = Array.from({ length: minutes }, (_, m) => ({ time: `${pad(Math.floor(m / 60))}:${pad(m % 60)}:00`, value: 55 + ((day * 7 + m * 13) % 40) }));
  const steps = 4000 + ((day * 977) % 8000);
  const asleep = 380 + ((day * 31) % 90);
  const sleep = {
    logId: 26_000_000_000 + day,
    dateOfSleep: date,
    startTime: `${isoDate(dayMs(date) - DAY_MS)}T23:${pad(day % 60)}:30.000`,
    endTime: `${date}T07:${pad((day * 3) % 60)}:30.000`,
    duration: (asleep + 30) * 60_000,
    efficiency: 90 + (day % 9),
    isMainSleep: true,
    logType: 'auto_detected',
    minutesAfterWakeup: 0,
    minutesAsleep: asleep,
    minutesAwake: 30,
    minutesToFallAsleep: 0,
    timeInBed: asleep + 30,
    type: 'stages',
    levels: { data: [], shortData: [], summary: {} },
    infoCode: 0,
  };
  // A weigh-in every seventh day, with body fat every other time.
  const weight = day % 7 === 0
    ? { logId: dayMs(date) + 30_000_000, date, time: '08:20:00', weight: 70 + (day % 50) / 10, bmi: 22 + (day % 20) / 10, source: 'Aria', ...(day % 14 === 0 ? { fat: 18 + (day % 30) / 10 } : {}) }
    : null;
  return { heart, steps, sleep, weight };
}

export async function startFitbitStandIn(options: FitbitStandInOptions): Promise<FitbitStandIn> {
  const clientId = options.clientId ?? `23${randomBytes(2).toString('hex').toUpperCase()}`;
  const clientSecret = options.clientSecret ?? randomBytes(16).toString('hex');
  const ttl = options.accessTokenTtlSeconds ?? 28_800;
  const minutes = options.heartRateMinutesPerDay ?? 1440;
  const maxSleepPage = options.maxSleepPageSize ?? 100;
  const codes = new Map<string, Code>();
  const accessTokens = new Map<string, AccessToken>();
  const refreshTokens = new Map<string, RefreshToken>();
  const grants: Grant[] = [];
  const counts = { authorize: 0, codeExchanges: 0, refreshes: 0, refusedRefreshes: 0, revocations: 0, dataRequests: 0, unauthorizedDataRequests: 0, rateLimited: 0 };
  const requests: string[] = [];
  let refuseConsent = false;
  let limited = { count: 0, retryAfter: 0 };
  let baseUrl = '';

  const token = (bytes = 24) => randomBytes(bytes).toString('base64url');
  const issue = (grant: Grant) => {
    const access = token(32);
    const refresh = token(32);
    accessTokens.set(access, { grant, expiresAt: Date.now() + ttl * 1000 });
    refreshTokens.set(refresh, { grant, used: false });
    return { access_token: access, expires_in: ttl, refresh_token: refresh, scope: grant.scope, token_type: 'Bearer', user_id: grant.userId };
  };

  function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8', ...headers });
    res.end(JSON.stringify(body));
  }
  const fitbitError = (res: http.ServerResponse, status: number, errorType: string, message: string, headers: Record<string, string> = {}) =>
    json(res, status, { errors: [{ errorType, message }], success: false }, headers);

  async function form(req: http.IncomingMessage): Promise<URLSearchParams> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
  }

  /** HTTP Basic with the registered client (Fitbit's "server" apps). */
  function clientAuthenticated(req: http.IncomingMessage): boolean {
    const match = /^Basic (\S+)$/.exec(req.headers.authorization ?? '');
    if (!match) return false;
    const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
    const at = decoded.indexOf(':');
    return decodeURIComponent(decoded.slice(0, at)) === clientId && decodeURIComponent(decoded.slice(at + 1)) === clientSecret;
  }

  function rateHeaders(): Record<string, string> {
    const now = new Date();
    const reset = 3600 - (now.getUTCMinutes() * 60 + now.getUTCSeconds());
    return { 'fitbit-rate-limit-limit': '150', 'fitbit-rate-limit-remaining': String(Math.max(0, 150 - (counts.dataRequests % 150))), 'fitbit-rate-limit-reset': String(reset) };
  }

  function authorize(url: URL, res: http.ServerResponse) {
    counts.authorize++;
    const q = url.searchParams;
    const redirectUri = q.get('redirect_uri');
    if (q.get('client_id') !== clientId || !redirectUri) return fitbitError(res, 400, 'invalid_request', 'Invalid client_id or redirect_uri.');
    if (q.get('response_type') !== 'code') return fitbitError(res, 400, 'unsupported_response_type', 'Only code is supported here.');
    const back = new URL(redirectUri);
    const state = q.get('state');
    if (state) back.searchParams.set('state', state);
    if (refuseConsent) {
      refuseConsent = false;
      back.searchParams.set('error', 'access_denied');
      back.searchParams.set('error_description', 'The user denied the request.');
    } else {
      const challenge = q.get('code_challenge');
      if (challenge && q.get('code_challenge_method') !== 'S256') return fitbitError(res, 400, 'invalid_request', 'code_challenge_method must be S256.');
      const grant: Grant = { id: token(8), userId: `B${randomBytes(3).toString('hex').toUpperCase()}`, scope: (q.get('scope') ?? '').split(/\s+/).filter(Boolean).join(' '), revoked: false };
      grants.push(grant);
      const code = token(20);
      codes.set(code, { grant, redirectUri, challenge, expiresAt: Date.now() + 600_000, used: false });
      back.searchParams.set('code', code);
    }
    // Fitbit appends an empty fragment to its redirects.
    res.writeHead(302, { location: `${back.href}#_=_` });
    res.end();
  }

  async function tokenEndpoint(req: http.IncomingMessage, res: http.ServerResponse) {
    if (!clientAuthenticated(req)) return fitbitError(res, 401, 'invalid_client', 'Invalid authorization header format or client credentials.');
    const body = await form(req);
    const grantType = body.get('grant_type');
    if (grantType === 'authorization_code') {
      const code = codes.get(body.get('code') ?? '');
      if (!code || code.used || code.expiresAt < Date.now() || code.grant.revoked) return fitbitError(res, 400, 'invalid_grant', 'Authorization code invalid or expired.');
      code.used = true;
      if (body.get('redirect_uri') !== code.redirectUri) return fitbitError(res, 400, 'invalid_grant', 'Redirect URI does not match.');
      if (code.challenge) {
        const verifier = body.get('code_verifier') ?? '';
        if (createHash('sha256').update(verifier).digest('base64url') !== code.challenge) return fitbitError(res, 400, 'invalid_grant', 'Code verifier does not match the challenge.');
      }
      counts.codeExchanges++;
      return json(res, 200, issue(code.grant));
    }
    if (grantType === 'refresh_token') {
      const refresh = refreshTokens.get(body.get('refresh_token') ?? '');
      if (!refresh || refresh.used || refresh.grant.revoked) {
        counts.refusedRefreshes++;
        return fitbitError(res, 400, 'invalid_grant', 'Refresh token invalid.');
      }
      refresh.used = true;
      counts.refreshes++;
      return json(res, 200, issue(refresh.grant));
    }
    return fitbitError(res, 400, 'unsupported_grant_type', 'The grant type is not supported.');
  }

  async function revoke(req: http.IncomingMessage, res: http.ServerResponse) {
    if (!clientAuthenticated(req)) return fitbitError(res, 401, 'invalid_client', 'Invalid client credentials.');
    const value = (await form(req)).get('token') ?? '';
    const grant = accessTokens.get(value)?.grant ?? refreshTokens.get(value)?.grant;
    if (grant && !grant.revoked) {
      grant.revoked = true;
      counts.revocations++;
    }
    json(res, 200, {});
  }

  const inData = (date: string) => date >= options.dataFrom && date <= options.dataTo;
  const datesBetween = (start: string, end: string) => {
    const out: string[] = [];
    for (let t = dayMs(start); t <= dayMs(end); t += DAY_MS) out.push(isoDate(t));
    return out;
  };

  function data(url: URL, req: http.IncomingMessage, res: http.ServerResponse) {
    const bearer = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    const access = accessTokens.get(bearer);
    if (!access || access.grant.revoked) {
      counts.unauthorizedDataRequests++;
      return fitbitError(res, 401, 'invalid_token', 'Access token invalid.', { 'www-authenticate': 'Bearer realm="api.fitbit.com"' });
    }
    if (access.expiresAt <= Date.now()) {
      counts.unauthorizedDataRequests++;
      return fitbitError(res, 401, 'expired_token', 'Access token expired.', { 'www-authenticate': 'Bearer realm="api.fitbit.com"' });
    }
    if (limited.count > 0) {
      limited.count--;
      counts.rateLimited++;
      return fitbitError(res, 429, 'system', 'Too Many Requests', { 'retry-after': String(limited.retryAfter), ...rateHeaders(), 'fitbit-rate-limit-remaining': '0' });
    }
    counts.dataRequests++;
    requests.push(`${url.pathname}${url.search}`);
    const path = url.pathname;
    let match: RegExpExecArray | null;
    if (path === '/1/user/-/profile.json') {
      return json(res, 200, { user: { encodedId: access.grant.userId, fullName: 'Stand-in User', offsetFromUTCMillis: options.offsetFromUTCMillis ?? 0, timezone: 'Etc/Stand-in', memberSince: options.dataFrom } }, rateHeaders());
    }
    if ((match = /^\/1\/user\/-\/activities\/heart\/date\/(\d{4}-\d{2}-\d{2})\/1d\/1min\.json$/.exec(path))) {
      const date = match[1]!;
      const dataset = inData(date) ? fitbitFixture(date, minutes).heart : [];
      return json(res, 200, {
        'activities-heart': [{ dateTime: date, value: { customHeartRateZones: [], heartRateZones: [], ...(dataset.length ? { restingHeartRate: 58 } : {}) } }],
        'activities-heart-intraday': { dataset, datasetInterval: 1, datasetType: 'minute' },
      }, rateHeaders());
    }
    if ((match = /^\/1\/user\/-\/activities\/steps\/date\/(\d{4}-\d{2}-\d{2})\/(\d{4}-\d{2}-\d{2})\.json$/.exec(path))) {
      const days = datesBetween(match[1]!, match[2]!);
      if (days.length > 1095) return fitbitError(res, 400, 'validation', 'The date range is longer than 1095 days.');
      return json(res, 200, { 'activities-steps': days.map((d) => ({ dateTime: d, value: String(inData(d) ? fitbitFixture(d, 0).steps : 0) })) }, rateHeaders());
    }
    if ((match = /^\/1\/user\/-\/body\/log\/weight\/date\/(\d{4}-\d{2}-\d{2})\/(\d{4}-\d{2}-\d{2})\.json$/.exec(path))) {
      const days = datesBetween(match[1]!, match[2]!);
      if (days.length > 31) return fitbitError(res, 400, 'validation', 'The date range is longer than 31 days.');
      return json(res, 200, { weight: days.filter(inData).map((d) => fitbitFixture(d, 0).weight).filter(Boolean) }, rateHeaders());
    }
    if (path === '/1.2/user/-/sleep/list.json') {
      const q = url.searchParams;
      const afterDate = q.get('afterDate');
      const limit = Number(q.get('limit') ?? '0');
      const offset = Number(q.get('offset') ?? '0');
      if (!afterDate || q.get('sort') !== 'asc' || !(limit >= 1 && limit <= 100)) {
        return fitbitError(res, 400, 'validation', 'afterDate with sort=asc and a limit of 1 to 100 are required.');
      }
      const nights = datesBetween(isoDate(Math.max(dayMs(afterDate) + DAY_MS, dayMs(options.dataFrom))), options.dataTo).map((d) => fitbitFixture(d, 0).sleep);
      const size = Math.min(limit, maxSleepPage);
      const page = nights.slice(offset, offset + size);
      const link = (at: number) => `${baseUrl}/1.2/user/-/sleep/list.json?afterDate=${afterDate}&sort=asc&limit=${size}&offset=${at}`;
      return json(res, 200, {
        sleep: page,
        pagination: { afterDate, limit: size, offset, sort: 'asc', next: offset + size < nights.length ? link(offset + size) : '', previous: offset > 0 ? link(Math.max(0, offset - size)) : '' },
      }, rateHeaders());
    }
    return fitbitError(res, 404, 'not_found', `No resource ${path}.`);
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const route = `${req.method} ${url.pathname}`;
    const handle = async () => {
      if (route === 'GET /oauth2/authorize') return authorize(url, res);
      if (route === 'POST /oauth2/token') return tokenEndpoint(req, res);
      if (route === 'POST /oauth2/revoke') return revoke(req, res);
      if (req.method === 'GET') return data(url, req, res);
      return fitbitError(res, 405, 'method_not_allowed', 'Method not allowed.');
    };
    handle().catch((error: unknown) => {
      if (!res.headersSent) fitbitError(res, 500, 'system', String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    baseUrl,
    clientId,
    clientSecret,
    counts,
    requests,
    issuedTokens: () => [...accessTokens.keys(), ...refreshTokens.keys(), ...codes.keys()],
    refuseNextConsent: () => void (refuseConsent = true),
    rateLimitNext: (count, retryAfterSeconds) => void (limited = { count, retryAfter: retryAfterSeconds }),
    expireAccessTokens: () => {
      for (const access of accessTokens.values()) access.expiresAt = Date.now();
    },
    revokeAllGrants: () => {
      for (const grant of grants) grant.revoked = true;
    },
    activeGrants: () => grants.filter((g) => !g.revoked).length,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
