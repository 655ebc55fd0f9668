// Which code syncs which source: source id → its connector, the queue its syncs run on and how
// many of them one server runs at once. A queue per provider, so a slow or rate-limited provider
// holds up only its own syncs, and each provider's limit is the concurrency of its queue's workers.
import type { QueueName } from '../jobs/queue';
import type { Connector, SyncContext } from './connector';
import { demoConnector } from './demo/connector';
import { DEMO_SOURCE_IDS } from './demo/generator';
import { fitbitConnector } from './fitbit/connector';
import { isOAuthProvider, providerEndpoints } from './oauth/providers';
import { providerFetchFor as oauthFetchFor } from './oauth/tokens';
import { ouraConnector } from './oura/connector';

/** Oura's connector reads its API base URL from the configuration when a sync runs (tests move it). */
const oura: Connector = { sync: (context) => ouraConnector({ apiBaseUrl: providerEndpoints('oura').apiBaseUrl }).sync(context) };

export type SyncRegistration = {
  connector: Connector;
  /** Sync jobs of this source's connections; sources of one provider share it. */
  queue: QueueName & `sync-${string}`;
  /** Syncs of this queue one server runs at once (the provider's limit, per server process). */
  concurrency: number;
};

const registry = new Map<string, SyncRegistration>([
  ...DEMO_SOURCE_IDS.map((id) => [id, { connector: demoConnector, queue: 'sync-demo', concurrency: 2 }] as const),
  // Fitbit allows 150 requests per user and hour, Oura 5,000 per 5 minutes per app: four syncs at a
  // time per server keep a backfill (about a hundred requests) well inside either.
  ['fitbit', { connector: fitbitConnector, queue: 'sync-fitbit', concurrency: 4 }],
  ['oura', { connector: oura, queue: 'sync-oura', concurrency: 4 }],
]);

/** How source `sourceId` is synced, or undefined for a source that is not synced by Wearhouse. */
export function syncRegistration(sourceId: string): SyncRegistration | undefined {
  return registry.get(sourceId);
}

/** Every sync queue with its concurrency, for starting the workers. */
export function syncQueues(): { queue: SyncRegistration['queue']; concurrency: number }[] {
  const queues = new Map<string, { queue: SyncRegistration['queue']; concurrency: number }>();
  for (const { queue, concurrency } of registry.values()) queues.set(queue, { queue, concurrency: Math.max(concurrency, queues.get(queue)?.concurrency ?? 0) });
  return [...queues.values()];
}

/** Register (or replace) a source's connector: the OAuth2 providers, and tests' own connectors. */
export function registerConnector(sourceId: string, registration: SyncRegistration): () => void {
  const before = registry.get(sourceId);
  registry.set(sourceId, registration);
  return () => (before ? registry.set(sourceId, before) : registry.delete(sourceId));
}

/**
 * The authorized fetch a connector of this source gets (SyncContext.providerFetch): for an OAuth2
 * provider, lib/sources/oauth's fetch for the connection (Bearer access token, refreshed when expired
 * and once on a 401, 429 → ProviderRateLimitedError, refused grant → ProviderAuthorizationError).
 * Sources without a provider get a fetch that throws.
 */
export function providerFetchFor(source: { id: string; kind: string }, connectionId: number, now?: () => Date): SyncContext['providerFetch'] {
  if (isOAuthProvider(source.id)) return oauthFetchFor(connectionId, { now });
  return async () => {
    throw new Error(`Source ${source.id} (${source.kind}) has no provider API to fetch from.`);
  };
}
