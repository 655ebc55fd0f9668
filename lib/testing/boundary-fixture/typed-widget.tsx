'use client';
// Fixture for lib/portal-boundaries.test.ts: a client component that imports a service's types only,
// which the bundler erases, and a server action, so the test must not report it.
import type { countWidgets } from './widget-service';
import { type Widget } from './widget-service';
import { countWidgetsAction } from './widget-actions';

export function TypedWidget({ widget, count }: { widget: Widget; count: Awaited<ReturnType<typeof countWidgets>> }) {
  return <button type="button" onClick={() => void countWidgetsAction()}>{widget.id} {count}</button>;
}
