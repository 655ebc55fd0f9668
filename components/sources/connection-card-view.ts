// What a source card shows, as plain JSON: the same shape in the server render's initial data and
// in the JSON route the cards refetch, so TanStack Query holds one kind of value.
import type { ConnectionSummary } from '@/lib/sources/connections';

export type ConnectionCardView = {
  sourceId: string;
  sourceName: string;
  status: ConnectionSummary['status'];
  isSyncPending: boolean;
  connectedSince: string;
  lastSyncAt: string | null;
  historySyncedAt: string | null;
  lastError: string | null;
  dataTypes: string[];
  readingCount: number;
};

export function toConnectionCard(connection: ConnectionSummary): ConnectionCardView {
  return {
    sourceId: connection.source.id,
    sourceName: connection.source.name,
    status: connection.status,
    isSyncPending: connection.isSyncPending,
    connectedSince: connection.connectedSince.toISOString(),
    lastSyncAt: connection.lastSyncAt?.toISOString() ?? null,
    historySyncedAt: connection.historySyncedAt?.toISOString() ?? null,
    lastError: connection.lastError,
    dataTypes: connection.source.dataTypes,
    readingCount: connection.readingCount,
  };
}

/** A card's state in a few words: what a developer checking on a user wants to know first. */
export function describeStatus(card: ConnectionCardView): { label: string; tone: 'success' | 'info' | 'warning' | 'danger' } {
  if (card.status === 'error') return { label: 'Error', tone: 'danger' };
  if (card.status === 'syncing') return { label: card.historySyncedAt ? 'Syncing' : 'Importing history', tone: 'info' };
  if (card.isSyncPending) return { label: card.historySyncedAt ? 'Sync queued' : 'History queued', tone: 'info' };
  return { label: 'Connected', tone: 'success' };
}
