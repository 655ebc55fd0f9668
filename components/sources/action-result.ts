// What the user page's server actions answer: success, or a message to show in a toast.
export type ActionResult = { ok: true } | { ok: false; message: string };
