// Fixture for lib/portal-boundaries.test.ts: types only.
export type Widget = { id: number };
