import * as core from '@actions/core';
import { getOctokit } from '@actions/github';
import { GitHub } from '@actions/github/lib/utils';
import type { Octokit as CoreOctokit } from '@octokit/core';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import Bottleneck from 'bottleneck/light.js';
import { UsageError } from '../shared/errors.js';
import { githubAppAuth } from './app-auth.js';
import type { GitHubAppCredentials } from './app-credentials.js';
import { BACKOFF_UNIT_MS, REQUEST_ATTEMPTS } from '../shared/retry.js';

/**
 * Every call kubemend makes to GitHub goes through the client built here: it counts
 * requests, keeps the last rate-limit reading, retries what is safe to retry, and
 * waits out rate limits only as long as a workflow step can afford.
 */

/** POSTs whose replay would write twice (a second issue, a second comment): never retried. */
const NOT_RETRIED = new Set([
  'POST /repos/{owner}/{repo}/issues',
  'POST /repos/{owner}/{repo}/issues/{issue_number}/comments',
]);

/**
 * Client errors other than 429 say the request itself is wrong: a replay gets the same
 * answer (a 409 on a stale sha stays a 409), so only 5xx, 429 and dropped connections
 * are retried.
 */
const NO_RETRY_STATUSES = [400, 401, 403, 404, 405, 409, 410, 412, 413, 415, 422, 451];

export interface GitHubClientOptions {
  /** A token (GITHUB_TOKEN, a PAT); or else `app`. */
  token?: string;
  /** A GitHub App: installation tokens fetched and refreshed as they near expiry. */
  app?: GitHubAppCredentials;
  /** Default: GITHUB_API_URL, else https://api.github.com. */
  baseUrl?: string;
  /** Longest wait for a rate-limit reset or a secondary limit, in seconds. Default 60. */
  maxRateLimitWaitSeconds?: number;
  /** Retries of 5xx and dropped connections. Default: REQUEST_ATTEMPTS - 1. */
  retries?: number;
  /** Milliseconds per second of back-off and `retry-after`; tests shrink it. Default BACKOFF_UNIT_MS. */
  retryUnitMs?: number;
  /** Spacing of mutating requests, as GitHub asks of integrations. Default 1000 ms. */
  writeIntervalMs?: number;
  /** Spacing of requests that notify people (issues, comments, pull requests). Default 3000 ms. */
  notificationIntervalMs?: number;
  /** Where rate-limit waits are reported. Default: a workflow warning. */
  warn?: (message: string) => void;
}

export interface RateLimitReading {
  limit: number;
  remaining: number;
  used: number;
  /** Unix seconds. */
  reset: number;
}

export interface RequestStats {
  /** HTTP requests sent, retries included. */
  total: number;
  /** Requests by route (`METHOD /template`). */
  byRoute: Map<string, number>;
  /** The rate-limit headers of the latest response, when it had them. */
  rateLimit: RateLimitReading | undefined;
  /**
   * GitHub's clock (the latest response's Date header), in ms. Incident times come from
   * it rather than the runner's clock, so runs on different runners agree on them.
   */
  serverTime: number | undefined;
}

export type Octokit = ReturnType<typeof getOctokit>;
export interface GitHubClient {
  octokit: Octokit;
  stats: RequestStats;
}

export function createGitHubClient(options: GitHubClientOptions): GitHubClient {
  const maxWait = options.maxRateLimitWaitSeconds ?? 60;
  const warn = options.warn ?? ((message: string) => core.warning(message));
  const unit = options.retryUnitMs ?? BACKOFF_UNIT_MS;
  const stats: RequestStats = {
    total: 0,
    byRoute: new Map(),
    rateLimit: undefined,
    serverTime: undefined,
  };

  // Groups per client: the plugin shares its default groups among every client in the
  // process (it reads global and auth too, though its types leave them out).
  const throttle = {
    retryAfterBaseValue: unit,
    global: new Bottleneck.Group({ maxConcurrent: 10 }),
    auth: new Bottleneck.Group({ maxConcurrent: 1 }),
    search: new Bottleneck.Group({ maxConcurrent: 1, minTime: 2000 }),
    write: new Bottleneck.Group({ maxConcurrent: 1, minTime: options.writeIntervalMs ?? 1000 }),
    notifications: new Bottleneck.Group({
      maxConcurrent: 1,
      minTime: options.notificationIntervalMs ?? 3000,
    }),
    onRateLimit: (
      retryAfter: number,
      request: { method: string; url: string },
      _o: unknown,
      retryCount: number,
    ) => {
      // After a reset, every run that waited for it competes for the new budget: a run
      // may meet the limit again, and waits again, within the same bound.
      if (retryCount > 10 || retryAfter > maxWait) return false;
      warn(
        `GitHub API rate limit reached on ${request.method} ${request.url}; retrying in ${retryAfter} s.`,
      );
      return true;
    },
    onSecondaryRateLimit: (
      retryAfter: number,
      request: { method: string; url: string },
      _o: unknown,
      retryCount: number,
    ) => {
      if (retryCount > 1 || retryAfter > maxWait) return false;
      warn(
        `GitHub secondary rate limit on ${request.method} ${request.url}; retrying in ${retryAfter} s.`,
      );
      return true;
    },
  };

  if (!options.token === !options.app)
    throw new Error('createGitHubClient takes a token or a GitHub App, exactly one');
  const settings = {
    ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
    retry: {
      retries: options.retries ?? REQUEST_ATTEMPTS - 1,
      retryAfterBaseValue: unit,
      doNotRetry: NO_RETRY_STATUSES,
    },
    throttle,
  };
  // First, so its hooks sit innermost and see every attempt the retry plugin makes.
  const plugins = [accounting(stats), retry, throttling] as const;
  const octokit = options.token
    ? getOctokit(options.token, settings, ...plugins)
    : // getOctokit insists on a token; the same class, with the app's auth strategy. Its
      // token requests go through this Octokit, so they are counted here too.
      (new (GitHub.plugin(...plugins))({
        ...settings,
        authStrategy: githubAppAuth,
        auth: {
          ...options.app,
          serverTime: () => stats.serverTime,
          warn: (message: string) => warn(message),
        },
      }) as unknown as Octokit);

  return { octokit, stats };
}

/** Counts each HTTP attempt, keeps the latest rate-limit reading, and marks unsafe POSTs. */
function accounting(stats: RequestStats) {
  const readRateLimit = (headers: Record<string, unknown> | undefined): void => {
    const date = Date.parse(String(headers?.date ?? ''));
    if (Number.isFinite(date)) stats.serverTime = date;
    const limit = Number(headers?.['x-ratelimit-limit']);
    const remaining = Number(headers?.['x-ratelimit-remaining']);
    if (!Number.isFinite(limit) || !Number.isFinite(remaining)) return;
    stats.rateLimit = {
      limit,
      remaining,
      used: Number(headers?.['x-ratelimit-used'] ?? limit - remaining),
      reset: Number(headers?.['x-ratelimit-reset'] ?? 0),
    };
  };
  return (octokit: CoreOctokit): void => {
    octokit.hook.before('request', (request) => {
      const route = `${request.method} ${request.url}`;
      stats.total++;
      stats.byRoute.set(route, (stats.byRoute.get(route) ?? 0) + 1);
      // In place: the retry plugin reads this same object when the attempt fails.
      if (NOT_RETRIED.has(route)) ((request.request ??= {}) as { retries?: number }).retries = 0;
    });
    octokit.hook.after('request', (response) => readRateLimit(response.headers));
    octokit.hook.error('request', (error) => {
      readRateLimit(
        (error as { response?: { headers?: Record<string, unknown> } }).response?.headers,
      );
      throw error;
    });
  };
}

/**
 * Pacing overrides from the environment, for self-hosted GitHub Enterprise limits and for
 * tests against the emulator: KUBEMEND_WRITE_INTERVAL_MS spaces writes (notifications get
 * three times it), KUBEMEND_BACKOFF_MS is the unit of retries and back-offs.
 */
export function pacingFromEnv(env: NodeJS.ProcessEnv = process.env): {
  writeIntervalMs: number;
  notificationIntervalMs: number;
  retryUnitMs: number;
  backoffMs: number;
} {
  const read = (name: string, fallback: number): number => {
    const value = env[name];
    if (value === undefined || value === '') return fallback;
    if (!/^\d{1,6}$/.test(value)) {
      throw new UsageError(
        `${name} is ${JSON.stringify(value.slice(0, 20))}; allowed: a whole number of milliseconds up to 999999.`,
      );
    }
    return Number(value);
  };
  const write = read('KUBEMEND_WRITE_INTERVAL_MS', 1000);
  const backoff = read('KUBEMEND_BACKOFF_MS', BACKOFF_UNIT_MS);
  return {
    writeIntervalMs: write,
    notificationIntervalMs: write * 3,
    retryUnitMs: backoff,
    backoffMs: Math.max(1, Math.round(backoff / 4)),
  };
}
