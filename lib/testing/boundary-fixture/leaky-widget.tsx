'use client';
// Fixture for lib/portal-boundaries.test.ts: a client component that reaches the database through a
// service. Never imported by the app; the test must report it.
import { useState } from 'react';
import { countWidgets } from './widget-service';

export function LeakyWidget() {
  const [count] = useState(0);
  return <button type="button" onClick={() => void countWidgets()}>{count}</button>;
}
