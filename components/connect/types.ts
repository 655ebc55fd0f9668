// The boot block the Connect widget's page carries (lib/api/connect/widget-page.ts writes it, the
// browser code reads it). Types only. The JSON of /connect/api/* is typed in lib/connect/widget.ts.

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
