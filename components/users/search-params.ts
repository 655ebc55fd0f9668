// The users table's URL state, shared by the server page (which reads it) and the client controls
// (which change it): search, sort, direction, page size and the keyset cursor of the page shown.
import { createLoader, createSerializer, parseAsNumberLiteral, parseAsString, parseAsStringLiteral } from 'nuqs/server';

export const PAGE_SIZES = [25, 50, 100] as const;

export const usersSearchParams = {
  q: parseAsString.withDefault(''),
  sort: parseAsStringLiteral(['created', 'lastActive'] as const).withDefault('created'),
  dir: parseAsStringLiteral(['desc', 'asc'] as const).withDefault('desc'),
  size: parseAsNumberLiteral(PAGE_SIZES).withDefault(25),
  after: parseAsString,
  before: parseAsString,
};

export const loadUsersSearchParams = createLoader(usersSearchParams);
export const serializeUsersSearchParams = createSerializer(usersSearchParams);
