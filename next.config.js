/** @type {import('next').NextConfig} */
const nextConfig = {
  // Node-only packages the services use, loaded from node_modules rather than bundled: one copy
  // per process, shared with the API (Hono) that runs beside Next.js. Our own lib/ modules are
  // bundled, so their process-wide state lives in lib/process-wide.ts.
  serverExternalPackages: [
    'pg', '@electric-sql/pglite', '@electric-sql/pglite-socket', 'ioredis',
    'drizzle-orm', 'pino', 'rate-limiter-flexible', 'openid-client', 'esbuild', 'pg-boss',
  ],
  poweredByHeader: false,
  reactStrictMode: true,
  typescript: { tsconfigPath: 'tsconfig.json' },
};

export default nextConfig;
