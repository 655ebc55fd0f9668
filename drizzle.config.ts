import { defineConfig } from 'drizzle-kit';

// Only `drizzle-kit generate` uses this: it diffs lib/db/schema.ts against the last snapshot and
// writes plain SQL into lib/db/migrations. Nothing here connects to a database.
export default defineConfig({
  dialect: 'postgresql',
  schema: './lib/db/schema.ts',
  out: './lib/db/migrations',
});
