// Encryption at rest for the secrets the portal must show again (user access and public tokens,
// provider credentials): AES-256-GCM under WEARHOUSE_SECRET_KEY. In embedded mode the key is
// generated once into the data folder; with DATABASE_URL it must be configured.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { config } from '../config';

const FORMAT = 'v1';
const TAG_BYTES = 16;

export class SecretKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretKeyError';
  }
}

function parseKey(text: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-f]{64}$/i.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (key.length !== 32) {
    throw new SecretKeyError('WEARHOUSE_SECRET_KEY must be 32 bytes, as 64 hex characters or base64.');
  }
  return key;
}

export const keyFilePath = () => path.join(config().dataDir, 'secret.key');

/** Create the embedded-mode key file if it does not exist yet (the launcher calls this). */
export function ensureKeyFile(): void {
  const file = keyFilePath();
  if (config().WEARHOUSE_SECRET_KEY || config().DATABASE_URL || fs.existsSync(file)) return;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
}

let cachedKey: Buffer | undefined;

function secretKey(): Buffer {
  if (cachedKey) return cachedKey;
  const { WEARHOUSE_SECRET_KEY, DATABASE_URL } = config();
  if (WEARHOUSE_SECRET_KEY) return (cachedKey = parseKey(WEARHOUSE_SECRET_KEY));
  if (DATABASE_URL) {
    throw new SecretKeyError(
      'WEARHOUSE_SECRET_KEY is required when DATABASE_URL is set. Generate one with: ' +
        "node -e \"console.log(require('crypto').randomBytes(32).toString('base64'))\"",
    );
  }
  try {
    return (cachedKey = parseKey(fs.readFileSync(keyFilePath(), 'utf8')));
  } catch (error) {
    if (error instanceof SecretKeyError) throw error;
    throw new SecretKeyError(`No encryption key: ${keyFilePath()} is missing. Start Wearhouse with \`npm start\` once.`);
  }
}

/** Check the key is usable, so a misconfiguration stops start-up rather than the first request. */
export function assertSecretKey(): void {
  secretKey();
}

export function encrypt(plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', secretKey(), iv, { authTagLength: TAG_BYTES });
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [FORMAT, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join(':');
}

export function decrypt(sealed: string): string {
  const [format, iv, tag, body] = sealed.split(':');
  if (format !== FORMAT || !iv || !tag || body === undefined) throw new SecretKeyError('Unrecognised ciphertext.');
  // The full 16-byte tag only: without authTagLength, GCM accepts a tag cut down to its first 4
  // bytes, which a forger can find by trying 2^32 candidates.
  const decipher = createDecipheriv('aes-256-gcm', secretKey(), Buffer.from(iv, 'base64url'), { authTagLength: TAG_BYTES });
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
}

/**
 * A secret for one purpose (e.g. signing portal sessions), derived from the installation's key with
 * HKDF: it survives restarts and is the same on every instance that shares WEARHOUSE_SECRET_KEY.
 */
export function deriveSecret(purpose: string): string {
  return Buffer.from(hkdfSync('sha256', secretKey(), Buffer.alloc(0), `wearhouse ${purpose}`, 32)).toString('base64url');
}
