'use client';
// What every "Try it" panel on the page shares: the App Key (in this tab's memory only — never
// localStorage, a cookie or the URL), whether it is revealed, and path parameter values such as
// clientId, so they are typed once.
import { createContext, use, useMemo, useState } from 'react';

type TryItSession = {
  appKey: string;
  setAppKey: (appKey: string) => void;
  isKeyRevealed: boolean;
  setKeyRevealed: (isRevealed: boolean) => void;
  /** Path parameter values by name. */
  pathValues: Record<string, string>;
  setPathValue: (name: string, value: string) => void;
};

const TryItSessionContext = createContext<TryItSession | null>(null);

export function TryItSessionProvider({ children }: { children: React.ReactNode }) {
  const [appKey, setAppKey] = useState('');
  const [isKeyRevealed, setKeyRevealed] = useState(false);
  const [pathValues, setPathValues] = useState<Record<string, string>>({});
  const session = useMemo<TryItSession>(
    () => ({
      appKey,
      setAppKey,
      isKeyRevealed,
      setKeyRevealed,
      pathValues,
      setPathValue: (name, value) => setPathValues((current) => ({ ...current, [name]: value })),
    }),
    [appKey, isKeyRevealed, pathValues],
  );
  return <TryItSessionContext value={session}>{children}</TryItSessionContext>;
}

export function useTryItSession(): TryItSession {
  const session = use(TryItSessionContext);
  if (!session) throw new Error('useTryItSession needs a TryItSessionProvider.');
  return session;
}
