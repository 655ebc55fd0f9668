// GET …/export?range=|from&to[&type=]: the range's readings as a CSV download, streamed batch by
// batch as the client reads it (pull-based, so a slow download never piles rows up in memory).
import { exportSourceReadings } from '@/lib/readings/export';
import { log, errorFields } from '@/lib/log';
import { sourceEndpoint, type SourceRouteContext } from '../endpoint';

export async function GET(request: Request, context: SourceRouteContext) {
  return sourceEndpoint(request, context, async (caller, target, query) => {
    const { filename, chunks } = await exportSourceReadings(caller, target, query);
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const next = await chunks.next();
          if (next.done) controller.close();
          else controller.enqueue(encoder.encode(next.value));
        } catch (error) {
          log.error({ err: errorFields(error) }, 'CSV export failed');
          controller.error(error);
        }
      },
      async cancel() {
        await chunks.return(undefined);
      },
    }, { highWaterMark: 1 });
    return new Response(body, {
      headers: {
        'Content-Type': 'text/csv; charset=utf-8',
        'Content-Disposition': `attachment; filename="${filename}"`,
        'Cache-Control': 'private, no-store',
        'X-Content-Type-Options': 'nosniff',
      },
    });
  });
}
