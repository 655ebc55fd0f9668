// A UTC day ('2026-11-23') as the app home shows it: 'Nov 23'.
const format = new Intl.DateTimeFormat('en', { month: 'short', day: 'numeric', timeZone: 'UTC' });

export const dayLabel = (day: string) => format.format(new Date(`${day}T00:00:00Z`));
