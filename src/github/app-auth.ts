// GitHub App authentication for the GitHub client: an Octokit auth strategy built on
// @octokit/auth-app. The app's JWT opens the app's own endpoints (finding the
// installation, creating installation tokens); every other request carries an
// installation token, fetched and refreshed by auth-app and kept until shortly before
// GitHub's `expires_at`, so a process that runs for days keeps working. The token
// requests go through the same Octokit (its hooks count and pace them).
import { createAppAuth } from '@octokit/auth-app';
import type { Octokit as CoreOctokit } from '@octokit/core';
import type { GitHubAppCredentials } from './app-credentials.js';

/** A token is refreshed once less than this is left of its life (or half of it, if shorter). */
const REFRESH_MARGIN_MS = 5 * 60_000;

/** Installation token not to be had (no installation, a key GitHub refuses): no HTTP status, so callers retry it. */
export class GitHubAppAuthError extends Error {
  override name = 'GitHubAppAuthError';
}

interface StrategyOptions extends GitHubAppCredentials {
  /** Octokit's own request (with its hooks), passed by Octokit. */
  request: RequestInterface;
  /** GitHub's clock (the latest Date header) in ms, to read `expires_at` against. */
  serverTime?: () => number | undefined;
  warn?: (message: string) => void;
}

type RequestInterface = CoreOctokit['request'];
type Endpoint = ReturnType<RequestInterface['endpoint']['merge']> & {
  url: string;
  headers: Record<string, string>;
};
type Hook = (
  request: RequestInterface,
  route: string,
  parameters?: Record<string, unknown>,
) => Promise<unknown>;

/** The app's own routes (auth-app signs them with the JWT). */
const APP_ROUTE =
  /^\/(?:app(?:\/.*)?|(?:repos\/[^/]+\/[^/]+|orgs\/[^/]+|users\/[^/]+|enterprises\/[^/]+)\/installation)$/i;

/** An Octokit `authStrategy`: pass the credentials as Octokit's `auth` option. */
export function githubAppAuth(options: StrategyOptions) {
  const cache = new ExpiringTokenCache(options.serverTime ?? (() => undefined));
  const app = createAppAuth({
    appId: options.appId,
    privateKey: options.privateKey,
    request: options.request,
    // Its type says `get` always finds a string; auth-app itself checks for a miss.
    cache: cache as unknown as {
      get: (key: string) => string;
      set: (key: string, value: string) => void;
    },
    log: { warn: options.warn ?? (() => {}) },
  });
  let installationId = options.installationId;
  let finding: Promise<number> | undefined;

  const installation = (): Promise<number> => {
    if (installationId) return Promise.resolve(installationId);
    finding ??= findInstallation(options).then(
      (id) => (installationId = id),
      (error: unknown) => {
        finding = undefined;
        throw error;
      },
    );
    return finding;
  };

  const installationToken = async (refresh: boolean): Promise<string> => {
    const id = await installation();
    try {
      const auth = await app({ type: 'installation', installationId: id, refresh });
      return auth.token;
    } catch (error) {
      const status = (error as { status?: unknown }).status;
      const hint =
        status === 401
          ? '; check GITHUB_APP_ID and its private key'
          : status === 404
            ? '; check GITHUB_APP_INSTALLATION_ID'
            : '';
      throw new GitHubAppAuthError(
        `GitHub App ${options.appId} could not get a token for installation ${id} (${describe(error)})${hint}.`,
      );
    }
  };

  const hook: Hook = async (request, route, parameters) => {
    // Merged, not parsed: `url` is still the route's template (`/repos/{owner}/…`), so
    // the test holds whatever the base URL (GitHub Enterprise's /api/v3).
    const endpoint = request.endpoint.merge(route, parameters) as Endpoint;
    const path = endpoint.url.replace(request.endpoint.DEFAULTS.baseUrl, '').split('?')[0] ?? '';
    if (APP_ROUTE.test(path)) return app.hook(request, route, parameters);
    const token = await installationToken(false);
    endpoint.headers.authorization = `token ${token}`;
    try {
      return await request(endpoint);
    } catch (error) {
      if ((error as { status?: unknown }).status !== 401) throw error;
      // Expired early (a clock that jumped, a token revoked): one fresh token, one more try.
      cache.clear();
      const fresh = await installationToken(true);
      endpoint.headers.authorization = `token ${fresh}`;
      try {
        return await request(endpoint);
      } catch (again) {
        if ((again as { status?: unknown }).status !== 401) throw again;
        // A 401 is about the credentials, never the request: no status, so the relay
        // keeps the dispatch and tries again later rather than dropping it.
        throw new GitHubAppAuthError(
          `GitHub refused a fresh installation token of GitHub App ${options.appId} (${describe(again)}).`,
        );
      }
    }
  };

  const auth = async () => ({
    type: 'token',
    tokenType: 'installation',
    token: await installationToken(false),
  });
  return Object.assign(auth, { hook });
}

async function findInstallation(options: StrategyOptions): Promise<number> {
  const [owner = '', repo = ''] = (options.repository ?? '').split('/');
  if (!owner || !repo)
    throw new GitHubAppAuthError(
      `GitHub App ${options.appId}: no installation id and no repository to find it from.`,
    );
  try {
    const { data } = await options.request('GET /repos/{owner}/{repo}/installation', {
      owner,
      repo,
    });
    return data.id;
  } catch (error) {
    const status = (error as { status?: unknown }).status;
    throw new GitHubAppAuthError(
      status === 404
        ? `GitHub App ${options.appId} is not installed on ${owner}/${repo}; install it there or set GITHUB_APP_INSTALLATION_ID.`
        : `GitHub App ${options.appId}: finding its installation on ${owner}/${repo} failed (${describe(error)}).`,
    );
  }
}

const describe = (error: unknown): string => {
  const status = (error as { status?: unknown }).status;
  const message = error instanceof Error ? error.message : String(error);
  return `${typeof status === 'number' ? `${status}: ` : ''}${message.slice(0, 200)}`;
};

/**
 * auth-app's cache interface, keeping each token until shortly before its `expires_at`
 * (auth-app's own cache assumes GitHub's hour). Expiry is read on GitHub's clock, as
 * the Date header of the answer that issued the token told it, so a skewed local clock
 * does not matter.
 */
class ExpiringTokenCache {
  private readonly entries = new Map<string, { value: string; refreshAt: number }>();
  private readonly serverTime: () => number | undefined;

  constructor(serverTime: () => number | undefined) {
    this.serverTime = serverTime;
  }

  get(key: string): string | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (Date.now() < entry.refreshAt) return entry.value;
    this.entries.delete(key);
    return undefined;
  }

  /** auth-app's value: `token|createdAt|expiresAt|…`. */
  set(key: string, value: string): void {
    const expiresAt = Date.parse(value.split('|')[2] ?? '');
    const now = Date.now();
    const left = Number.isFinite(expiresAt) ? expiresAt - (this.serverTime() ?? now) : 0;
    const margin = Math.min(REFRESH_MARGIN_MS, left / 2);
    this.entries.set(key, { value, refreshAt: now + left - margin });
  }

  clear(): void {
    this.entries.clear();
  }
}
