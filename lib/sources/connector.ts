// What a data source's code implements to be synced by the queue: the sync job hands each run of a
// connection to its source's connector with this context. Connectors never touch the database, the
// queue or the provider's tokens themselves: they read pages from the provider and write readings.
import type { ReadingInput } from '../readings/ingest';

/** One sync run of one connection. */
export type SyncContext = {
  connectionId: number;
  humanId: string;
  clientId: string;
  sourceId: string;
  connectedSince: Date;
  /** Null until the first sync (the history backfill) has finished. */
  historySyncedAt: Date | null;
  lastSyncAt: Date | null;
  /** The newest reading stored for this connection; an incremental sync resumes shortly before it. */
  newestReadingAt: Date | null;
  /** The run's clock (tests move it). */
  now: Date;
  /** Aborted when the server stops or the connection is gone: check it between pages. */
  signal: AbortSignal;
  /**
   * Store readings of this connection (idempotent by type and sourceReadingId, so a retried page
   * creates no duplicates). Call it page by page, never once at the end: it also renews the job's
   * claim and throws when the connection was disconnected meanwhile.
   */
  write(readings: ReadingInput[]): Promise<void>;
  /**
   * OAuth2 sources: fetch a provider URL with the connection's access token as Bearer, refreshed
   * first when it has expired and once more on a 401. Throws ProviderRateLimitedError on a 429 and
   * ProviderAuthorizationError when the provider no longer accepts the connection's grant.
   */
  providerFetch(url: string | URL, init?: RequestInit): Promise<Response>;
};

export type Connector = {
  /** Read what the provider has for the context's window and write it; resolve when done. */
  sync(context: SyncContext): Promise<void>;
};

/** The provider said 429: the job is retried after `retryAfterMs` (its Retry-After, else a backoff). */
export class ProviderRateLimitedError extends Error {
  constructor(readonly retryAfterMs: number, message = 'The provider asked us to slow down.') {
    super(message);
    this.name = 'ProviderRateLimitedError';
  }
}

/** The provider refused the connection's grant (revoked, expired refresh token): the user must connect again. */
export class ProviderAuthorizationError extends Error {
  constructor(message = 'The provider no longer accepts this connection; connect the source again.') {
    super(message);
    this.name = 'ProviderAuthorizationError';
  }
}
