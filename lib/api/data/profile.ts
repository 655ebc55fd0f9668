// The user's profile in the Data API: GET /v1/human/profile.
import { createRoute, z } from '@hono/zod-openapi';
import { profileOf } from '../../readings/query';
import { type DataRouter, errorResponses, security, tags } from './common';

const HumanProfile = z
  .object({
    id: z.string().openapi({ description: "The user's humanId.", example: '0a34dca6b9fe0b2361038bd371d96539' }),
    humanId: z.string().openapi({ example: '0a34dca6b9fe0b2361038bd371d96539' }),
    userId: z.string().openapi({ description: 'Deprecated: the same as humanId.' }),
    externalId: z.string().openapi({ description: "The app's own id for this user.", example: 'user@example.com' }),
    email: z.string().nullable(),
    name: z.string().nullable(),
    username: z.string().nullable(),
    createdAt: z.string().openapi({ format: 'date-time' }),
    updatedAt: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('HumanProfile');

const profileRoute = createRoute({
  method: 'get', path: '/profile', tags, security,
  summary: "The user's profile",
  responses: { 200: { description: 'The profile', content: { 'application/json': { schema: HumanProfile } } }, ...errorResponses },
});

export function registerProfileRoutes(router: DataRouter) {
  router.openapi(profileRoute, async (c) => {
    const profile = await profileOf(c.var.caller);
    return c.json({
      id: profile.humanId,
      humanId: profile.humanId,
      userId: profile.humanId,
      externalId: profile.externalId,
      email: profile.email,
      name: profile.name,
      username: profile.username,
      createdAt: profile.createdAt.toISOString(),
      updatedAt: profile.updatedAt.toISOString(),
    }, 200);
  });
}
