/** @type {import('next').NextConfig} */
const nextConfig = {
  // The database driver and the embedded engine are Node-only; keep them out of the bundle.
  serverExternalPackages: ['pg', '@electric-sql/pglite', '@electric-sql/pglite-socket', 'ioredis'],
  poweredByHeader: false,
  reactStrictMode: true,
  typescript: { tsconfigPath: 'tsconfig.json' },
};

export default nextConfig;
