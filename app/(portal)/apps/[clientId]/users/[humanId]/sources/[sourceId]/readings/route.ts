// GET …/readings?type=&range=|from&to&before=|after=&limit=: a keyset page of raw readings.
import { sourceReadings } from '@/lib/readings/query';
import { sourceEndpoint, type SourceRouteContext } from '../endpoint';

export async function GET(request: Request, context: SourceRouteContext) {
  return sourceEndpoint(request, context, async (caller, target, query) =>
    Response.json(await sourceReadings(caller, target, query), { headers: { 'Cache-Control': 'private, no-store' } }));
}
