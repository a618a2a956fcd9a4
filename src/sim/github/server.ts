// The GitHub REST emulator: a stateful HTTP server on loopback that real clients
// (Octokit) use as GITHUB_API_URL. Every request is routed and validated against
// GitHub's official REST description; anything the description rejects is answered
// as GitHub would and recorded as a fidelity failure, which fails the test run.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HANDLERS } from './handlers/index.js';
import { DOCS, HttpError, type Ctx, type Reply } from './http.js';
import { complete, matchRoute, type Operation } from './openapi.js';
import { GitHubActor } from './actor.js';
import { AppRegistry, type AppRegistration } from './apps.js';
import { answerObjectsQuery, isObjectsQuery } from './graphql-objects.js';
import { EmulatorClock, RepoState, type Permission } from './state.js';
import { GITHUB_TOKEN_LOGIN, WebhookLog } from './webhooks.js';

/** Pinned issues GitHub allows a repository. */
const PINNED_ISSUES_MAX = 3;

export interface GitHubEmulatorOptions {
  /** Repositories to create, `owner/name`. Default: octo-org/gitops. */
  repos?: string[];
  defaultBranch?: string;
  visibility?: 'public' | 'private';
  /** Requests per window, like GITHUB_TOKEN's 1,000 an hour per repository. */
  budget?: number;
  windowSeconds?: number;
  /**
   * Validate requests against the description (a request GitHub would refuse gets its
   * 422 and a fidelity failure). Default: on. Off, Ajv is never loaded (rehearsals).
   */
  validate?: boolean;
  /** Validate responses against the description too (needs `validate`). Default: on under Jest. */
  validateResponses?: boolean;
  port?: number;
  /** token → login; when given, any other token answers 401. Default: any token acts as github-actions[bot]. */
  tokens?: Record<string, string>;
}

export interface LogEntry {
  seq: number;
  method: string;
  path: string;
  query: string;
  operationId: string | undefined;
  status: number;
  /** Emulator clock, ms since the epoch. */
  at: number;
  durationMs: number;
  /** A request that would change state on GitHub (POST, PUT, PATCH, DELETE). */
  mutation: boolean;
  fault?: string;
}

export interface FidelityFailure {
  kind: 'unknown-route' | 'request' | 'response' | 'unsupported' | 'emulator-error';
  method: string;
  path: string;
  operationId?: string;
  detail: string;
}

export type Fault =
  | { status: number; message?: string }
  | { secondaryRateLimit: { retryAfter: number; status?: 403 | 429 } }
  | { latencyMs: number }
  | { drop: true };

interface FaultRule {
  route: string;
  remaining: number;
  fault: Fault;
  /** Apply after the handler ran (the write happened, the answer is lost). */
  after: boolean;
}

/** Every emulator alive in this process, so a test setup can check them all. */
const PERMISSION_RANK = ['read', 'triage', 'write', 'maintain', 'admin'];
/** The permission each write needs of a person (see personRefusal). */
const PERSON_NEEDS: Record<string, string> = {
  'issues/add-labels': 'triage',
  'issues/set-labels': 'triage',
  'issues/remove-label': 'triage',
  'issues/remove-all-labels': 'triage',
  'issues/update': 'triage',
  'pulls/update': 'write',
  'pulls/merge': 'write',
  'repos/create-dispatch-event': 'write',
  'repos/create-or-update-file-contents': 'write',
  'repos/delete-file': 'write',
  'git/create-ref': 'write',
  'git/update-ref': 'write',
  'git/delete-ref': 'write',
  'git/create-commit': 'write',
  'git/create-tree': 'write',
  'git/create-blob': 'write',
};

export const liveEmulators = new Set<GitHubEmulator>();

/** Operations a GitHub App calls with its JWT: answered by the server from the app registry. */
const APP_OPERATIONS = new Set([
  'apps/get-repo-installation',
  'apps/create-installation-access-token',
]);

export class GitHubEmulator {
  readonly clock = new EmulatorClock();
  readonly log: LogEntry[] = [];
  readonly fidelityFailures: FidelityFailure[] = [];
  readonly repos = new Map<string, RepoState>();
  /** The webhook events GitHub would deliver for every accepted change, oldest first. */
  readonly webhooks = new WebhookLog();
  /** GitHub Apps, their installations and the installation tokens issued. */
  readonly apps = new AppRegistry();
  url = '';
  /** Called after POST /_emulator/shutdown has closed the server. */
  onShutdown: (() => void) | undefined;
  private server: Server | undefined;
  private faults: FaultRule[] = [];
  private seq = 0;
  private budget: number;
  private windowMs: number;
  private used = 0;
  private windowStart: number;
  private validateResponses: boolean;
  private readonly validate: boolean;
  /** The validators, loaded by listen() when `validate` is on. */
  private validation: typeof import('./validate.js') | undefined;
  private tokens: Record<string, string> | undefined;
  /** Tokens of people added with `person()`, valid whatever `tokens` says. */
  private readonly personTokens = new Map<string, string>();
  private readonly sockets = new Set<import('node:net').Socket>();

  constructor(options: GitHubEmulatorOptions = {}) {
    this.budget = options.budget ?? 1000;
    this.windowMs = (options.windowSeconds ?? 3600) * 1000;
    this.windowStart = this.clock.now();
    this.validate = options.validate ?? true;
    this.validateResponses =
      this.validate && (options.validateResponses ?? process.env.JEST_WORKER_ID !== undefined);
    this.tokens = options.tokens;
    for (const fullName of options.repos ?? ['octo-org/gitops']) {
      const [owner, name] = fullName.split('/');
      if (!owner || !name) throw new Error(`repository must be owner/name, got ${fullName}`);
      this.repos.set(
        fullName.toLowerCase(),
        new RepoState(owner, name, options.defaultBranch ?? 'main', this.clock, options.visibility),
      );
    }
  }

  /**
   * A person who acts on the repository (all repositories when none is named) with a
   * permission, and a token of their own: their writes cause events that start
   * workflows, unlike GITHUB_TOKEN's. Returns the token; calling again keeps it.
   */
  person(login: string, permission: Permission = 'write', repo?: string): string {
    if (!login || login === GITHUB_TOKEN_LOGIN)
      throw new Error(`person login must be a user's login, not ${JSON.stringify(login)}`);
    for (const state of repo ? [this.repo(repo)] : this.repos.values())
      state.collaborators.set(login, permission);
    return this.tokenFor(login);
  }

  /**
   * What GitHub refuses a person for want of permission (people added with person() or
   * tokenFor() only; the tests' bot tokens act as before). Reading, opening issues and
   * commenting need no more than read; labels and closing another's issue need triage;
   * merges, pushes and dispatches need write.
   */
  private personRefusal(
    repo: RepoState,
    login: string,
    operationId: string,
    params: Record<string, string>,
  ): string | undefined {
    if (![...this.personTokens.values()].includes(login)) return undefined;
    const need = PERSON_NEEDS[operationId];
    if (!need) return undefined;
    const issue = params.issue_number ? repo.issues.get(Number(params.issue_number)) : undefined;
    // The author of an issue may edit and close it whatever their permission.
    if (operationId === 'issues/update' && issue?.user === login) return undefined;
    const have = repo.collaborators.get(login);
    const rank = (p: string | undefined): number => (p ? PERMISSION_RANK.indexOf(p) : -1);
    if (rank(have) >= rank(need)) return undefined;
    return `Must have ${need} access to repository ${repo.fullName}.`;
  }

  /** A token that acts as `login` (a person, or a bot such as a PAT's `kubemend[bot]`). */
  tokenFor(login: string): string {
    for (const [token, who] of this.personTokens) if (who === login) return token;
    const token = `ghp_emulator_${login.replace(/[^A-Za-z0-9]/g, '_')}_${randomUUID().slice(0, 8)}`;
    this.personTokens.set(token, login);
    return token;
  }

  /**
   * Registers a GitHub App with the public half of its key and installs it on the
   * repositories named (all by default); returns the installation's id. The app then
   * authenticates with a JWT it signs, and acts with installation tokens as `<slug>[bot]`.
   */
  registerApp(registration: AppRegistration): number {
    for (const name of registration.repos ?? []) this.repo(name);
    return this.apps.register(registration);
  }

  /** Acts as `login` through the REST API, so its events are those GitHub would send. */
  as(login: string, repo?: string): GitHubActor {
    if (!this.url) throw new Error('the emulator must listen before anyone can act on it');
    return new GitHubActor(this.url, this.tokenFor(login), this.repo(repo).fullName);
  }

  private graphql(raw: Buffer, login: string): Reply {
    let request: { query?: unknown; variables?: Record<string, unknown> };
    try {
      request = JSON.parse(raw.toString('utf8')) as typeof request;
    } catch {
      return { status: 400, body: { message: 'Problems parsing JSON' } };
    }
    const query = typeof request.query === 'string' ? request.query : '';
    const error = (message: string, type = 'UNPROCESSABLE'): Reply => ({
      status: 200,
      body: { data: null, errors: [{ type, message, locations: [], path: [] }] },
    });
    if (isObjectsQuery(query))
      return {
        status: 200,
        body: answerObjectsQuery(query, request.variables, (name) =>
          this.repos.get(name.toLowerCase()),
        ),
      };
    const mutation = /\b(enablePullRequestAutoMerge|pinIssue)\s*\(/.exec(query)?.[1];
    if (!mutation)
      return error(
        "kubemend's emulator answers only enablePullRequestAutoMerge, pinIssue and repository objects by expression",
        'NOT_SUPPORTED',
      );
    // Arguments as literals or `$variables`, as GitHub reads them.
    const call = query.slice(query.indexOf(mutation));
    const argument = (name: string): string | undefined => {
      const m = new RegExp(`${name}:\\s*(?:\\$(\\w+)|"([^"]*)"|(\\w+))`).exec(call);
      if (!m) return undefined;
      return m[1] !== undefined ? String(request.variables?.[m[1]] ?? '') : (m[2] ?? m[3]);
    };
    if (mutation === 'pinIssue') return this.pinIssue(argument('issueId') ?? '', error);
    const id = argument('pullRequestId') ?? '';
    const method = (argument('mergeMethod') ?? 'MERGE').toLowerCase();
    const decoded = Buffer.from(id, 'base64').toString('utf8');
    const issueId = /^011:PullRequest(\d+)$/.exec(decoded)?.[1];
    for (const repo of this.repos.values())
      for (const issue of repo.issues.values()) {
        if (!issue.pull || String(issue.id) !== issueId) continue;
        if (!repo.allowAutoMerge)
          return error('Pull request Auto merge is not allowed for this repository');
        if (issue.state !== 'open') return error('Pull request is not open');
        issue.pull.autoMerge = {
          method: method as 'merge' | 'squash' | 'rebase',
          enabledBy: login,
        };
        return {
          status: 200,
          body: { data: { enablePullRequestAutoMerge: { clientMutationId: null } } },
        };
      }
    return error(`Could not resolve to a node with the global id of '${id}'`, 'NOT_FOUND');
  }

  /**
   * GitHub's pinIssue: an issue (not a pull request) pinned to its repository's issue
   * list, at most three a repository; pinning a pinned issue changes nothing.
   */
  private pinIssue(id: string, error: (message: string, type?: string) => Reply): Reply {
    const issueId = /^05:Issue(\d+)$/.exec(Buffer.from(id, 'base64').toString('utf8'))?.[1];
    for (const repo of this.repos.values())
      for (const issue of repo.issues.values()) {
        if (issue.pull || String(issue.id) !== issueId) continue;
        const pinned = [...repo.issues.values()].filter((i) => i.pinned).length;
        if (!issue.pinned && pinned >= PINNED_ISSUES_MAX)
          return error(`You can't pin more than ${PINNED_ISSUES_MAX} issues in a repository`);
        issue.pinned = true;
        return {
          status: 200,
          body: { data: { pinIssue: { issue: { number: issue.number, isPinned: true } } } },
        };
      }
    return error(`Could not resolve to a node with the global id of '${id}'`, 'NOT_FOUND');
  }

  /** The repository state; with no name, the first one. */
  repo(fullName?: string): RepoState {
    const repo = fullName
      ? this.repos.get(fullName.toLowerCase())
      : this.repos.values().next().value;
    if (!repo) throw new Error(`no repository ${fullName ?? ''}`);
    return repo;
  }

  async listen(port = 0): Promise<this> {
    if (this.validate) this.validation ??= await import('./validate.js');
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    liveEmulators.add(this);
    return this;
  }

  async close(): Promise<void> {
    liveEmulators.delete(this);
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }

  /** Injects a fault on a route (an operationId such as `git/create-ref`, or `METHOD /template`) for the next `times` calls. */
  inject(route: string, fault: Fault, times = 1, options: { after?: boolean } = {}): void {
    this.faults.push({ route, remaining: times, fault, after: options.after ?? false });
  }

  clearFaults(): void {
    this.faults = [];
  }

  /** Requests matching a filter: `operationId`, `METHOD /template`-less path prefix, or a predicate. */
  requests(filter?: string | ((entry: LogEntry) => boolean)): LogEntry[] {
    if (filter === undefined) return [...this.log];
    if (typeof filter === 'function') return this.log.filter(filter);
    return this.log.filter((e) => e.operationId === filter);
  }

  /** Requests that changed state: mutations GitHub accepted. */
  writes(): LogEntry[] {
    return this.log.filter((e) => e.mutation && e.status >= 200 && e.status < 300);
  }

  /** Removes and returns the fidelity failures recorded so far (a test that provokes them takes them). */
  takeFidelityFailures(): FidelityFailure[] {
    return this.fidelityFailures.splice(0);
  }

  rateLimit(): { limit: number; remaining: number; used: number; reset: number } {
    this.refreshWindow();
    return {
      limit: this.budget,
      remaining: Math.max(this.budget - this.used, 0),
      used: this.used,
      reset: Math.ceil((this.windowStart + this.windowMs) / 1000),
    };
  }

  setRemaining(remaining: number): void {
    this.refreshWindow();
    this.used = Math.max(this.budget - remaining, 0);
  }

  private refreshWindow(): void {
    if (this.clock.now() >= this.windowStart + this.windowMs) {
      this.windowStart = this.clock.now();
      this.used = 0;
    }
  }

  private rateHeaders(): Record<string, string> {
    const r = this.rateLimit();
    return {
      'x-ratelimit-limit': String(r.limit),
      'x-ratelimit-remaining': String(r.remaining),
      'x-ratelimit-reset': String(r.reset),
      'x-ratelimit-used': String(r.used),
      'x-ratelimit-resource': 'core',
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    const entry: LogEntry = {
      seq: ++this.seq,
      method,
      path: url.pathname,
      query: url.search,
      operationId: undefined,
      status: 0,
      at: this.clock.now(),
      durationMs: 0,
      mutation: !['GET', 'HEAD', 'OPTIONS'].includes(method),
    };
    const send = (reply: Reply): void => {
      entry.status = reply.status;
      entry.durationMs = performance.now() - started;
      if (!url.pathname.startsWith('/_emulator/')) this.log.push(entry);
      const headers: Record<string, string> = {
        'x-github-request-id': randomUUID().toUpperCase(),
        'x-github-media-type': 'github.v3; format=json',
        // GitHub's clock is the emulator's, so clients that read Date see emulated time.
        date: new Date(this.clock.now()).toUTCString(),
        ...(url.pathname.startsWith('/_emulator/') ? {} : this.rateHeaders()),
        ...reply.headers,
      };
      if (reply.body === undefined || reply.status === 204) {
        res.writeHead(reply.status, headers).end();
      } else {
        res
          .writeHead(reply.status, {
            'content-type': 'application/json; charset=utf-8',
            ...headers,
          })
          .end(JSON.stringify(reply.body));
      }
    };
    const fail = (kind: FidelityFailure['kind'], detail: string, operationId?: string): void => {
      this.fidelityFailures.push({ kind, method, path: url.pathname, operationId, detail });
    };

    let raw: Buffer;
    try {
      raw = await readBody(req, 10 * 1024 * 1024);
    } catch {
      send({ status: 413, body: { message: 'Request body too large', documentation_url: DOCS } });
      return;
    }
    if (url.pathname.startsWith('/_emulator/')) {
      try {
        send(this.control(method, url, raw));
      } catch (error) {
        send({
          status: 400,
          body: { message: error instanceof Error ? error.message : 'bad request' },
        });
      }
      return;
    }
    const auth = req.headers.authorization ?? '';
    const token = /^(?:token|bearer)\s+(.+)$/i.exec(auth)?.[1];
    if (!token) {
      send({
        status: 401,
        body: { message: 'Requires authentication', documentation_url: DOCS, status: '401' },
      });
      return;
    }
    const credential = this.apps.authenticate(token, this.clock.now());
    if (credential?.kind === 'refused') {
      send(credential.reply);
      return;
    }
    const login =
      credential?.kind === 'installation'
        ? credential.login
        : credential?.kind === 'jwt'
          ? `${credential.app.slug}[bot]`
          : (this.personTokens.get(token) ??
            (this.tokens ? this.tokens[token] : GITHUB_TOKEN_LOGIN));
    if (!login) {
      send({
        status: 401,
        body: { message: 'Bad credentials', documentation_url: DOCS, status: '401' },
      });
      return;
    }
    // GraphQL is outside the REST description; the emulator answers the one mutation
    // kubemend sends (auto-merge, which REST lacks), repository objects by expression
    // (graphql-objects.ts) and GitHub's error for anything else.
    if (method === 'POST' && url.pathname === '/graphql') {
      send(credential?.kind === 'jwt' ? forbiddenToIntegration() : this.graphql(raw, login));
      return;
    }
    const match = matchRoute(method, url.pathname);
    if (!('operation' in match)) {
      fail(
        'unknown-route',
        match.pathKnown
          ? `${method} is not an operation of this path`
          : 'no such route in the REST description',
      );
      send({ status: 404, body: { message: 'Not Found', documentation_url: DOCS, status: '404' } });
      return;
    }
    const { operation, params } = match;
    entry.operationId = operation.operationId;
    if (operation.operationId === 'rate-limit/get') {
      const r = this.rateLimit();
      const core = { limit: r.limit, remaining: r.remaining, reset: r.reset, used: r.used };
      send({ status: 200, body: this.finish(operation, 200, { resources: { core }, rate: core }) });
      return;
    }

    const fault = this.takeFault(operation);
    if (fault && !fault.after) {
      entry.fault = JSON.stringify(fault.fault);
      if ('latencyMs' in fault.fault)
        await new Promise((r) => setTimeout(r, (fault.fault as { latencyMs: number }).latencyMs));
      else {
        this.spend();
        this.applyFault(fault.fault, req, res, send, entry);
        return;
      }
    }

    this.refreshWindow();
    if (this.used >= this.budget) {
      send({
        status: 403,
        body: {
          message: 'API rate limit exceeded for installation ID 1.',
          documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
          status: '403',
        },
      });
      return;
    }
    this.spend();

    let body: unknown;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        fail('request', 'body is not JSON', operation.operationId);
        send({
          status: 400,
          body: { message: 'Problems parsing JSON', documentation_url: DOCS, status: '400' },
        });
        return;
      }
    }
    const problem = this.validation?.validateRequest(operation, params, url.searchParams, body);
    if (problem) {
      fail('request', problem, operation.operationId);
      send({
        status: 422,
        body: this.finish(operation, 422, {
          message: `Invalid request.\n\n${problem}`,
          documentation_url: DOCS,
          status: '422',
        }),
      });
      return;
    }
    // An app's JWT opens the app's own endpoints and nothing else; they take nothing else.
    const appOperation = APP_OPERATIONS.has(operation.operationId);
    if (appOperation !== (credential?.kind === 'jwt')) {
      send(
        appOperation
          ? {
              status: 401,
              body: {
                message: 'A JSON web token could not be decoded',
                documentation_url: DOCS,
                status: '401',
              },
            }
          : forbiddenToIntegration(),
      );
      return;
    }
    if (
      credential?.kind === 'jwt' &&
      operation.operationId === 'apps/create-installation-access-token'
    ) {
      this.respond(
        operation,
        () =>
          this.apps.createToken(credential.app, Number(params.installation_id), this.clock.now()),
        fail,
        send,
      );
      return;
    }
    // An organisation's routes (its teams) are served by its repository's state.
    const repo =
      params.owner && params.repo
        ? this.repos.get(`${params.owner}/${params.repo}`.toLowerCase())
        : params.org
          ? [...this.repos.values()].find(
              (r) => r.fullName.split('/')[0]?.toLowerCase() === params.org?.toLowerCase(),
            )
          : undefined;
    if (!repo) {
      send({ status: 404, body: { message: 'Not Found', documentation_url: DOCS, status: '404' } });
      return;
    }
    if (credential?.kind === 'jwt') {
      const { app } = credential;
      this.respond(operation, () => this.apps.repoInstallation(app, repo, this.url), fail, send);
      return;
    }
    // GitHub hides the repositories an installation does not cover.
    if (credential?.kind === 'installation' && !this.apps.covers(credential.app, repo)) {
      send({ status: 404, body: { message: 'Not Found', documentation_url: DOCS, status: '404' } });
      return;
    }
    const refusal = this.personRefusal(repo, login, operation.operationId, params);
    if (refusal) {
      send({ status: 403, body: { message: refusal, documentation_url: DOCS, status: '403' } });
      return;
    }
    const handler = HANDLERS[operation.operationId];
    if (!handler) {
      fail(
        'unsupported',
        `the emulator does not implement ${operation.operationId}`,
        operation.operationId,
      );
      send({
        status: 501,
        body: {
          message: `The GitHub emulator does not implement ${operation.operationId}.`,
          documentation_url: DOCS,
        },
      });
      return;
    }
    let reply: Reply;
    const ctx: Ctx = {
      repo,
      params,
      query: url.searchParams,
      body,
      baseUrl: this.url,
      login,
      pathname: url.pathname,
      webhooks: this.webhooks,
    };
    try {
      // Handlers are synchronous: no request can interleave with a read-modify-write.
      reply = handler(ctx);
    } catch (error) {
      if (error instanceof HttpError)
        reply = { status: error.status, body: error.toBody(), headers: error.headers };
      else {
        fail(
          'emulator-error',
          error instanceof Error ? (error.stack ?? error.message) : String(error),
          operation.operationId,
        );
        reply = { status: 500, body: { message: 'Server Error', documentation_url: DOCS } };
      }
    }
    if (fault?.after) {
      entry.fault = `${JSON.stringify(fault.fault)} after the write`;
      this.applyFault(fault.fault, req, res, send, entry);
      return;
    }
    reply.body = this.finish(operation, reply.status, reply.body);
    if (this.validateResponses && reply.status < 500) {
      const wrong = this.validation?.validateResponse(operation, reply.status, reply.body);
      if (wrong) fail('response', wrong, operation.operationId);
    }
    send(reply);
  }

  /** Runs an answer of the server's own (app endpoints): GitHub's error shapes, completed and checked as handlers' are. */
  private respond(
    operation: Operation,
    answer: () => Reply,
    fail: (kind: FidelityFailure['kind'], detail: string, operationId?: string) => void,
    send: (reply: Reply) => void,
  ): void {
    let reply: Reply;
    try {
      reply = answer();
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      reply = { status: error.status, body: error.toBody() };
    }
    reply.body = this.finish(operation, reply.status, reply.body);
    if (this.validateResponses) {
      const wrong = this.validation?.validateResponse(operation, reply.status, reply.body);
      if (wrong) fail('response', wrong, operation.operationId);
    }
    send(reply);
  }

  private spend(): void {
    this.used++;
  }

  private finish(operation: Operation, status: number, body: unknown): unknown {
    const schema = operation.responses[String(status)];
    return schema && body !== undefined
      ? complete(schema, body, { now: this.clock.iso(), baseUrl: this.url })
      : body;
  }

  private takeFault(operation: Operation): FaultRule | undefined {
    const rule = this.faults.find(
      (f) =>
        f.remaining > 0 &&
        (f.route === operation.operationId ||
          f.route === `${operation.method} ${operation.template}`),
    );
    if (rule) rule.remaining--;
    return rule;
  }

  private applyFault(
    fault: Fault,
    req: IncomingMessage,
    res: ServerResponse,
    send: (reply: Reply) => void,
    entry: LogEntry,
  ): void {
    if ('drop' in fault) {
      entry.status = 0;
      this.log.push(entry);
      req.socket.destroy();
      return;
    }
    if ('secondaryRateLimit' in fault) {
      const { retryAfter, status = 403 } = fault.secondaryRateLimit;
      send({
        status,
        headers: { 'retry-after': String(retryAfter) },
        body: {
          message:
            'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
          documentation_url:
            'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
          status: String(status),
        },
      });
      return;
    }
    if ('status' in fault) {
      send({
        status: fault.status,
        body: { message: fault.message ?? 'Server Error', documentation_url: DOCS },
      });
      return;
    }
    res.destroy();
  }

  /** The control API of a standalone emulator: /_emulator/log, /webhooks?since=N, /fidelity, /faults, /apps, /clock, /shutdown. */
  private control(method: string, url: URL, raw: Buffer): Reply {
    const body =
      raw.length > 0 ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : {};
    switch (`${method} ${url.pathname}`) {
      case 'GET /_emulator/log':
        return { status: 200, body: this.log };
      case 'GET /_emulator/webhooks':
        return {
          status: 200,
          body: this.webhooks.since(Number(url.searchParams.get('since') ?? 0) || 0),
        };
      case 'GET /_emulator/fidelity':
        return { status: 200, body: this.fidelityFailures };
      case 'POST /_emulator/faults':
        this.inject(String(body.route), body.fault as Fault, Number(body.times ?? 1), {
          after: body.after === true,
        });
        return { status: 201, body: { ok: true } };
      case 'POST /_emulator/shutdown':
        // Answer first, then stop: the standalone CLI exits once the server has closed.
        setImmediate(() => void this.close().then(() => this.onShutdown?.()));
        return { status: 202, body: { ok: true } };
      case 'POST /_emulator/apps':
        return {
          status: 201,
          body: {
            installation_id: this.registerApp({
              id: Number(body.id),
              slug: String(body.slug),
              publicKey: String(body.public_key),
              ...(Array.isArray(body.repos) ? { repos: body.repos.map(String) } : {}),
              ...(body.token_ttl_seconds === undefined
                ? {}
                : { tokenTtlSeconds: Number(body.token_ttl_seconds) }),
            }),
          },
        };
      case 'POST /_emulator/clock':
        this.clock.advance(Number(body.advanceMs ?? 0));
        return { status: 200, body: { now: this.clock.iso() } };
      default:
        return { status: 404, body: { message: 'unknown emulator control route' } };
    }
  }
}

/** GitHub's answer to an app's JWT on an endpoint that needs an installation's token. */
const forbiddenToIntegration = (): Reply => ({
  status: 403,
  body: {
    message: 'Resource not accessible by integration',
    documentation_url: DOCS,
    status: '403',
  },
});

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new Error('too large'));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function startGitHubEmulator(
  options: GitHubEmulatorOptions = {},
): Promise<GitHubEmulator> {
  return new GitHubEmulator(options).listen(options.port ?? 0);
}
