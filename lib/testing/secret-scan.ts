// Finding Wearhouse secrets in captured output (test logs, server logs). Every secret is a known
// prefix and 32 base64url characters (lib/auth/secrets.ts), and every stored fingerprint is a
// SHA-256 in hex, so a pattern finds each one the suite created without a list of them. No line is
// exempt: `npm start` shows generated credentials only on a terminal, and logs are never one.
import { SECRET_PREFIXES } from '../auth/secrets';

const prefixes = Object.values(SECRET_PREFIXES).map((prefix) => prefix.replace('_', '')).join('|');
const SECRET = new RegExp(String.raw`\b(?:${prefixes})_[A-Za-z0-9_-]{32}(?![A-Za-z0-9_-])`, 'g');
// Webhook signing secrets (lib/webhooks/signing.ts): Standard Webhooks' `whsec_` + base64 (24+ bytes).
const WEBHOOK_SECRET = /\bwhsec_[A-Za-z0-9+/]{32,}={0,2}/g;
const SHA256_HEX = /(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])/g;

export type Leak = { line: number; masked: string };

const ANSI = /\x1b\[[0-9;]*m/g;

export function findLeakedSecrets(text: string): Leak[] {
  const leaks: Leak[] = [];
  text.replace(ANSI, '').split('\n').forEach((line, index) => {
    for (const match of line.matchAll(SECRET)) leaks.push({ line: index + 1, masked: `${match[0].slice(0, 8)}…${match[0].slice(-4)}` });
    for (const match of line.matchAll(WEBHOOK_SECRET)) leaks.push({ line: index + 1, masked: `${match[0].slice(0, 10)}…${match[0].slice(-4)}` });
    for (const match of line.matchAll(SHA256_HEX)) leaks.push({ line: index + 1, masked: `sha256 ${match[0].slice(0, 6)}…` });
  });
  return leaks;
}
