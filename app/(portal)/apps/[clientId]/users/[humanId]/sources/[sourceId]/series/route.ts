// GET …/series?type=heart_rate&range=7d (or from & to): one panel's points, bucketed on the server.
import { sourceChart } from '@/lib/readings/series';
import { sourceEndpoint, type SourceRouteContext } from '../endpoint';

export async function GET(request: Request, context: SourceRouteContext) {
  return sourceEndpoint(request, context, async (caller, target, query) =>
    Response.json(await sourceChart(caller, target, query), { headers: { 'Cache-Control': 'private, no-store' } }));
}
