// What the users table shows of a user: plain values the server page prepared (no token in full).

export type UserRow = {
  humanId: string;
  externalId: string;
  email: string | null;
  /** ISO time, and how the page shows it. */
  createdAt: string;
  createdLabel: string;
  lastActiveAt: string | null;
  lastActiveLabel: string | null;
  accessTokenLast4: string;
  publicTokenLast4: string;
};

export type UserTokens = { accessToken: string; publicToken: string };

export type ActionResult<T = object> = ({ ok: true } & T) | { ok: false; message: string };

/** The server actions the table calls, handed down by the page. */
export type RevealTokensAction = (input: { clientId: string; humanId: string }) => Promise<ActionResult<UserTokens>>;
export type DeleteUserAction = (input: { clientId: string; humanId: string }) => Promise<ActionResult>;
