// List pagination as the API server does it (`limit` and `continue`): a page holds at most
// `limit` matching objects in key order; while more remain, `metadata.continue` carries an
// opaque token (base64url JSON of the list's resourceVersion and the key to resume after,
// as apiserver's storage/continue.go encodes it) and, when no selector filters the list,
// `metadata.remainingItemCount`. Every page of one list shows the same snapshot: the
// resourceVersion the first page was read at, as etcd serves a continued list.
import { KubeError } from './status.js';
import type { KObject } from './store.js';

interface Token {
  v: string;
  rv: number;
  start: string;
}

const TOKEN_VERSION = 'meta.k8s.io/v1';

/** An object's key under its list's prefix: `namespace/name` across namespaces, else `name`. */
export const pageKey = (o: KObject, allNamespaces: boolean): string =>
  allNamespaces && o.metadata.namespace !== undefined
    ? `${o.metadata.namespace}/${o.metadata.name}`
    : o.metadata.name;

export function encodeContinue(rv: number, lastKey: string): string {
  const token: Token = { v: TOKEN_VERSION, rv, start: `${lastKey}\u0000` };
  return Buffer.from(JSON.stringify(token)).toString('base64url');
}

const invalid = (why: string): KubeError =>
  new KubeError(400, 'BadRequest', `invalid continue token: continue key is not valid${why}`);

/** The token's resourceVersion and start key; a malformed one answers 400 as the server does. */
export function decodeContinue(value: string): { rv: number; start: string } {
  if (!/^[A-Za-z0-9_-]*$/.test(value))
    throw invalid(`: illegal base64 data at input byte ${value.search(/[^A-Za-z0-9_-]/)}`);
  let token: Partial<Token>;
  try {
    token = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as Partial<Token>;
  } catch {
    throw invalid(': invalid character looking for beginning of value');
  }
  if (!token || typeof token !== 'object' || token.v !== TOKEN_VERSION)
    throw invalid(`: server does not recognize this encoded version ${String(token?.v ?? '')}`);
  if (typeof token.rv !== 'number' || token.rv <= 0)
    throw new KubeError(
      400,
      'BadRequest',
      'invalid continue token: continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
    );
  if (typeof token.start !== 'string' || token.start === '')
    throw new KubeError(
      400,
      'BadRequest',
      'invalid continue token: continue key is not valid: encoded start key empty (version meta.k8s.io/v1)',
    );
  return { rv: token.rv, start: token.start };
}

/**
 * One page of `all` (the whole snapshot in key order): the objects after `start` that
 * `matches` accepts, at most `limit` of them.
 */
export function page(
  all: readonly KObject[],
  options: {
    allNamespaces: boolean;
    limit: number;
    start: string | undefined;
    matches: (o: KObject) => boolean;
    filtered: boolean;
    rv: number;
  },
): { items: KObject[]; continue?: string; remainingItemCount?: number } {
  const { allNamespaces, limit, start, matches } = options;
  let i = 0;
  if (start !== undefined) while (i < all.length && pageKey(all[i]!, allNamespaces) < start) i++;
  const items: KObject[] = [];
  for (; i < all.length; i++) {
    if (limit > 0 && items.length === limit) break;
    if (matches(all[i]!)) items.push(all[i]!);
  }
  if (limit <= 0 || i >= all.length) return { items };
  // The server answers a continue token whenever it stopped before the end, even when no
  // later object would match the selector; the count is known only without one.
  const last = pageKey(items[items.length - 1]!, allNamespaces);
  return {
    items,
    continue: encodeContinue(options.rv, last),
    ...(options.filtered ? {} : { remainingItemCount: all.length - i }),
  };
}
