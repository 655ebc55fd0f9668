// The user's source cards as JSON, for the cards' TanStack Query to refetch after Connect, a sync or
// a disconnect. The same service and shape as the page's first render.
import { NextResponse } from 'next/server';
import { toConnectionCard } from '@/components/sources/connection-card-view';
import { currentAccount } from '@/lib/auth/session';
import { DomainError } from '@/lib/errors';
import { listConnectionSummaries } from '@/lib/sources/connections';

const noStore = { 'Cache-Control': 'no-store' };

export async function GET(_request: Request, { params }: { params: Promise<{ clientId: string; humanId: string }> }) {
  const { clientId, humanId } = await params;
  const caller = await currentAccount();
  if (!caller) return NextResponse.json({ statusCode: 401, message: 'Sign in to the portal.' }, { status: 401, headers: noStore });
  try {
    const connections = await listConnectionSummaries(caller, clientId, humanId);
    return NextResponse.json({ connections: connections.map(toConnectionCard) }, { headers: noStore });
  } catch (error) {
    if (error instanceof DomainError && error.status < 500) {
      return NextResponse.json({ statusCode: error.status, message: error.message }, { status: error.status, headers: noStore });
    }
    throw error;
  }
}
