'use client';
// Scalar's API reference mounted on /openapi.json: the project keeps only this configuration.
// Scalar is loaded from our own server (see scalar-assets.ts); everything below keeps it there: no
// fonts from fonts.scalar.com, no request proxy, no telemetry, no AI agent, no developer toolbar.
import { useEffect, useRef, useState } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';

type ScalarInstance = { destroy(): void };
type ScalarModule = { createApiReference(element: HTMLElement, configuration: ScalarConfiguration): ScalarInstance };
type ScalarConfiguration = Record<string, unknown>;

/** Matches the portal's header (h-14 and its 1 px border), so Scalar's sticky sidebar sits under it. */
const HEADER_HEIGHT = '57px';

// Scalar's own variables (https://github.com/scalar/scalar/blob/main/documentation/themes.md): the
// portal's system fonts (withDefaultFonts is off), its brand green as the accent, and text and HTTP
// method colours darkened (light) or lightened (dark) to reach WCAG AA contrast, which Scalar's
// defaults miss (#8e8e8e on white is 3.2:1). Scalar puts .light-mode/.dark-mode on <body>.
const CUSTOM_CSS = `
:root { --scalar-custom-header-height: ${HEADER_HEIGHT}; }
.scalar-app {
  --scalar-font: ui-sans-serif, system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  --scalar-font-code: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
}
body.light-mode {
  --scalar-color-2: #595959;
  --scalar-color-3: #6b6b6b;
  --scalar-color-accent: #17735a;
  --scalar-color-green: #047857;
  --scalar-color-red: #b91c1c;
  --scalar-color-blue: #0369a1;
  --scalar-color-orange: #c2410c;
  --scalar-color-yellow: #a16207;
}
body.dark-mode {
  --scalar-color-3: #9a9a9a;
  --scalar-color-accent: #34d399;
  --scalar-color-green: #34d399;
  --scalar-color-red: #f87171;
  --scalar-color-blue: #60b8f0;
}
`;

/** The portal's theme: the class on <html> when chosen, the system's preference otherwise (app/globals.css). */
function portalIsDark() {
  const root = document.documentElement.classList;
  if (root.contains('dark')) return true;
  if (root.contains('light')) return false;
  return window.matchMedia('(prefers-color-scheme: dark)').matches;
}

function configuration(isDark: boolean): ScalarConfiguration {
  return {
    url: '/openapi.json',
    withDefaultFonts: false,
    telemetry: false,
    agent: { disabled: true },
    mcp: { disabled: true },
    hideClientButton: true,
    showDeveloperTools: 'never',
    // Try-it requests go from the browser straight to this server (the document's `servers` is this
    // origin), never through proxy.scalar.com; App Keys stay in memory, not in localStorage.
    persistAuth: false,
    documentDownloadType: 'json',
    // Every tag open in the sidebar, so both dialects' operations are one click away.
    defaultOpenAllTags: true,
    defaultHttpClient: { targetKey: 'shell', clientKey: 'curl' },
    forceDarkModeState: isDark ? 'dark' : 'light',
    hideDarkModeToggle: true,
    customCss: CUSTOM_CSS,
  };
}

export function ScalarReference({ entryUrl }: { entryUrl: string }) {
  const mountPoint = useRef<HTMLDivElement>(null);
  const [state, setState] = useState<'loading' | 'ready' | 'failed'>('loading');

  useEffect(() => {
    let instance: ScalarInstance | undefined;
    let isCancelled = false;
    // A URL the bundler must leave alone: the browser fetches it from our route handler at runtime.
    import(/* webpackIgnore: true */ /* turbopackIgnore: true */ entryUrl).then(
      ({ createApiReference }: ScalarModule) => {
        if (isCancelled || !mountPoint.current) return;
        instance = createApiReference(mountPoint.current, configuration(portalIsDark()));
        setState('ready');
      },
      () => !isCancelled && setState('failed'),
    );
    // Follow the portal's theme picker (a class on <html>) and the system's preference. Scalar reads
    // forceDarkModeState only when it mounts; its colour mode is the dark-mode/light-mode class on
    // <body> (the hook its themes use), so a later change sets that class. After a system change,
    // Scalar re-applies its mount-time mode in its own listener: apply ours after it.
    const followTheme = () => {
      if (!instance) return;
      const isDark = portalIsDark();
      document.body.classList.toggle('dark-mode', isDark);
      document.body.classList.toggle('light-mode', !isDark);
    };
    const observer = new MutationObserver(followTheme);
    observer.observe(document.documentElement, { attributes: true, attributeFilter: ['class'] });
    // A tag's list of endpoints scrolls once it is long, and Scalar leaves it out of the tab order:
    // keyboard users could not scroll it (axe: scrollable-region-focusable). Make each focusable,
    // as it appears (Scalar renders sections lazily).
    const focusableLists = new MutationObserver(() => {
      for (const list of mountPoint.current?.querySelectorAll('ul.endpoints:not([tabindex])') ?? []) list.setAttribute('tabindex', '0');
    });
    if (mountPoint.current) focusableLists.observe(mountPoint.current, { childList: true, subtree: true });
    const systemTheme = window.matchMedia('(prefers-color-scheme: dark)');
    const followSystem = () => setTimeout(followTheme);
    systemTheme.addEventListener('change', followSystem);
    return () => {
      isCancelled = true;
      observer.disconnect();
      focusableLists.disconnect();
      systemTheme.removeEventListener('change', followSystem);
      instance?.destroy();
    };
  }, [entryUrl]);

  return (
    <>
      {state === 'loading' ? (
        <p role="status" className="mx-auto max-w-7xl px-6 py-10 text-sm text-zinc-600 dark:text-zinc-300">
          Loading the API reference…
        </p>
      ) : null}
      {state === 'failed' ? (
        <div className="mx-auto max-w-3xl px-6 py-10">
          <Alert title="The API reference could not be loaded">
            <p>Check your connection and try again. The OpenAPI document itself is at <a className="underline" href="/openapi.json">/openapi.json</a>.</p>
            <Button onClick={() => window.location.reload()}>Try again</Button>
          </Alert>
        </div>
      ) : null}
      <div ref={mountPoint} />
    </>
  );
}
