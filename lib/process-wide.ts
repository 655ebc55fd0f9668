// State that must exist once per process although its module may be loaded twice: Next.js bundles
// the services it imports into its own server chunks, so the portal and the API (Hono, plain Node)
// each get a copy of every module. Caches a revoke must clear and timers that must not double up
// live here, keyed on globalThis, so a key revoked in the portal stops working in the API at once.
const registry = globalThis as typeof globalThis & { [key: symbol]: unknown };

/** The process's one value named `name`, created by `create` the first time any copy asks. */
export function processWide<T>(name: string, create: () => T): T {
  const key = Symbol.for(`wearhouse.${name}`);
  if (!(key in registry)) registry[key] = create();
  return registry[key] as T;
}
