'use client';
// System / light / dark: sets the cookie and the class on <html> at once, no reload.
import { Monitor, Moon, Sun } from 'lucide-react';
import { useState } from 'react';
import { THEME_COOKIE, type Theme } from '@/lib/theme';

const OPTIONS: { value: Theme; label: string; Icon: typeof Sun }[] = [
  { value: 'system', label: 'System theme', Icon: Monitor },
  { value: 'light', label: 'Light theme', Icon: Sun },
  { value: 'dark', label: 'Dark theme', Icon: Moon },
];

export function ThemePicker({ initial }: { initial: Theme }) {
  const [theme, setTheme] = useState(initial);
  const choose = (next: Theme) => {
    setTheme(next);
    document.cookie = `${THEME_COOKIE}=${next}; path=/; max-age=31536000; samesite=lax`;
    document.documentElement.classList.remove('light', 'dark');
    if (next !== 'system') document.documentElement.classList.add(next);
  };
  return (
    <div role="radiogroup" aria-label="Theme" className="flex items-center rounded-md border border-zinc-200 p-0.5 dark:border-zinc-800">
      {OPTIONS.map(({ value, label, Icon }) => (
        <button
          key={value}
          type="button"
          role="radio"
          aria-checked={theme === value}
          aria-label={label}
          title={label}
          onClick={() => choose(value)}
          className="rounded p-1 text-zinc-500 hover:text-zinc-900 focus-visible:outline-2 focus-visible:outline-brand-600 aria-checked:bg-zinc-100 aria-checked:text-zinc-900 dark:text-zinc-400 dark:hover:text-zinc-50 dark:aria-checked:bg-zinc-800 dark:aria-checked:text-zinc-50"
        >
          <Icon aria-hidden className="size-4" />
        </button>
      ))}
    </div>
  );
}
