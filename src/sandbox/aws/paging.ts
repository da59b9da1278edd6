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
 * `descending` reverses the whole order.
 */
export function paginate<T>(
  items: Iterable<T>,
  options: {
    sortKey: (item: T) => SortKey;
    limit: number;
    token?: string;
    descending?: boolean;
    /** The service's error code for a token it did not issue, e.g. InvalidInputException. */
    invalidTokenCode: string;
  },
): Page<T> {
  const direction = options.descending ? -1 : 1;
  const keyed = [...items].map((item) => ({ item, key: options.sortKey(item) }));
  keyed.sort((a, b) => direction * compareKeys(a.key, b.key));
  const cursor = options.token ? decodeToken(options.token, options.invalidTokenCode) : undefined;
  const start = cursor === undefined ? 0 : keyed.findIndex((k) => direction * compareKeys(k.key, cursor) > 0);
  const rest = start < 0 ? [] : keyed.slice(start);
  const page = rest.slice(0, options.limit);
  const last = page[page.length - 1];
  const nextToken = rest.length > page.length && last ? encodeToken(last.key) : undefined;
  return { items: page.map((k) => k.item), nextToken };
}
