// The portal's users table: one page of an app's live users, searched, sorted and paged by keyset,
// with each token shown only by its last four characters. Every statement is short at 1,000,000 users
// in one app (no OFFSET, no count of the app): each ordering has its own index (migration 0004).
import { sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { appIdFor } from '../apps/access';
import type { Caller } from '../auth/caller';
import { decrypt } from '../auth/encryption';
import { getDb } from '../db/client';
import { invalidInput } from '../errors';

export const DIRECTORY_PAGE_SIZES = [25, 50, 100] as const;
export const DIRECTORY_SORTS = ['created', 'lastActive'] as const;
export type DirectorySort = (typeof DIRECTORY_SORTS)[number];
export type SortDirection = 'asc' | 'desc';

export type DirectoryUser = {
  humanId: string;
  externalId: string;
  email: string | null;
  createdAt: Date;
  lastActiveAt: Date | null;
  /** The last four characters of each token: all the table shows until someone reveals them. */
  accessTokenLast4: string;
  publicTokenLast4: string;
};

export type DirectoryPage = {
  users: DirectoryUser[];
  /** Pass as `after` for the next page; null on the last page. */
  nextCursor: string | null;
  /** Pass as `before` for the previous page; null on the first page. */
  previousCursor: string | null;
  /**
   * A broad search read its limit of users before it filled the page: more matches may follow
   * (nextCursor carries on from where it stopped).
   */
  isPartial: boolean;
};

// A cursor names the row it follows: its humanId, and for the last-active order also its key in
// milliseconds (`n` for a user never active). humanIds are unique, so the order is total.
const CURSOR = /^(?:(n|\d{1,15})_)?([0-9a-f]{32})$/;

export const DirectoryQueryInput = z.object({
  search: z.string().trim().max(200, 'Search is at most 200 characters.').default(''),
  sort: z.enum(DIRECTORY_SORTS).default('created'),
  direction: z.enum(['asc', 'desc']).default('desc'),
  pageSize: z.union([z.literal(25), z.literal(50), z.literal(100)]).default(25),
  after: z.string().regex(CURSOR, 'Not a page cursor.').optional(),
  before: z.string().regex(CURSOR, 'Not a page cursor.').optional(),
});
export type DirectoryQuery = z.input<typeof DirectoryQueryInput>;

/**
 * A search that matches fewer users than this in each of its three ways is answered from the
 * matches themselves (found through the prefix indexes, then sorted); a broader one by walking the
 * chosen order and skipping non-matches, which then finds a page's worth quickly.
 */
export const SPARSE_SEARCH_LIMIT = 1000;
/** How many users one page of a broad search reads at most: 10,000 took ~160 ms on the embedded engine. */
export const SCAN_WINDOW = 5_000;

type Row = {
  id: number;
  human_id: string;
  external_id: string;
  email: string | null;
  created_at: Date;
  last_active_at: Date | null;
  last_active_ms: string | null;
  access_token_encrypted: string;
  public_token_encrypted: string;
};

const NEVER_ACTIVE = sql.raw(`'-infinity'::timestamptz`);
const lastActiveKey = sql.raw(`coalesce(last_active_at, '-infinity'::timestamptz)`);

function cursorOf(sort: DirectorySort, row: Row): string {
  if (sort === 'created') return row.human_id;
  return `${row.last_active_ms === null ? 'n' : row.last_active_ms}_${row.human_id}`;
}

/** `(key) < (cursor)` or `>`, in the same terms as the ORDER BY so one index serves both. */
function keysetFilter(sort: DirectorySort, cursor: string, isAfterInOrder: boolean, direction: SortDirection): SQL {
  const [, ms, humanId] = CURSOR.exec(cursor)!;
  const goesDown = (direction === 'desc') === isAfterInOrder;
  const op = sql.raw(goesDown ? '<' : '>');
  if (sort === 'created') return sql`human_id ${op} ${humanId}::bpchar`;
  if (ms === undefined) throw invalidInput('This page cursor belongs to another sort order.');
  // Integer milliseconds from the epoch: exact, where a float of seconds could round.
  const key = ms === 'n' ? NEVER_ACTIVE : sql`(timestamptz 'epoch' + ${ms}::bigint * interval '1 millisecond')`;
  return sql`(${lastActiveKey}, human_id) ${op} (${key}, ${humanId}::bpchar)`;
}

function orderBy(sort: DirectorySort, direction: SortDirection): SQL {
  const dir = sql.raw(direction === 'desc' ? 'DESC' : 'ASC');
  return sort === 'created' ? sql`human_id ${dir}` : sql`${lastActiveKey} ${dir}, human_id ${dir}`;
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** The three ways a search matches: externalId prefix, email prefix (any case), humanId prefix. */
function searchBranches(search: string): SQL[] {
  const branches = [
    sql`external_id LIKE ${escapeLike(search) + '%'}`,
    sql`lower(email) LIKE ${escapeLike(search.toLowerCase()) + '%'}`,
  ];
  const hex = search.toLowerCase();
  // humanIds are lowercase hex, so a hex prefix is the range [prefix, prefix + 'g').
  if (/^[0-9a-f]{1,32}$/.test(hex)) branches.push(sql`(human_id >= ${hex}::bpchar AND human_id < ${hex + 'g'}::bpchar)`);
  return branches;
}

const columns = sql.raw(
  `id::int AS id, human_id, external_id, email, created_at, last_active_at,
   (extract(epoch FROM last_active_at) * 1000)::bigint::text AS last_active_ms,
   access_token_encrypted, public_token_encrypted`,
);

function last4(sealed: string): string {
  return decrypt(sealed).slice(-4);
}

function toDirectoryUser(row: Row): DirectoryUser {
  return {
    humanId: row.human_id,
    externalId: row.external_id,
    email: row.email,
    createdAt: new Date(row.created_at),
    lastActiveAt: row.last_active_at === null ? null : new Date(row.last_active_at),
    accessTokenLast4: last4(row.access_token_encrypted),
    publicTokenLast4: last4(row.public_token_encrypted),
  };
}

/** One page of the app's users for the portal's table. */
export async function listDirectory(caller: Caller, clientId: string, input: DirectoryQuery = {}): Promise<DirectoryPage> {
  const parsed = DirectoryQueryInput.safeParse(input);
  if (!parsed.success) throw invalidInput(parsed.error.issues[0]?.message ?? 'Invalid users query.');
  const query = parsed.data;
  if (query.after && query.before) throw invalidInput('Give either after or before, not both.');
  const appId = await appIdFor(caller, clientId);
  const db = getDb();

  // Which users match: everyone, a short list of ids, or a predicate for a broad search.
  let match: { ids: SQL } | { where: SQL } | null = null;
  if (query.search) {
    const branches = searchBranches(query.search);
    const probe = sql.join(
      branches.map((where, i) => sql`(SELECT ${i}::int AS branch, id::int AS id FROM users WHERE app_id = ${appId} AND deleted_at IS NULL AND ${where} LIMIT ${SPARSE_SEARCH_LIMIT + 1})`),
      sql` UNION ALL `,
    );
    const found = (await db.execute<{ branch: number; id: number }>(probe)).rows;
    const perBranch = branches.map((_, i) => found.filter((row) => row.branch === i).length);
    match = perBranch.some((n) => n > SPARSE_SEARCH_LIMIT)
      ? { where: sql`(${sql.join(branches, sql` OR `)})` }
      : { ids: sql`id = ANY(${`{${[...new Set(found.map((row) => row.id))].join(',')}}`}::bigint[])` };
  }

  async function pageOf(cursor: { value: string; isAfter: boolean } | null) {
    // Walking backwards (before a cursor) reads the reverse order, then turns the rows around.
    const isBackwards = cursor !== null && !cursor.isAfter;
    const direction: SortDirection = isBackwards ? (query.direction === 'desc' ? 'asc' : 'desc') : query.direction;
    const order = orderBy(query.sort, direction);
    const live = sql`app_id = ${appId} AND deleted_at IS NULL`;
    const keyset = cursor ? sql` AND ${keysetFilter(query.sort, cursor.value, cursor.isAfter, query.direction)}` : sql``;
    const limit = query.pageSize + 1;
    let rows: Row[];
    let edge: Row | null = null;
    if (match && 'where' in match) {
      // A broad search walks the order and keeps the matches, but reads at most SCAN_WINDOW users per
      // page: when matches are rare in this stretch of the order, the page holds what it found and
      // the next page carries on from the last user read (a slow statement stalls the embedded engine).
      const result = (await db.execute<Row & { is_edge: boolean; scanned: number }>(sql`
        WITH walked AS MATERIALIZED (SELECT * FROM users WHERE ${live}${keyset} ORDER BY ${order} LIMIT ${SCAN_WINDOW})
        (SELECT ${columns}, false AS is_edge, 0 AS scanned FROM walked AS users WHERE ${match.where} ORDER BY ${order} LIMIT ${limit})
        UNION ALL
        (SELECT ${columns}, true AS is_edge, (SELECT count(*)::int FROM walked) AS scanned FROM walked AS users
          ORDER BY ${orderBy(query.sort, direction === 'desc' ? 'asc' : 'desc')} LIMIT 1)`)).rows;
      rows = result.filter((row) => !row.is_edge);
      const last = result.find((row) => row.is_edge);
      if (rows.length < limit && last && last.scanned >= SCAN_WINDOW) edge = last;
    } else {
      // A short list of matches is fetched first (MATERIALIZED keeps the planner from walking the
      // whole order looking for them), then sorted; everything else walks the order's index.
      const from = match
        ? sql`(WITH matches AS MATERIALIZED (SELECT * FROM users WHERE ${match.ids} AND ${live}) SELECT * FROM matches) AS users WHERE true${keyset}`
        : sql`users WHERE ${live}${keyset}`;
      rows = (await db.execute<Row>(sql`SELECT ${columns} FROM ${from} ORDER BY ${order} LIMIT ${limit}`)).rows;
    }
    const shown = rows.slice(0, query.pageSize);
    // Where the walk continues: after the last user shown, or after the last user read.
    const continueFrom = rows.length > query.pageSize ? shown[shown.length - 1]! : edge;
    return { rows: isBackwards ? shown.reverse() : shown, continueFrom, isPartial: edge !== null };
  }

  if (query.before) {
    const { rows, continueFrom, isPartial } = await pageOf({ value: query.before, isAfter: false });
    // Back at the start (or everything before was deleted): show the first page as it is now.
    if (continueFrom) {
      return {
        users: rows.map(toDirectoryUser),
        nextCursor: rows.length ? cursorOf(query.sort, rows[rows.length - 1]!) : null,
        previousCursor: cursorOf(query.sort, continueFrom),
        isPartial,
      };
    }
  }
  const after = query.before ? undefined : query.after;
  const { rows, continueFrom, isPartial } = await pageOf(after ? { value: after, isAfter: true } : null);
  return {
    users: rows.map(toDirectoryUser),
    nextCursor: continueFrom ? cursorOf(query.sort, continueFrom) : null,
    previousCursor: after && rows.length ? cursorOf(query.sort, rows[0]!) : after ?? null,
    isPartial,
  };
}
