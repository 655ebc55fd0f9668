// What the Connect widget's server and browser code exchange: the boot block in the page and the
// JSON of /connect/api/*. Types only, so the browser bundle carries none of the server's code.

export type SourceRef = { name: string; id: string };

export type ConnectBoot =
  | {
    page: 'widget';
    widgetToken: string;
    /** Where postMessage may go: the app's Connect origins and the portal's own. */
    targetOrigins: string[];
    /** pinnedProviders, lower-cased source ids or names, in the order given. */
    pinned: string[];
    /** Redirect mode (/connect/embed): Done goes to the finish URL, Close to the close URL. */
    redirect: { finishUrl: string; closeUrl: string } | null;
  }
  | {
    page: 'error';
    status: 'MISSING_SESSION_TOKEN' | 'SESSION_TOKEN_INVALID' | 'SESSION_TOKEN_EXPIRED';
    /** '*' when the app is unknown: the message then holds no data. */
    targetOrigins: string[] | '*';
    redirect: null;
  };

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

export type WidgetStateView = {
  appName: string;
  humanId: string;
  mustSignIn: boolean;
  /** The OIDC issuer's host, shown on the sign-in button. */
  signInWith: string | null;
  /** Empty while mustSignIn: nothing of the user's is shown before they sign in. */
  sources: WidgetSourceView[];
};
