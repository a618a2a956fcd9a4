// What handlers see and return, and GitHub's error shapes.
import type { RepoState } from './state.js';
import type { WebhookLog } from './webhooks.js';

export interface Ctx {
  repo: RepoState;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  /** The emulator's own base URL, for `url` fields and Link headers. */
  baseUrl: string;
  /** The login the token acts as. */
  login: string;
  pathname: string;
  /** Where handlers record the webhook events their state changes cause. */
  webhooks: WebhookLog;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Handler = (ctx: Ctx) => Reply;

export const DOCS = 'https://docs.github.com/rest';

export class HttpError extends Error {
  readonly status: number;
  readonly errors: unknown[] | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(
    status: number,
    message: string,
    errors?: unknown[],
    headers?: Record<string, string>,
  ) {
    super(message);
    this.status = status;
    this.errors = errors;
    this.headers = headers;
  }

  toBody(): Record<string, unknown> {
    return {
      message: this.message,
      ...(this.errors ? { errors: this.errors } : {}),
      documentation_url: DOCS,
      status: String(this.status),
    };
  }
}

export const notFound = (): HttpError => new HttpError(404, 'Not Found');

/** GitHub's 422 with one `errors` entry. */
export function validationFailed(error: Record<string, unknown>): HttpError {
  return new HttpError(422, 'Validation Failed', [error]);
}

export const asObject = (body: unknown): Record<string, unknown> =>
  typeof body === 'object' && body !== null && !Array.isArray(body)
    ? (body as Record<string, unknown>)
    : {};

export function intParam(ctx: Ctx, name: string): number {
  const value = Number(ctx.params[name]);
  if (!Number.isInteger(value)) throw notFound();
  return value;
}

/** One page of `items` and the Link header GitHub sends with it. */
export function paginate<T>(ctx: Ctx, items: T[]): { page: T[]; headers: Record<string, string> } {
  const perPage = Math.min(Math.max(Number(ctx.query.get('per_page') ?? 30) || 30, 1), 100);
  const page = Math.max(Number(ctx.query.get('page') ?? 1) || 1, 1);
  const last = Math.max(Math.ceil(items.length / perPage), 1);
  const link = (n: number, rel: string): string => {
    const query = new URLSearchParams(ctx.query);
    query.set('per_page', String(perPage));
    query.set('page', String(n));
    return `<${ctx.baseUrl}${ctx.pathname}?${query.toString()}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (page > 1) links.push(link(page - 1, 'prev'));
  if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'));
  if (page > 1) links.push(link(1, 'first'));
  return {
    page: items.slice((page - 1) * perPage, page * perPage),
    headers: links.length > 0 ? { link: links.join(', ') } : {},
  };
}

/** GitHub limits issue, pull request and comment bodies to 65,536 characters. */
export function checkBodyLength(body: unknown, resource: string): void {
  if (typeof body === 'string' && body.length > 65536) {
    throw validationFailed({
      resource,
      code: 'custom',
      field: 'body',
      message: 'body is too long (maximum is 65536 characters)',
    });
  }
}

/** Sorts issues or pull requests by a key, ties broken by number, as list endpoints do. */
export function sortByKey<T extends { number: number }>(
  list: T[],
  key: (item: T) => string | number,
  direction: string,
): T[] {
  const sign = direction === 'asc' ? 1 : -1;
  return list.sort((a, b) => {
    const [x, y] = [key(a), key(b)];
    return (x < y ? -1 : x > y ? 1 : a.number - b.number) * sign;
  });
}
