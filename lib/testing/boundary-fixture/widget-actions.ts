'use server';
// Fixture for lib/portal-boundaries.test.ts: a server action may use services; a client module that
// imports it gets a reference to the action, not the service's code.
import { countWidgets } from './widget-service';

export async function countWidgetsAction(): Promise<number> {
  return countWidgets();
}
