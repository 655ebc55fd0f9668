'use server';
import { AuthError } from 'next-auth';
import { z } from 'zod';
import { safeReturnPath, signIn, SignInThrottled } from '@/lib/auth/session';
import { throttledMessage } from '@/lib/auth/sign-in-throttle';

export type SignInState = { message?: string; email?: string };

const SignInInput = z.object({
  email: z.string().trim().max(320),
  password: z.string().max(1024),
  callbackUrl: z.string().max(2048).optional(),
});

export async function signInWithPassword(_previous: SignInState, form: FormData): Promise<SignInState> {
  const parsed = SignInInput.safeParse(Object.fromEntries(form));
  if (!parsed.success || !parsed.data.email || !parsed.data.password) return { email: parsed.data?.email, message: 'Enter your email and password.' };
  const { email, password, callbackUrl } = parsed.data;
  try {
    await signIn('password', { email, password, redirectTo: safeReturnPath(callbackUrl) });
    return {};
  } catch (error) {
    // signIn redirects by throwing; only Auth.js's own refusals become a message.
    if (error instanceof SignInThrottled) return { email, message: throttledMessage(error.retryAfterSeconds) };
    if (error instanceof AuthError) return { email, message: 'Wrong email or password.' };
    throw error;
  }
}
