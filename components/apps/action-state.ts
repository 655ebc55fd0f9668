// What the apps' server actions answer to their forms (types only, shared by actions and client forms).
export type FieldErrors = Record<string, string[] | undefined>;

export type FormState<T = undefined> =
  | { status: 'idle' }
  | { status: 'error'; message: string; errors?: FieldErrors }
  | { status: 'done'; result: T };

export const idle = { status: 'idle' } as const;
