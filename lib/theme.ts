// The portal's theme choice: system (follow prefers-color-scheme), light or dark, kept in a cookie
// so the server renders the right class on <html> and nothing flashes.
export const THEME_COOKIE = 'wearhouse-theme';
export const THEMES = ['system', 'light', 'dark'] as const;
export type Theme = (typeof THEMES)[number];

export function parseTheme(value: string | undefined): Theme {
  return (THEMES as readonly string[]).includes(value ?? '') ? (value as Theme) : 'system';
}
