'use server';
// Server actions of the apps list: create an app. The secrets it returns go to the one form that
// asked (the action's response), never into a URL, a cookie or the page's HTML.
import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import type { FormState } from '@/components/apps/action-state';
import { createApp } from '@/lib/apps/apps';
import { requireAccount } from '@/lib/auth/session';
import { DomainError } from '@/lib/errors';

const CreateAppForm = z.object({
  name: z.string().trim().min(1, 'Give the app a name.').max(100, 'A name has at most 100 characters.'),
});

export type CreatedAppResult = { name: string; clientId: string; clientSecret: string; appKey: string };

export async function createAppAction(_previous: FormState<CreatedAppResult>, formData: FormData): Promise<FormState<CreatedAppResult>> {
  const parsed = CreateAppForm.safeParse({ name: formData.get('name') ?? '' });
  if (!parsed.success) return { status: 'error', message: 'Check the highlighted field.', errors: z.flattenError(parsed.error).fieldErrors };
  const caller = await requireAccount();
  try {
    const created = await createApp(caller, parsed.data);
    revalidatePath('/apps');
    return { status: 'done', result: { name: created.app.name, clientId: created.app.clientId, clientSecret: created.clientSecret, appKey: created.appKey } };
  } catch (error) {
    if (error instanceof DomainError && error.status < 500) return { status: 'error', message: error.message };
    throw error;
  }
}
