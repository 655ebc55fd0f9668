// Auth.js endpoints: sign-in callbacks, CSRF token, session, sign-out.
import { handlers } from '@/lib/auth/session';

export const { GET, POST } = handlers;
