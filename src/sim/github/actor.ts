// A person (or bot) acting on a repository through the emulator's REST API with their
// own token, so a rehearsal step causes exactly the state changes and webhook events
// the same action on GitHub would, through the same validation and handlers.

type Json = Record<string, unknown>;

export class GitHubActor {
  private readonly baseUrl: string;
  readonly token: string;
  /** `owner/name` the actor works on. */
  readonly repository: string;

  constructor(baseUrl: string, token: string, repository: string) {
    this.baseUrl = baseUrl;
    this.token = token;
    this.repository = repository;
  }

  /** A REST call on the repository (`path` after /repos/{owner}/{repo}); non-2xx throws. */
  async request(method: string, path: string, body?: unknown): Promise<Json | undefined> {
    const response = await fetch(`${this.baseUrl}/repos/${this.repository}${path}`, {
      method,
      headers: {
        authorization: `token ${this.token}`,
        accept: 'application/vnd.github+json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const json = text ? (JSON.parse(text) as Json) : undefined;
    if (!response.ok)
      throw new Error(
        `${method} ${path} answered ${response.status}: ${String(json?.message ?? text)}`,
      );
    return json;
  }

  async openIssue(issue: { title: string; body?: string; labels?: string[] }): Promise<number> {
    return Number((await this.request('POST', '/issues', issue))!.number);
  }

  /** Returns the comment id. */
  async comment(number: number, body: string): Promise<number> {
    return Number((await this.request('POST', `/issues/${number}/comments`, { body }))!.id);
  }

  async label(number: number, ...names: string[]): Promise<void> {
    await this.request('POST', `/issues/${number}/labels`, { labels: names });
  }

  async unlabel(number: number, name: string): Promise<void> {
    await this.request('DELETE', `/issues/${number}/labels/${encodeURIComponent(name)}`);
  }

  /** Closes an issue or a pull request (unmerged). */
  async close(number: number): Promise<void> {
    await this.request('PATCH', `/issues/${number}`, { state: 'closed' });
  }

  async reopen(number: number): Promise<void> {
    await this.request('PATCH', `/issues/${number}`, { state: 'open' });
  }

  /** Merges a pull request; returns the merge commit's sha. */
  async merge(number: number, method: 'merge' | 'squash' | 'rebase' = 'merge'): Promise<string> {
    const answer = await this.request('PUT', `/pulls/${number}/merge`, { merge_method: method });
    return String(answer!.sha);
  }

  async dispatch(eventType: string, clientPayload: Json = {}): Promise<void> {
    await this.request('POST', '/dispatches', {
      event_type: eventType,
      client_payload: clientPayload,
    });
  }
}
