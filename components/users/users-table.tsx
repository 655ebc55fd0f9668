'use client';
// The users table (TanStack Table): one server-rendered page of users, tokens revealed on request,
// sorting by created or last active through the URL, and deleting a user with a confirmation —
// the row goes at once and comes back with an error toast if the delete fails.
import { createColumnHelper, tableFeatures, useTable } from '@tanstack/react-table';
import { ArrowDown, ArrowUp, ArrowUpDown, ChartColumn, X } from 'lucide-react';
import Link from 'next/link';
import { useQueryStates } from 'nuqs';
import { createContext, lazy, Suspense, use, useCallback, useMemo, useOptimistic, useRef, useState, useTransition } from 'react';
import { toast } from 'sonner';
import { usersSearchParams } from './search-params';
import { TokenCell } from './token-cell';
import type { DeleteUserAction, RevealTokensAction, UserRow, UserTokens } from './types';

type SortKey = 'created' | 'lastActive';

// The confirm dialog (Radix) loads when first wanted, not with the page: it is most of this page's
// script otherwise. Pointing at or focusing a delete button starts the download.
const loadDeleteDialog = () => import('./delete-user-dialog');
const DeleteUserDialog = lazy(() => loadDeleteDialog().then((module) => ({ default: module.DeleteUserDialog })));
const preloadDeleteDialog = () => void loadDeleteDialog();

const features = tableFeatures({});
const column = createColumnHelper<typeof features, UserRow>();

/** The element to focus once a user is gone: the next row's first link, else the search box. */
const rowFocusId = (humanId: string) => `user-${humanId}`;
const deleteButtonId = (humanId: string) => `delete-${humanId}`;
export const SEARCH_INPUT_ID = 'users-search';

/** A time as the server formatted it ("22 Nov 2026, 12:28 UTC"): the date, and the time under it. */
function When({ iso, label }: { iso: string; label: string }) {
  const [date, time] = label.split(', ');
  return (
    <time dateTime={iso} className="block whitespace-nowrap">
      {date}
      {time ? <span className="block text-xs text-zinc-500 dark:text-zinc-400">{time}</span> : null}
    </time>
  );
}

/**
 * What the cells need that changes while the page is open. Columns live at module scope (TanStack
 * Table wants them stable), so the cells read this rather than closing over it.
 */
type TableContext = {
  clientId: string;
  revealed: Record<string, UserTokens>;
  reveal: (humanId: string) => Promise<UserTokens>;
  askToDelete: (user: UserRow) => void;
  sortBy: (key: SortKey) => void;
  isSorting: boolean;
};
const UsersTableContext = createContext<TableContext | null>(null);
const useUsersTable = () => use(UsersTableContext)!;

function SortHeader({ label, sortKey }: { label: string; sortKey: SortKey }) {
  const { sortBy: onSort, isSorting: isPending } = useUsersTable();
  const [{ sort, dir }] = useQueryStates(usersSearchParams);
  const isActive = sort === sortKey;
  const Icon = !isActive ? ArrowUpDown : dir === 'desc' ? ArrowDown : ArrowUp;
  return (
    <button
      type="button"
      onClick={() => onSort(sortKey)}
      disabled={isPending}
      className="-mx-1 inline-flex items-center gap-1 rounded px-1 font-medium hover:text-zinc-900 focus-visible:outline-2 focus-visible:outline-brand-600 dark:hover:text-zinc-50"
    >
      {label}
      <Icon aria-hidden="true" className={`size-3.5 ${isActive ? 'text-zinc-900 dark:text-zinc-100' : 'text-zinc-400'}`} />
      <span className="sr-only">{isActive ? `, sorted ${dir === 'desc' ? 'newest first' : 'oldest first'}` : ', sort'}</span>
    </button>
  );
}


function HumanIdCell({ user }: { user: UserRow }) {
  const { clientId } = useUsersTable();
  return (
    <Link
      id={rowFocusId(user.humanId)}
      prefetch={false}
      href={`/apps/${clientId}/users/${user.humanId}`}
      className="block max-w-[8rem] truncate font-mono text-xs text-brand-700 hover:underline dark:text-brand-100"
    >
      {user.humanId}
    </Link>
  );
}

function TokenColumnCell({ user, kind }: { user: UserRow; kind: 'accessToken' | 'publicToken' }) {
  const { revealed, reveal } = useUsersTable();
  return (
    <TokenCell
      label={kind === 'accessToken' ? 'access token' : 'public token'}
      owner={user.externalId}
      last4={kind === 'accessToken' ? user.accessTokenLast4 : user.publicTokenLast4}
      value={revealed[user.humanId]?.[kind]}
      reveal={() => reveal(user.humanId).then((tokens) => tokens[kind])}
    />
  );
}

function OptionsCell({ user }: { user: UserRow }) {
  const { clientId, askToDelete } = useUsersTable();
  return (
    <div className="flex items-center gap-1">
      <Link
        href={`/apps/${clientId}/users/${user.humanId}`}
        prefetch={false}
        aria-label={`Data sources for ${user.externalId}`}
        className="inline-flex size-8 items-center justify-center rounded-md text-zinc-600 hover:bg-zinc-100 hover:text-zinc-900 focus-visible:outline-2 focus-visible:outline-brand-600 dark:text-zinc-300 dark:hover:bg-zinc-800 dark:hover:text-zinc-50"
      >
        <ChartColumn aria-hidden="true" className="size-4" />
      </Link>
      <button
        type="button"
        id={deleteButtonId(user.humanId)}
        onClick={() => askToDelete(user)}
        onPointerEnter={preloadDeleteDialog}
        onFocus={preloadDeleteDialog}
        aria-label={`Delete user ${user.externalId}`}
        className="inline-flex size-8 items-center justify-center rounded-md text-red-600 hover:bg-red-50 hover:text-red-700 focus-visible:outline-2 focus-visible:outline-red-600 dark:text-red-400 dark:hover:bg-red-950 dark:hover:text-red-300"
      >
        <X aria-hidden="true" className="size-4" />
      </button>
    </div>
  );
}

const columns = column.columns([
  column.accessor('humanId', { header: 'humanId', cell: ({ row }) => <HumanIdCell user={row.original} /> }),
  column.accessor('externalId', {
    header: 'externalId',
    cell: ({ row }) => (
      <div className="max-w-[11rem]">
        <div className="truncate font-medium">{row.original.externalId}</div>
        {row.original.email ? <div className="truncate text-xs text-zinc-500 dark:text-zinc-400">{row.original.email}</div> : null}
      </div>
    ),
  }),
  column.accessor('accessTokenLast4', { header: 'accessToken', cell: ({ row }) => <TokenColumnCell user={row.original} kind="accessToken" /> }),
  column.accessor('publicTokenLast4', { header: 'publicToken', cell: ({ row }) => <TokenColumnCell user={row.original} kind="publicToken" /> }),
  column.accessor('createdAt', {
    header: () => <SortHeader label="Created" sortKey="created" />,
    cell: ({ row }) => <When iso={row.original.createdAt} label={row.original.createdLabel} />,
  }),
  column.accessor('lastActiveAt', {
    header: () => <SortHeader label="Last active" sortKey="lastActive" />,
    cell: ({ row }) =>
      row.original.lastActiveAt ? (
        <When iso={row.original.lastActiveAt} label={row.original.lastActiveLabel!} />
      ) : (
        <span className="text-zinc-500 dark:text-zinc-400">Never</span>
      ),
  }),
  column.display({ id: 'options', header: 'Options', cell: ({ row }) => <OptionsCell user={row.original} /> }),
]);

export function UsersTable({
  clientId,
  users,
  emptyMessage,
  revealTokens,
  deleteUser,
}: {
  clientId: string;
  users: UserRow[];
  emptyMessage: React.ReactNode;
  revealTokens: RevealTokensAction;
  deleteUser: DeleteUserAction;
}) {
  const [visibleUsers, hideUser] = useOptimistic(users, (current, humanId: string) => current.filter((u) => u.humanId !== humanId));
  const [revealed, setRevealed] = useState<Record<string, UserTokens>>({});
  const [doomed, setDoomed] = useState<UserRow | null>(null);
  // Where focus goes when the dialog closes: back to the X that opened it, or after a delete to a
  // neighbouring row (the dialog has no Radix Trigger to return to: one dialog serves every row).
  const focusOnClose = useRef<string | null>(null);
  // Once mounted the dialog stays, so that closing it can return focus (Radix does that on close).
  const [isDialogMounted, setIsDialogMounted] = useState(false);
  const [isSorting, startSorting] = useTransition();
  const [, startDeleting] = useTransition();
  const [{ sort, dir }, setParams] = useQueryStates(usersSearchParams, { shallow: false, startTransition: startSorting });

  const sortBy = useCallback(
    (key: SortKey) => void setParams({ sort: key, dir: sort === key && dir === 'desc' ? 'asc' : 'desc', after: null, before: null }),
    [setParams, sort, dir],
  );

  const reveal = useCallback(
    async (humanId: string): Promise<UserTokens> => {
      const result = await revealTokens({ clientId, humanId });
      if (!result.ok) throw new Error(result.message);
      const tokens = { accessToken: result.accessToken, publicToken: result.publicToken };
      setRevealed((current) => ({ ...current, [humanId]: tokens }));
      return tokens;
    },
    [clientId, revealTokens],
  );

  const askToDelete = useCallback((user: UserRow) => {
    focusOnClose.current = deleteButtonId(user.humanId);
    setIsDialogMounted(true);
    setDoomed(user);
  }, []);
  const context = useMemo<TableContext>(
    () => ({ clientId, revealed, reveal, askToDelete, sortBy, isSorting }),
    [clientId, revealed, reveal, askToDelete, sortBy, isSorting],
  );

  function confirmDelete(user: UserRow) {
    const index = visibleUsers.findIndex((u) => u.humanId === user.humanId);
    const neighbour = visibleUsers[index + 1] ?? visibleUsers[index - 1];
    const target = neighbour ? rowFocusId(neighbour.humanId) : SEARCH_INPUT_ID;
    focusOnClose.current = target;
    setDoomed(null);
    startDeleting(async () => {
      hideUser(user.humanId);
      try {
        const result = await deleteUser({ clientId, humanId: user.humanId });
        if (!result.ok) {
          toast.error(`Could not delete ${user.externalId}: ${result.message}`);
          return;
        }
        toast.success(`Deleted user ${user.externalId}`);
        // The re-render after the delete can drop focus to the page; put it where it was going.
        if (!document.activeElement || document.activeElement === document.body) document.getElementById(target)?.focus();
      } catch {
        toast.error(`Could not delete ${user.externalId}: the server did not answer. Try again.`);
      }
    });
  }

  const table = useTable({ features, columns, data: visibleUsers, getRowId: (user) => user.humanId });
  const ariaSort = (id: string) => {
    const key = id === 'createdAt' ? 'created' : id === 'lastActiveAt' ? 'lastActive' : null;
    if (!key) return undefined;
    return sort === key ? (dir === 'desc' ? 'descending' : 'ascending') : 'none';
  };

  return (
    <UsersTableContext value={context}>
      <div
        className={`relative overflow-x-auto rounded-lg border border-zinc-200 bg-white transition-opacity dark:border-zinc-800 dark:bg-zinc-900 ${isSorting ? 'opacity-60' : ''}`}
        aria-busy={isSorting}
      >
        <table className="w-full text-left text-sm">
          <caption className="sr-only">Users of this app</caption>
          <thead className="border-b border-zinc-200 bg-zinc-50 text-xs text-zinc-600 dark:border-zinc-800 dark:bg-zinc-950 dark:text-zinc-400">
            {table.getHeaderGroups().map((group) => (
              <tr key={group.id}>
                {group.headers.map((header) => (
                  <th key={header.id} scope="col" aria-sort={ariaSort(header.column.id)} className="h-10 px-2.5 font-medium whitespace-nowrap">
                    {header.isPlaceholder ? null : <table.FlexRender header={header} />}
                  </th>
                ))}
              </tr>
            ))}
          </thead>
          <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">
            {table.getRowModel().rows.map((row) => (
              <tr key={row.id} className="h-14 align-middle hover:bg-zinc-50 dark:hover:bg-zinc-800/40">
                {row.getAllCells().map((cell) => (
                  <td key={cell.id} className="px-2.5 py-1.5 text-zinc-700 dark:text-zinc-300">
                    <table.FlexRender cell={cell} />
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
        {visibleUsers.length === 0 ? <div className="px-4 py-12 text-center text-sm text-zinc-600 dark:text-zinc-400">{emptyMessage}</div> : null}
      </div>
      <Suspense fallback={null}>
        {isDialogMounted ? (
          <DeleteUserDialog
            user={doomed}
            onCancel={() => setDoomed(null)}
            onConfirm={confirmDelete}
            onCloseAutoFocus={(event) => {
              const target = focusOnClose.current && document.getElementById(focusOnClose.current);
              focusOnClose.current = null;
              if (!target) return;
              event.preventDefault();
              target.focus();
            }}
          />
        ) : null}
      </Suspense>
    </UsersTableContext>
  );
}
