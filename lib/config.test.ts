import { afterEach, describe, expect, it } from 'vitest';
import { config, reloadConfig } from './config';

const saved = { HOST: process.env.HOST, DATABASE_URL: process.env.DATABASE_URL };
afterEach(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  reloadConfig();
});

describe('HOST', () => {
  it('listens on loopback only for the embedded database (a laptop demo with demo credentials)', () => {
    delete process.env.HOST;
    delete process.env.DATABASE_URL;
    reloadConfig();
    expect(config().HOST).toBe('127.0.0.1');
  });

  it('listens on every interface with DATABASE_URL (a deployment), and as told when HOST is set', () => {
    delete process.env.HOST;
    process.env.DATABASE_URL = 'postgres://db.internal/wearhouse';
    reloadConfig();
    expect(config().HOST).toBe('0.0.0.0');
    delete process.env.DATABASE_URL;
    process.env.HOST = '0.0.0.0';
    reloadConfig();
    expect(config().HOST).toBe('0.0.0.0');
  });
});
