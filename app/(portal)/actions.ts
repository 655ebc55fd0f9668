'use server';
import { signOut } from '@/lib/auth/session';

export async function signOutOfPortal() {
  await signOut({ redirectTo: '/sign-in' });
}
