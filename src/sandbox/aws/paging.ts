// Cursor paging shared by every List/Get* operation.
// The token remembers the sort key of the last item returned, not an offset, so items created or
// deleted between pages never make a later page skip or repeat an item that was there all along.
import { AwsError } from './errors.js';

export type SortKey = readonly (string | number)[];

export interface Page<T> {
  items: T[];
  /** Opaque token for the next page; undefined on the last page. */
  nextToken?: string;
}

function compareKeys(a: SortKey, b: SortKey): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    return String(x) < String(y) ? -1 : 1;
  }
  return 0;
}

function encodeToken(key: SortKey): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

function decodeToken(token: string, invalidTokenCode: string): SortKey {
  try {
    const key: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (Array.isArray(key) && key.every((k) => typeof k === 'string' || typeof k === 'number')) return key;
  } catch {
    // fall through to the error below
  }
  throw new AwsError(invalidTokenCode, `Invalid pagination token: ${token}`);
}

/**
 * One page of `items`, ordered by `sortKey` (which must be unique per item: end it with an id).
 * `descending` reverses the whole order. `presorted` says the items already arrive in that order,
 * which saves a sort per page when a scan pages through a large account.
 */
export function paginate<T>(
  items: Iterable<T>,
  options: {
    sortKey: (item: T) => SortKey;
    limit: number;
    token?: string;
    descending?: boolean;
    presorted?: boolean;
    /** The service's error code for a token it did not issue, e.g. InvalidInputException. */
    invalidTokenCode: string;
  },
): Page<T> {
  const direction = options.descending ? -1 : 1;
  const compare = (a: SortKey, b: SortKey): number => direction * compareKeys(a, b);
  let ordered = [...items];
  if (!options.presorted) {
    const keyed = ordered.map((item) => ({ item, key: options.sortKey(item) }));
    keyed.sort((a, b) => compare(a.key, b.key));
    ordered = keyed.map((k) => k.item);
  }
  const cursor = options.token ? decodeToken(options.token, options.invalidTokenCode) : undefined;
  const start = cursor === undefined ? 0 : firstAfter(ordered, (item) => compare(options.sortKey(item), cursor) > 0);
  const page = ordered.slice(start, start + options.limit);
  const last = page[page.length - 1];
  const more = start + page.length < ordered.length;
  return { items: page, nextToken: more && last !== undefined ? encodeToken(options.sortKey(last)) : undefined };
}

/** Binary search: index of the first item for which `isAfter` holds (items are ordered, so it holds for a suffix). */
function firstAfter<T>(items: readonly T[], isAfter: (item: T) => boolean): number {
  let low = 0;
  let high = items.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (isAfter(items[mid] as T)) high = mid;
    else low = mid + 1;
  }
  return low;
}
