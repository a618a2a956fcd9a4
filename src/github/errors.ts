// GitHub API failures, told as what the user can do about them.

interface RequestErrorLike {
  status?: number;
  message?: string;
  request?: { method?: string; url?: string };
}

const HINTS: Record<number, string> = {
  401: 'check the github-token input: the token is missing, expired or revoked',
  403: "the token may lack a permission: the workflow needs 'contents: write', 'pull-requests: write' and 'issues: write' (and the repository must allow GitHub Actions to create pull requests)",
  404: 'the repository, branch or incident was not found, or the token cannot see it',
  422: 'GitHub rejected the request as invalid',
};

/** A one-line description of a failed GitHub request; undefined for errors that are not one. */
export function describeGitHubError(error: unknown): string | undefined {
  const e = error as RequestErrorLike | null;
  if (!e || typeof e !== 'object' || !e.request?.url || typeof e.status !== 'number')
    return undefined;
  let where = e.request.url;
  try {
    const url = new URL(e.request.url);
    where = decodeURIComponent(url.pathname);
  } catch {
    // keep the raw URL
  }
  const method = e.request.method ?? 'request';
  // Octokit reports a connection failure as status 500 with the socket's message.
  if (
    e.status === 500 &&
    /ECONNREFUSED|ENOTFOUND|ETIMEDOUT|ECONNRESET|fetch failed/i.test(e.message ?? '')
  ) {
    return `GitHub API ${method} ${where} could not be reached (${(e.message ?? '').slice(0, 120)}); check GITHUB_API_URL and the runner's network.`;
  }
  const hint =
    HINTS[e.status] ??
    (e.status >= 500 ? 'GitHub is having trouble; re-run the job later' : undefined);
  return `GitHub API ${method} ${where} failed with ${e.status}: ${(e.message ?? '').slice(0, 200)}${hint ? `; ${hint}` : ''}.`;
}

/** The HTTP status of a failed request (Octokit's RequestError, client-node's ApiException). */
export function statusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { status?: unknown; code?: unknown };
  if (typeof e.status === 'number') return e.status;
  return typeof e.code === 'number' ? e.code : undefined;
}

/** The message GitHub gave a failed request ('' when none), for telling its 422s apart. */
export function errorText(error: unknown): string {
  return (error as { message?: string } | null)?.message ?? '';
}
