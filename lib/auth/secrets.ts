// Generating, fingerprinting and checking secrets: App Keys, client secrets, user tokens and
// Connect session tokens. Every secret is 192 random bits with a recognisable prefix, stored
// only as a SHA-256 hash (plus prefix and last four characters for display).
import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

export const SECRET_PREFIXES = {
  appKey: 'whk_',
  clientSecret: 'whs_',
  accessToken: 'wha_',
  publicToken: 'whp_',
  connectToken: 'whc_',
} as const;

export type SecretKind = keyof typeof SECRET_PREFIXES;

export type IssuedSecret = {
  /** The full secret: show it once, never store it. */
  value: string;
  hash: string;
  /** What the portal may display: prefix and the first characters, e.g. `whk_3fA9`. */
  prefix: string;
  last4: string;
};

// One-shot crypto.hash: no Hash object per call (App Keys are hashed on every API request).
export const sha256Hex = (value: string) => hash('sha256', value, 'hex');

export function issueSecret(kind: SecretKind): IssuedSecret {
  const value = SECRET_PREFIXES[kind] + randomBytes(24).toString('base64url');
  return describeSecret(value);
}

export function describeSecret(value: string): IssuedSecret {
  const prefixLength = value.indexOf('_') + 1;
  return { value, hash: sha256Hex(value), prefix: value.slice(0, prefixLength + 4), last4: value.slice(-4) };
}

/** Constant-time comparison of a presented secret with a stored SHA-256 hex hash. */
export function matchesHash(presented: string, storedHash: string): boolean {
  const a = Buffer.from(sha256Hex(presented), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A random lowercase hex identifier of `bytes` bytes (clientId: 20 bytes = 40 hex). */
export const randomHex = (bytes: number) => randomBytes(bytes).toString('hex');
