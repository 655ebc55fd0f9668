// Who is asking. Established once at the edge (portal session, API key, CLI) and passed as the
// first argument of every service function, which scopes its queries by it.

/** A developer signed in to the portal. Admins see every app; developers their own. */
export type AccountCaller = { kind: 'account'; accountId: number; role: 'admin' | 'developer' };

/** An Application API request authenticated by one App Key: it sees its own app only. */
export type AppCaller = { kind: 'app'; appId: number; clientId: string; appName: string; keyId: number; keyPrefix: string };

/** The app's own server, authenticated by clientId and client secret (POST /v1/connect/token…). */
export type ClientCaller = { kind: 'client'; appId: number; clientId: string };

/**
 * One end user of one app: the open Connect widget (`via: 'connect'`) or a Data API token
 * (`via: 'access-token'`). It may act on that user only, never on the app as a whole, so appIdFor
 * refuses it: services for end users scope their queries by `userId` directly.
 */
export type EndUserCaller = {
  kind: 'end-user';
  appId: number;
  clientId: string;
  userId: number;
  humanId: string;
  via: 'connect' | 'access-token';
};

/** The operator at the command line (npm run wearhouse), who owns the installation. */
export type OperatorCaller = { kind: 'operator' };

export type Caller = AccountCaller | AppCaller | ClientCaller | EndUserCaller | OperatorCaller;

export const operator: OperatorCaller = { kind: 'operator' };

/** How the audit log names a caller: an identifier, never a secret. */
export function actorOf(caller: Caller): string {
  switch (caller.kind) {
    case 'account':
      return `account:${caller.accountId}`;
    case 'app':
      return `key:${caller.keyPrefix}`;
    case 'client':
      return `client:${caller.clientId}`;
    case 'end-user':
      return `user:${caller.humanId}`;
    case 'operator':
      return 'operator';
  }
}
