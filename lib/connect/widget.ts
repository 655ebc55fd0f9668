// What the open Connect widget may see and do, for the one user its widget session names: the
// app's sources with the user's connections, connecting and disconnecting one, the redirect mode's
// finish; and how the redirect mode (/connect/embed) opens a widget session without a secret.
import { and, eq, isNull } from 'drizzle-orm';
import { connectSettings, isAllowedRedirect, type ConnectSettings } from '../apps/apps';
import { CLIENT_ID_PATTERN } from '../apps/access';
import { operator, type ClientCaller } from '../auth/caller';
import { matchesHash } from '../auth/secrets';
import { getDb } from '../db/client';
import { users } from '../db/schema';
import { DomainError, forbidden, invalidInput, notFound } from '../errors';
import { availableSources, connectSource, disconnectSource, listConnections } from '../sources/connections';
import { mintSessionForUser, openConnect, type OpenedConnect, type WidgetSession } from './tokens';

/** A source as the embedding page hears of it in postMessage payloads. */
export type SourceRef = { name: string; id: string };

export type WidgetSourceView = {
  id: string;
  name: string;
  kind: string;
  description: string;
  dataTypes: string[];
  /** Offered by the app now (a connected source the app no longer offers can still be disconnected). */
  isAvailable: boolean;
  connection: null | {
    status: 'connected' | 'syncing' | 'error' | 'disconnected';
    isSyncPending: boolean;
    connectedSince: string;
    historySyncedAt: string | null;
  };
};

/** What GET /connect/api/state answers (and connect/disconnect along with their result). */
export type WidgetStateView = {
  appName: string;
  humanId: string;
  mustSignIn: boolean;
  /** The OIDC issuer's host, shown on the sign-in button. */
  signInWith: string | null;
  /** Empty while mustSignIn: nothing of the user's is shown before they sign in. */
  sources: WidgetSourceView[];
};

/** The app's own credentials, for steps the widget session (or the redirect mode's checks) stands in for. */
const asClient = (settings: { appId: number; clientId: string }): ClientCaller => ({ kind: 'client', appId: settings.appId, clientId: settings.clientId });

function issuerHost(issuer: string | null): string | null {
  if (!issuer) return null;
  try {
    return new URL(issuer).host;
  } catch {
    return issuer;
  }
}

/** Everything the widget shows: nothing of the user's until a required sign-in is done. */
export async function widgetState(session: WidgetSession): Promise<WidgetStateView> {
  const { caller, settings } = session;
  const base = { appName: settings.appName, humanId: caller.humanId, mustSignIn: session.mustSignIn, signInWith: issuerHost(settings.oidcIssuer) };
  if (session.mustSignIn) return { ...base, sources: [] };
  const offered = await availableSources(caller, caller.clientId);
  const connections = (await listConnections(caller, caller.clientId, caller.humanId)).filter((c) => c.status !== 'disconnected');
  const bySource = new Map(connections.map((c) => [c.source.id, c]));
  const view = (source: { id: string; name: string; kind: string; dataTypes: string[]; description: string }, isAvailable: boolean): WidgetSourceView => {
    const connection = bySource.get(source.id);
    return {
      id: source.id,
      name: source.name,
      kind: source.kind,
      description: source.description,
      dataTypes: [...source.dataTypes],
      isAvailable,
      connection: connection
        ? {
          status: connection.status,
          isSyncPending: connection.isSyncPending,
          connectedSince: connection.connectedSince.toISOString(),
          historySyncedAt: connection.historySyncedAt?.toISOString() ?? null,
        }
        : null,
    };
  };
  const offeredIds = new Set(offered.map((s) => s.id));
  // A source the user connected that the app no longer offers stays listed, so it can be disconnected.
  const leftOver = connections.filter((c) => !offeredIds.has(c.source.id)).map((c) => view({ ...c.source, description: '' }, false));
  return { ...base, sources: [...offered.map((s) => view(s, true)), ...leftOver] };
}

function refuseBeforeSignIn(session: WidgetSession) {
  if (session.mustSignIn) throw forbidden(`Sign in with ${issuerHost(session.settings.oidcIssuer)} first.`);
}

/** Connect one of the sources the app offers (a demo source at once; its history follows). OAuth2
 * sources go through the provider's consent instead (lib/sources/oauth/authorize.ts). */
export async function connectFromWidget(session: WidgetSession, sourceId: string): Promise<{ source: SourceRef; state: WidgetStateView }> {
  refuseBeforeSignIn(session);
  const { caller } = session;
  const offered = await availableSources(caller, caller.clientId);
  const source = offered.find((s) => s.id === sourceId);
  if (!source) throw notFound(`This app does not offer a source ${sourceId}.`);
  if (source.kind === 'oauth2') {
    throw new DomainError('conflict', `${source.name} is connected by signing in to ${source.name}: POST /connect/api/authorize and open the URL it answers.`);
  }
  await connectSource(caller, caller.clientId, caller.humanId, source.id);
  return { source: { name: source.name, id: source.id }, state: await widgetState(session) };
}

/** Disconnect one of the user's sources. */
export async function disconnectFromWidget(session: WidgetSession, sourceId: string): Promise<{ source: SourceRef; state: WidgetStateView }> {
  refuseBeforeSignIn(session);
  const { caller } = session;
  const connection = (await listConnections(caller, caller.clientId, caller.humanId)).find((c) => c.source.id === sourceId && c.status !== 'disconnected');
  if (!connection) throw notFound(`You have no connection to ${sourceId}.`);
  await disconnectSource(caller, caller.clientId, caller.humanId, sourceId);
  return { source: { name: connection.source.name, id: connection.source.id }, state: await widgetState(session) };
}

/**
 * The redirect mode's finish: the app's finish URL with the user's humanId and a fresh session
 * token, which the app's server finalizes with POST /v1/connect/tokens. The URL is checked again
 * here (the page sends it back), so this never redirects anywhere the app does not allow.
 */
export async function finishRedirect(session: WidgetSession, finishUrl: string): Promise<string> {
  refuseBeforeSignIn(session);
  if (!isAllowedRedirect(session.settings, finishUrl)) throw invalidInput("The finish URL is not one of the app's allowed redirect URLs.");
  const { caller, settings } = session;
  const [user] = await getDb().select({ externalId: users.externalId }).from(users)
    .where(and(eq(users.id, caller.userId), isNull(users.deletedAt)));
  if (!user) throw notFound(`No user ${caller.humanId}.`);
  // The widget session proves this user of this app; minting for that same user is what the app's
  // server would do with its secret after a normal close.
  const minted = await mintSessionForUser(asClient(settings), settings.clientId, { externalId: user.externalId });
  const url = new URL(finishUrl);
  url.searchParams.set('human_id', minted.humanId);
  url.searchParams.set('session_token', minted.sessionToken);
  return url.href;
}

export type EmbedInput = { clientId: string; externalId: string; publicToken?: string; finishUrl: string; closeUrl: string };
export type OpenedEmbed = { opened: Extract<OpenedConnect, { ok: true }>; settings: ConnectSettings };

/**
 * Open the widget for the v2.1 redirect mode, which carries no secret: the finish and close URLs
 * must be among the app's allowed redirect URLs (checked first, so a bad link never redirects), an
 * existing user must be named with their current public token, and a new user is created.
 * Throws a DomainError in plain words for each refusal.
 */
export async function openEmbed(input: EmbedInput): Promise<OpenedEmbed> {
  if (!CLIENT_ID_PATTERN.test(input.clientId)) throw invalidInput('client_id is 40 hexadecimal characters.');
  let settings: ConnectSettings;
  try {
    // The link is public and names its app: reading that app's Connect settings (no secrets in
    // them) is what decides whether the link is honoured at all.
    settings = await connectSettings(operator, input.clientId);
  } catch (error) {
    if (error instanceof DomainError && error.kind === 'not_found') throw invalidInput(`No app with client_id ${input.clientId}.`);
    throw error;
  }
  if (!isAllowedRedirect(settings, input.finishUrl)) throw invalidInput("finish_url is not one of this app's allowed redirect URLs.");
  if (!isAllowedRedirect(settings, input.closeUrl)) throw invalidInput("close_url is not one of this app's allowed redirect URLs.");
  const externalId = input.externalId.trim();
  if (!externalId || externalId.length > 255) throw invalidInput('client_user_id must be 1 to 255 characters.');
  const [existing] = await getDb().select({ publicTokenHash: users.publicTokenHash }).from(users)
    .where(and(eq(users.appId, settings.appId), eq(users.externalId, externalId), isNull(users.deletedAt)));
  if (existing && !(input.publicToken && matchesHash(input.publicToken, existing.publicTokenHash))) {
    throw forbidden(input.publicToken
      ? "This link's public_token is not this user's current one. Ask the app for a new link."
      : 'This user already exists, so the link must carry their public_token. Ask the app for a new link.');
  }
  const minted = await mintSessionForUser(asClient(settings), settings.clientId, { externalId });
  const opened = await openConnect(minted.sessionToken);
  if (!opened.ok) throw new DomainError('conflict', opened.message);
  return { opened, settings };
}
