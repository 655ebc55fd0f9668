import { QueryProvider } from '@/components/providers/query-provider';

// TanStack Query only where data changes while the page is open: a user's source cards (after
// Connect) and their charts. The users table and the app pages do without it, which keeps
// the users page's first-load JavaScript under its budget.
export default function UserLayout({ children }: { children: React.ReactNode }) {
  return <QueryProvider>{children}</QueryProvider>;
}
