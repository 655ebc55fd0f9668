// Query keys for a user's sources: one factory, so what the Connect modal invalidates is exactly
// what the cards read.
export const connectionKeys = {
  all: ['connections'] as const,
  ofUser: (clientId: string, humanId: string) => [...connectionKeys.all, clientId, humanId] as const,
};

/** The JSON route the cards refetch from. */
export const connectionsUrl = (clientId: string, humanId: string) =>
  `/apps/${encodeURIComponent(clientId)}/users/${encodeURIComponent(humanId)}/connections`;
