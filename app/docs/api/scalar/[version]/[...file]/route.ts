// Streams Scalar's browser build from node_modules (see ../../../scalar-assets.ts). The version is in
// the URL and chunk names carry a content hash, so a response never changes: cache it for a year.
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { scalarAsset } from '../../../scalar-assets';

export async function GET(_request: Request, { params }: { params: Promise<{ version: string; file: string[] }> }) {
  const { version, file } = await params;
  const asset = scalarAsset(version, file);
  if (!asset) return new Response('Not found', { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
  const { size } = await fs.promises.stat(asset);
  return new Response(Readable.toWeb(fs.createReadStream(asset)) as ReadableStream<Uint8Array>, {
    headers: {
      'Content-Type': 'text/javascript; charset=utf-8',
      'Content-Length': String(size),
      'Cache-Control': 'public, max-age=31536000, immutable',
      'X-Content-Type-Options': 'nosniff',
    },
  });
}
