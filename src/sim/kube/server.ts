// The Kubernetes API emulator: a stateful API server on loopback (HTTP, or HTTPS with
// a generated CA) that the real @kubernetes/client-node and kubectl talk to. It serves
// discovery, CRUD with resourceVersion conflicts, the three patch types, dryRun=All,
// label and field selectors, graceful deletion, evictions honouring
// PodDisruptionBudgets, pod logs, watches, Table output for `kubectl get`, and a
// verb-and-resource RBAC for least-privilege tests. Controllers and a kubelet are
// simulated in sim.ts; whether a remediation worked is decided there.
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { controlRequest } from './control.js';
import { KSM_CONTENT_TYPE, kubeStateMetrics } from './ksm.js';
import { isProtobuf, message, string, unwrap } from './protobuf.js';
import { decodeContinue, page } from './paging.js';
import { openApiV2Protobuf, openApiV3, openApiV3Index } from './openapi.js';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch, PatchError } from './patch.js';
import {
  apiGroupList,
  apiResourceList,
  apiVersionOf,
  findResource,
  resourceForKind,
  RESOURCES,
  type ResourceType,
} from './resources.js';
import { parseFieldSelector, parseLabelSelector, SelectorError } from './selectors.js';
import { Simulation } from './sim.js';
import { errors, KubeError } from './status.js';
import { KubeClock, KubeStore, type KObject } from './store.js';
import { toTable } from './table.js';
import { wallClockTicker } from './ticker.js';

export interface RbacRule {
  apiGroups: string[];
  /** Plural names, `plural/subresource`, or `*`. */
  resources: string[];
  verbs: string[];
  namespaces?: string[];
}

export interface KubeUser {
  name: string;
  /** No rules: cluster-admin. */
  rules?: RbacRule[];
}

export interface KubeEmulatorOptions {
  /** token → user; the default token `admin-token` is cluster-admin. */
  users?: Record<string, KubeUser>;
  /** Server key and certificate (PEM), and the CA that signed it (base64 PEM, for kubeconfigs). */
  tls?: { key: string; cert: string; caData: string };
  clockStart?: number;
  /** A cluster name: object uids (kube-system's, an identity signal) derive from it, not chance. */
  cluster?: string;
}

export interface KubeLogEntry {
  method: string;
  path: string;
  verb: string;
  resource: string;
  namespace: string | undefined;
  name: string | undefined;
  status: number;
  dryRun: boolean;
  user: string;
}

const VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.4',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2025-04-22T00:00:00Z',
  goVersion: 'go1.23.8',
  compiler: 'gc',
  platform: 'linux/amd64',
};

const PATCH_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
];

export const ADMIN_TOKEN = 'admin-token';

/** Where the emulator serves kube-state-metrics' series for its simulated cluster. */
export const KSM_PATH = '/metrics/kube-state-metrics';

/** Namespaces every cluster has from its start. */
export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/** A fault the next matching requests get instead of their answer (after authorization). */
export interface KubeFault {
  /** Which requests: a verb (get, list, patch, delete, create, update...) and/or a resource plural. */
  verb?: string;
  resource?: string;
  status: 409 | 429 | 500 | 503 | 504;
  /** How many matching requests fail; default 1. */
  times?: number;
  /** Seconds, sent as Retry-After (429 and 503). */
  retryAfter?: number;
}

const FAULT_REASONS: Record<KubeFault['status'], [string, string]> = {
  409: [
    'Conflict',
    'Operation cannot be fulfilled: the object has been modified; please apply your changes to the latest version and try again',
  ],
  429: ['TooManyRequests', 'Too many requests, please try again later.'],
  500: ['InternalError', 'Internal error occurred: injected fault'],
  503: ['ServiceUnavailable', 'the server is currently unable to handle the request'],
  504: [
    'Timeout',
    'the server was unable to return a response in the time allotted, but may still be processing the request',
  ],
};

interface Route {
  resource: ResourceType;
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
}

export class KubeEmulator {
  readonly clock: KubeClock;
  readonly store: KubeStore;
  readonly sim: Simulation;
  readonly log: KubeLogEntry[] = [];
  url = '';
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly users: Record<string, KubeUser>;
  private readonly tls: KubeEmulatorOptions['tls'];
  private readonly faults: (KubeFault & { left: number })[] = [];

  constructor(options: KubeEmulatorOptions = {}) {
    this.clock = new KubeClock(options.clockStart);
    this.store = new KubeStore(this.clock, { cluster: options.cluster });
    this.sim = new Simulation(this.store, this.clock);
    this.users = { [ADMIN_TOKEN]: { name: 'kubernetes-admin' }, ...options.users };
    this.tls = options.tls;
    // A real API server creates these at start; kube-system's UID is an identity signal.
    const namespaces = resourceForKind('v1', 'Namespace');
    if (namespaces)
      for (const name of SYSTEM_NAMESPACES)
        this.seed(namespaces, {
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name },
        } as KObject);
    this.seedApiServerService();
  }

  /** The `kubernetes` Service in `default`, its Endpoints and EndpointSlice: where the API server answers. */
  private seedApiServerService(): void {
    const services = resourceForKind('v1', 'Service')!;
    const endpoints = resourceForKind('v1', 'Endpoints')!;
    const labels = { component: 'apiserver', provider: 'kubernetes' };
    this.seed(services, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'kubernetes', namespace: 'default', labels },
      spec: {
        type: 'ClusterIP',
        clusterIP: '10.96.0.1',
        ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }],
      },
    } as KObject);
    this.seed(endpoints, {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: {
        name: 'kubernetes',
        namespace: 'default',
        labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' },
      },
      subsets: [
        {
          addresses: [{ ip: '127.0.0.1' }],
          ports: [{ name: 'https', port: 6443, protocol: 'TCP' }],
        },
      ],
    } as KObject);
    this.seed(resourceForKind('discovery.k8s.io/v1', 'EndpointSlice')!, {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: 'kubernetes',
        namespace: 'default',
        labels: { 'kubernetes.io/service-name': 'kubernetes' },
      },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
      ports: [{ name: 'https', port: 6443, protocol: 'TCP' }],
    } as KObject);
  }

  async listen(port = 0): Promise<this> {
    const handler = (req: IncomingMessage, res: ServerResponse): void => void this.handle(req, res);
    this.server = this.tls
      ? createHttpsServer({ key: this.tls.key, cert: this.tls.cert }, handler)
      : createHttpServer(handler);
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    this.server.on('secureConnection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.url = `${this.tls ? 'https' : 'http'}://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.stopClock();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }

  /** Whether a resource is served: built in, or its CustomResourceDefinition is stored. */
  readonly served = (r: ResourceType): boolean =>
    !r.crd || this.store.peek(CRDS, undefined, r.crd) !== undefined;

  /** Creates an object as a client would (defaults, validation), without a request. */
  seed(r: ResourceType, object: KObject): KObject {
    if (!this.served(r))
      throw new KubeError(
        404,
        'NotFound',
        `no matches for kind "${r.kind}" in version "${apiVersionOf(r)}" (install its CustomResourceDefinition ${r.crd} first)`,
      );
    return this.create(r, object.metadata.namespace, structuredClone(object), false);
  }

  /** Applies a strategic merge patch as a client would, without a request (scenario steps). */
  patchObject(
    r: ResourceType,
    namespace: string | undefined,
    name: string,
    patch: unknown,
  ): KObject {
    const current = this.store.get(r, namespace, name);
    if (!current) throw errors.notFound(r, name);
    return this.update(
      r,
      namespace,
      name,
      undefined,
      applyStrategicMergePatch(current, patch, r.kind) as KObject,
      false,
      false,
    );
  }

  /** A kubeconfig for this server; `token` picks the user (default: cluster-admin). */
  kubeconfig(options: { token?: string; context?: string; caData?: string } = {}): string {
    const context = options.context ?? 'emulator';
    const cluster = this.tls
      ? { server: this.url, 'certificate-authority-data': options.caData ?? this.tls.caData }
      : { server: this.url, 'insecure-skip-tls-verify': true };
    return JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: context, cluster }],
      users: [{ name: context, user: { token: options.token ?? ADMIN_TOKEN } }],
      contexts: [{ name: context, context: { cluster: context, user: context } }],
      'current-context': context,
    });
  }

  /**
   * Forgets the change history, as an etcd compaction does: a watch from an older
   * resourceVersion gets 410 Expired and must relist. Returns the resourceVersion it stops at.
   */
  compact(): number {
    return this.store.compact();
  }

  /** Moves the simulated clock and lets controllers and kubelets catch up. */
  advance(ms: number): void {
    this.sim.advance(ms);
  }

  /** Stops the wall-clock ticker runClock started. */
  private stopTicker: (() => void) | undefined;

  /** Called once the server has closed after POST /_emulator/shutdown (the standalone CLI exits). */
  onShutdown: (() => void) | undefined;

  /** Called after each answered request: a scenario step can react to what a client did. */
  onAnswer: ((entry: KubeLogEntry) => void) | undefined;

  /**
   * Lets the simulated clock run with wall time, `speedup` times faster, for clients in
   * other processes that wait with real timers (the bundled actions): each tick moves it
   * on by the wall time since the last one.
   */
  runClock(speedup: number, tickMs = 100): void {
    this.stopClock();
    this.stopTicker = wallClockTicker((ms) => this.sim.advance(ms), speedup, tickMs);
  }

  stopClock(): void {
    this.stopTicker?.();
    this.stopTicker = undefined;
  }

  /** The next `times` requests matching `verb` and `resource` fail with `status`. */
  inject(fault: KubeFault): void {
    this.faults.push({ ...fault, left: fault.times ?? 1 });
  }

  /** Mutations the server persisted (dry-run requests excluded). */
  writes(): KubeLogEntry[] {
    return this.log.filter(
      (e) =>
        !['get', 'list', 'watch', 'discovery'].includes(e.verb) &&
        !e.dryRun &&
        e.status < 300 &&
        e.resource !== 'selfsubjectaccessreviews', // a question, not a write
    );
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === KSM_PATH && req.method === 'GET') {
      // kube-state-metrics' exposition for a Prometheus scrape: not the Kubernetes API (no
      // token, as a scrape of the in-cluster exporter needs none), so not in the log.
      res.writeHead(200, { 'content-type': KSM_CONTENT_TYPE }).end(kubeStateMetrics(this.store));
      return;
    }
    if (url.pathname.startsWith('/_emulator/')) {
      // The control API of the standalone emulator: not Kubernetes, so not in the log.
      const reply = controlRequest(this, req.method ?? 'GET', url.pathname, await readBody(req));
      res
        .writeHead(reply.status, { 'content-type': 'application/json' })
        .end(`${JSON.stringify(reply.body)}\n`, () => reply.after?.());
      return;
    }
    const entry: KubeLogEntry = {
      method: req.method ?? 'GET',
      path: url.pathname,
      verb: '',
      resource: '',
      namespace: undefined,
      name: undefined,
      status: 0,
      dryRun: url.searchParams.get('dryRun') === 'All',
      user: '',
    };
    const send = (status: number, body: unknown, contentType = 'application/json'): void => {
      entry.status = status;
      this.log.push(entry);
      this.onAnswer?.(entry);
      const text = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
      res
        .writeHead(status, {
          'content-type': contentType,
          'cache-control': 'no-cache, private',
          // A real API server dates its answers by its own clock; this one has a simulated clock.
          date: new Date(this.clock.now()).toUTCString(),
        })
        .end(text);
    };
    try {
      const raw = await readBody(req);
      if (url.pathname === '/openapi/v2') {
        entry.verb = 'discovery';
        send(
          200,
          openApiV2Protobuf(),
          'application/com.github.proto-openapi.spec.v2.v1.0+protobuf',
        );
        return;
      }
      const discovery =
        url.pathname === '/openapi/v3'
          ? openApiV3Index()
          : url.pathname.startsWith('/openapi/v3/')
            ? await openApiV3(url.pathname.slice('/openapi/v3/'.length))
            : this.discovery(url.pathname);
      if (discovery !== undefined) {
        entry.verb = 'discovery';
        send(200, discovery);
        return;
      }
      const token = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
      // kubectl sends no credentials over plain HTTP; like the old insecure port, an
      // HTTP request without a token is the cluster admin. Over HTTPS a token is required.
      const user = token ? this.users[token] : this.tls ? undefined : this.users[ADMIN_TOKEN];
      if (!user) throw errors.unauthorized();
      entry.user = user.name;
      const route = parsePath(url.pathname);
      if (!route || !this.served(route.resource))
        throw new KubeError(404, 'NotFound', 'the server could not find the requested resource');
      const verb = verbOf(req.method ?? 'GET', route, url.searchParams);
      Object.assign(entry, {
        verb,
        resource: route.resource.plural + (route.subresource ? `/${route.subresource}` : ''),
        namespace: route.namespace,
        name: route.name,
      });
      if (route.resource.kind === 'SelfSubjectAccessReview') {
        // Any authenticated user may ask what it may do (system:basic-user).
        if (verb !== 'create') throw errors.methodNotAllowed();
        send(201, this.review(user, raw, req.headers['content-type'] ?? ''));
        return;
      }
      this.authorize(user, verb, route);
      const fault = this.faults.find(
        (f) =>
          f.left > 0 &&
          (!f.verb || f.verb === verb) &&
          (!f.resource || f.resource === entry.resource),
      );
      if (fault) {
        fault.left--;
        const [reason, message] = FAULT_REASONS[fault.status];
        if (fault.retryAfter !== undefined) res.setHeader('retry-after', String(fault.retryAfter));
        throw new KubeError(fault.status, reason, message);
      }
      const dryRun = url.searchParams.get('dryRun');
      if (dryRun !== null && dryRun !== 'All')
        throw errors.badRequest(`Invalid dryRun value: ${dryRun}`);
      if (verb === 'watch') {
        entry.status = 200;
        this.log.push(entry);
        this.watch(route, url.searchParams, res);
        return;
      }
      const result = this.serve(
        verb,
        route,
        url.searchParams,
        raw,
        req.headers['content-type'] ?? '',
        dryRun === 'All',
      );
      if (typeof result.body === 'string') {
        send(result.status, result.body, 'text/plain');
        return;
      }
      const wantsTable =
        /as=Table/.test(req.headers.accept ?? '') &&
        (verb === 'list' || verb === 'get') &&
        !route.subresource;
      send(
        result.status,
        wantsTable
          ? toTable(
              route.resource,
              result.body as KObject,
              this.clock,
              url.searchParams.get('includeObject'),
            )
          : result.body,
      );
    } catch (error) {
      if (error instanceof KubeError) send(error.code, error.toStatus());
      else if (error instanceof PatchError || error instanceof SelectorError) {
        const status = (error as { status: number }).status;
        send(
          status,
          new KubeError(
            status,
            status === 422 ? 'Invalid' : 'BadRequest',
            (error as Error).message,
          ).toStatus(),
        );
      } else {
        send(
          500,
          new KubeError(
            500,
            'InternalError',
            `emulator error: ${error instanceof Error ? error.stack : String(error)}`,
          ).toStatus(),
        );
      }
    }
  }

  private discovery(path: string): unknown {
    if (path === '/version' || path === '/version/') return VERSION;
    if (path === '/api')
      return {
        kind: 'APIVersions',
        versions: ['v1'],
        serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }],
      };
    if (path === '/apis') return apiGroupList(this.served);
    if (path === '/api/v1') return apiResourceList('', 'v1', this.served);
    if (path === '/healthz' || path === '/livez' || path === '/readyz') return 'ok';
    const group = /^\/apis\/([^/]+)(?:\/([^/]+))?\/?$/.exec(path);
    if (group) {
      const [, name, version] = group;
      if (version) return apiResourceList(name!, version, this.served);
      const entry = (apiGroupList(this.served).groups as { name: string }[]).find(
        (g) => g.name === name,
      );
      return entry ? { kind: 'APIGroup', apiVersion: 'v1', ...entry } : undefined;
    }
    return undefined;
  }

  /** Whether the user's rules allow a verb on a resource (`plural` or `plural/subresource`). */
  private allows(
    user: KubeUser,
    verb: string,
    group: string,
    resource: string,
    namespace: string | undefined,
  ): boolean {
    if (!user.rules) return true;
    return user.rules.some(
      (rule) =>
        (rule.apiGroups.includes('*') || rule.apiGroups.includes(group)) &&
        (rule.resources.includes('*') || rule.resources.includes(resource)) &&
        (rule.verbs.includes('*') || rule.verbs.includes(verb)) &&
        (!rule.namespaces || (namespace !== undefined && rule.namespaces.includes(namespace))),
    );
  }

  /** A SelfSubjectAccessReview answered from the requesting user's rules. */
  private review(user: KubeUser, raw: Buffer, contentType: string): KObject {
    let review: KObject & { spec?: Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
    try {
      review = isProtobuf(contentType)
        ? reviewFromProtobuf(raw)
        : (JSON.parse(raw.toString('utf8')) as typeof review);
    } catch {
      throw errors.badRequest('the request body is not a valid SelfSubjectAccessReview');
    }
    const attributes = review.spec?.resourceAttributes as
      | {
          namespace?: string;
          verb?: string;
          group?: string;
          resource?: string;
          subresource?: string;
        }
      | undefined;
    const nonResource = review.spec?.nonResourceAttributes as { path?: string } | undefined;
    if (!attributes && !nonResource)
      throw errors.badRequest(
        'spec: Invalid value: exactly one of nonResourceAttributes or resourceAttributes must be specified',
      );
    const allowed = attributes
      ? this.allows(
          user,
          attributes.verb ?? '',
          attributes.group ?? '',
          (attributes.resource ?? '') +
            (attributes.subresource ? `/${attributes.subresource}` : ''),
          attributes.namespace || undefined,
        )
      : // Non-resource URLs (/healthz, /version) are open to the admin only here.
        !user.rules;
    return {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      metadata: { creationTimestamp: null } as unknown as KObject['metadata'],
      spec: review.spec,
      status: allowed
        ? { allowed: true, reason: user.rules ? 'allowed by emulator RBAC rules' : 'cluster-admin' }
        : { allowed: false },
    } as KObject;
  }

  private authorize(user: KubeUser, verb: string, route: Route): void {
    const resource = route.resource.plural + (route.subresource ? `/${route.subresource}` : '');
    if (!this.allows(user, verb, route.resource.group, resource, route.namespace))
      throw errors.forbidden(
        user.name,
        verb,
        route.resource,
        route.subresource,
        route.namespace,
        route.name,
      );
  }

  private serve(
    verb: string,
    route: Route,
    query: URLSearchParams,
    raw: Buffer,
    contentType: string,
    dryRun: boolean,
  ): { status: number; body: unknown } {
    const { resource: r, namespace, name, subresource } = route;
    const body = (): KObject => {
      try {
        return JSON.parse(raw.toString('utf8')) as KObject;
      } catch {
        throw errors.badRequest('the request body is not valid JSON');
      }
    };
    if (subresource === 'log')
      return { status: 200, body: this.sim.podLog(namespace!, name!, query) };
    if (subresource === 'eviction') return this.evict(r, namespace!, name!, dryRun);
    switch (verb) {
      case 'get': {
        const object = this.store.get(r, namespace, name!);
        if (!object) throw errors.notFound(r, name!);
        return { status: 200, body: subresource === 'scale' ? scaleOf(object) : object };
      }
      case 'list':
        return { status: 200, body: this.list(r, namespace, query) };
      case 'create':
        return { status: 201, body: this.create(r, namespace, body(), dryRun) };
      case 'update':
        return { status: 200, body: this.update(r, namespace, name!, subresource, body(), dryRun) };
      case 'patch': {
        const type = contentType.split(';')[0]!.trim();
        const accepted =
          r.group === 'argoproj.io' ||
          r.group === 'longhorn.io' ||
          r.group === 'cert-manager.io' ||
          r.group.endsWith('.toolkit.fluxcd.io')
            ? PATCH_TYPES.slice(0, 2)
            : PATCH_TYPES;
        if (!accepted.includes(type))
          throw errors.unsupportedMediaType(type, [...accepted, 'application/apply-patch+yaml']);
        const current = this.store.get(r, namespace, name!);
        if (!current) throw errors.notFound(r, name!);
        const base = subresource === 'scale' ? scaleOf(current) : current;
        let patch: unknown;
        try {
          patch = JSON.parse(raw.toString('utf8'));
        } catch {
          throw errors.badRequest('the request body is not valid JSON');
        }
        const patched = (
          type === PATCH_TYPES[0]
            ? applyJsonPatch(base, patch)
            : type === PATCH_TYPES[1]
              ? applyMergePatch(base, patch)
              : applyStrategicMergePatch(base, patch, r.kind)
        ) as KObject;
        if (subresource === 'scale') {
          const replicas = (patched.spec as { replicas?: number } | undefined)?.replicas;
          const updated = structuredClone(current);
          (updated.spec as Record<string, unknown>).replicas = replicas;
          return {
            status: 200,
            body: scaleOf(this.update(r, namespace, name!, undefined, updated, dryRun)),
          };
        }
        // A patch carries no resourceVersion unless the client put one in: then it is a precondition.
        return {
          status: 200,
          body: this.update(
            r,
            namespace,
            name!,
            subresource,
            patched,
            dryRun,
            (patch as { metadata?: { resourceVersion?: string } })?.metadata?.resourceVersion !==
              undefined,
          ),
        };
      }
      case 'delete':
        return { status: 200, body: this.remove(r, namespace, name!, query, raw, dryRun) };
      default:
        throw errors.methodNotAllowed();
    }
  }

  private list(
    r: ResourceType,
    namespace: string | undefined,
    query: URLSearchParams,
  ): Record<string, unknown> {
    const labels = parseLabelSelector(query.get('labelSelector') ?? '');
    const fields = parseFieldSelector(
      query.get('fieldSelector') ?? '',
      r.group === 'events.k8s.io' ? 'events.events.k8s.io' : r.plural,
    );
    const limit = Number(query.get('limit') ?? '0');
    if (!Number.isInteger(limit) || limit < 0)
      throw errors.badRequest(`limit: Invalid value: ${JSON.stringify(query.get('limit'))}`);
    const token = query.get('continue') || undefined;
    const version = query.get('resourceVersion') ?? '';
    if (token !== undefined && version !== '')
      throw errors.badRequest('specifying resource version is not allowed when using continue');
    const matches = (o: KObject): boolean => labels(o.metadata.labels) && fields(o);
    const filtered = Boolean(query.get('labelSelector') || query.get('fieldSelector'));
    const allNamespaces = r.namespaced && namespace === undefined;
    const cacheKey = (rv: number) => `${rv}|${r.group}/${r.plural}|${namespace ?? ''}`;
    let rv = this.store.resourceVersion;
    let all: KObject[];
    let start: string | undefined;
    if (token !== undefined) {
      const decoded = decodeContinue(token);
      const snapshot = this.snapshots.get(cacheKey(decoded.rv));
      if (!snapshot && decoded.rv !== rv)
        throw new KubeError(
          410,
          'Expired',
          'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
        );
      rv = decoded.rv;
      all = snapshot ?? this.listed(r, namespace);
      start = decoded.start;
    } else {
      all = this.listed(r, namespace);
    }
    // resourceVersion=0 is served from the watch cache, which ignores limit (Kubernetes 1.32).
    const paged = page(all, {
      allNamespaces,
      limit: version === '0' && token === undefined ? 0 : limit,
      start,
      matches,
      filtered,
      rv,
    });
    if (paged.continue !== undefined) {
      // Later pages show this same snapshot, as etcd serves a continued list.
      this.snapshots.set(cacheKey(rv), all);
      while (this.snapshots.size > 32) this.snapshots.delete(this.snapshots.keys().next().value!);
    }
    return {
      kind: `${r.kind}List`,
      apiVersion: apiVersionOf(r),
      metadata: {
        resourceVersion: String(rv),
        ...(paged.continue !== undefined ? { continue: paged.continue } : {}),
        ...(paged.remainingItemCount !== undefined
          ? { remainingItemCount: paged.remainingItemCount }
          : {}),
      },
      items: paged.items,
    };
  }

  /** Lists of a kind, continued pages included, read at one resourceVersion (newest kept). */
  private readonly snapshots = new Map<string, KObject[]>();

  /** Every stored object of a kind (and namespace) in key order. */
  private listed(r: ResourceType, namespace: string | undefined): KObject[] {
    // core/v1 and events.k8s.io/v1 are two views of the same events, as on a real server.
    if (r.group !== 'events.k8s.io') return this.store.list(r, namespace);
    const both = [
      ...this.store.list(r, namespace),
      ...this.store.list(CORE_EVENTS, namespace).map(toEventsV1),
    ];
    const key = (o: KObject) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    return both.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  }

  private create(
    r: ResourceType,
    namespace: string | undefined,
    object: KObject,
    dryRun: boolean,
  ): KObject {
    if (!object || typeof object !== 'object' || typeof object.metadata !== 'object')
      throw errors.badRequest('Object has no metadata');
    const meta = object.metadata;
    if (!meta.name && meta.generateName) meta.name = `${meta.generateName}${randomSuffix()}`;
    if (!meta.name)
      throw errors.invalid(
        r,
        '',
        'Required value: name or generateName is required',
        'metadata.name',
      );
    if (!/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(meta.name)) {
      throw errors.invalid(
        r,
        meta.name,
        `Invalid value: "${meta.name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
        'metadata.name',
      );
    }
    if (r.namespaced) {
      if (meta.namespace && namespace && meta.namespace !== namespace) {
        throw errors.badRequest(
          'the namespace of the provided object does not match the namespace sent on the request',
        );
      }
      meta.namespace = namespace ?? meta.namespace;
      const nsType = RESOURCES.find((t) => t.kind === 'Namespace')!;
      if (!this.store.get(nsType, undefined, meta.namespace!))
        throw new KubeError(404, 'NotFound', `namespaces "${meta.namespace}" not found`, {
          name: meta.namespace,
          kind: 'namespaces',
        });
    }
    object.apiVersion = apiVersionOf(r);
    object.kind = r.kind;
    if (this.store.get(r, meta.namespace, meta.name)) throw errors.alreadyExists(r, meta.name);
    this.sim.validate(r, object, undefined);
    this.sim.defaults(r, object);
    if (dryRun)
      return {
        ...object,
        metadata: {
          ...object.metadata,
          uid: '00000000-0000-0000-0000-000000000000',
          creationTimestamp: this.clock.iso(),
        },
      };
    // The answer is the object as this request stored it: controllers act after, as live.
    const created = structuredClone(this.store.create(r, object));
    this.sim.reconcile();
    return created;
  }

  private update(
    r: ResourceType,
    namespace: string | undefined,
    name: string,
    subresource: string | undefined,
    object: KObject,
    dryRun: boolean,
    checkVersion = true,
  ): KObject {
    const current = this.store.get(r, namespace, name);
    if (!current) throw errors.notFound(r, name);
    if (object.metadata?.name !== undefined && object.metadata.name !== name)
      throw errors.badRequest('the name of the object does not match the name on the URL');
    if (
      checkVersion &&
      object.metadata?.resourceVersion &&
      object.metadata.resourceVersion !== current.metadata.resourceVersion
    )
      throw errors.conflict(r, name);
    let next: KObject = structuredClone(object);
    next.metadata = {
      ...next.metadata,
      name,
      namespace: current.metadata.namespace,
      resourceVersion: current.metadata.resourceVersion,
    };
    next.apiVersion = current.apiVersion;
    next.kind = current.kind;
    // The status subresource owns status; the main resource owns the rest.
    if (r.subresources?.includes('status')) {
      next =
        subresource === 'status'
          ? { ...current, status: next.status }
          : { ...next, status: current.status };
    }
    this.sim.validate(r, next, current);
    if (dryRun) return next;
    const deleting = current.metadata.deletionTimestamp !== undefined;
    const stored = structuredClone(this.store.update(r, next));
    if (deleting && (stored.metadata.finalizers ?? []).length === 0)
      this.store.delete(r, namespace, name);
    this.sim.reconcile();
    return stored;
  }

  private remove(
    r: ResourceType,
    namespace: string | undefined,
    name: string,
    query: URLSearchParams,
    raw: Buffer,
    dryRun: boolean,
  ): KObject {
    const current = this.store.get(r, namespace, name);
    if (!current) throw errors.notFound(r, name);
    let options: {
      gracePeriodSeconds?: number;
      propagationPolicy?: string;
      preconditions?: { uid?: string; resourceVersion?: string };
    } = {};
    if (raw.length > 0) {
      try {
        options = JSON.parse(raw.toString('utf8')) as typeof options;
      } catch {
        throw errors.badRequest('the request body is not valid JSON');
      }
    }
    const grace = query.has('gracePeriodSeconds')
      ? Number(query.get('gracePeriodSeconds'))
      : options.gracePeriodSeconds;
    const policy = query.get('propagationPolicy') ?? options.propagationPolicy ?? 'Background';
    if (!['Background', 'Foreground', 'Orphan'].includes(policy))
      throw errors.badRequest(`Unsupported propagation policy "${policy}"`);
    if (options.preconditions?.uid && options.preconditions.uid !== current.metadata.uid)
      throw errors.conflict(r, name);
    if (
      options.preconditions?.resourceVersion &&
      options.preconditions.resourceVersion !== current.metadata.resourceVersion
    )
      throw errors.conflict(r, name);
    if (dryRun) {
      // As a live server answers a dry-run deletion: the object as the deletion would leave
      // it, a pod marked with its deletion time and grace period.
      const answer = structuredClone(current);
      if (r.kind === 'Pod' && !answer.metadata.deletionTimestamp) {
        const seconds =
          grace ??
          (current as { spec?: { terminationGracePeriodSeconds?: number } }).spec
            ?.terminationGracePeriodSeconds ??
          30;
        answer.metadata.deletionTimestamp = this.clock.iso(seconds * 1000);
        answer.metadata.deletionGracePeriodSeconds = seconds;
      }
      return answer;
    }
    return this.sim.delete(r, current, { grace, policy });
  }

  private evict(
    r: ResourceType,
    namespace: string,
    name: string,
    dryRun: boolean,
  ): { status: number; body: unknown } {
    const pod = this.store.get(r, namespace, name);
    if (!pod) throw errors.notFound(r, name);
    const blocking = this.sim.blockingBudget(pod);
    if (blocking) {
      throw errors.tooManyRequests(
        "Cannot evict pod as it would violate the pod's disruption budget.",
        [{ reason: 'DisruptionBudget', message: blocking }],
      );
    }
    if (!dryRun) this.sim.delete(r, pod, { grace: undefined, policy: 'Background' });
    return {
      status: 201,
      body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 },
    };
  }

  private watch(route: Route, query: URLSearchParams, res: ServerResponse): void {
    const r = route.resource;
    const labels = parseLabelSelector(query.get('labelSelector') ?? '');
    const fields = parseFieldSelector(query.get('fieldSelector') ?? '', r.plural);
    const matches = (o: KObject): boolean =>
      (!r.namespaced ||
        route.namespace === undefined ||
        o.metadata.namespace === route.namespace) &&
      (route.name === undefined || o.metadata.name === route.name) &&
      labels(o.metadata.labels) &&
      fields(o);
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders(); // the client waits for headers before it starts reading events
    const write = (type: string, object: KObject): void => {
      res.write(`${JSON.stringify({ type, object })}\n`);
    };
    const since = Number(query.get('resourceVersion') ?? '0');
    const floor = this.store.historyFloor;
    if (since && since < floor) {
      // As kube-apiserver's watch cache answers a watch from a compacted resourceVersion:
      // 200, one ERROR event carrying a 410 Expired Status, then the stream ends. A client
      // relists (client-go's reflector and client-node's ListWatch both do).
      write('ERROR', {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: `too old resource version: ${since} (${floor})`,
        reason: 'Expired',
        code: 410,
      } as unknown as KObject);
      res.end();
      return;
    }
    if (!since) {
      // No resourceVersion: the current state as ADDED events, then changes.
      for (const o of this.store.list(r, route.namespace)) if (matches(o)) write('ADDED', o);
    } else {
      for (const e of this.store.history) {
        if (e.rv > since && e.resource === r && matches(e.object)) write(e.type, e.object);
      }
    }
    const stop = this.store.onEvent((e) => {
      if (e.resource === r && matches(e.object)) write(e.type, e.object);
    });
    const timeout = Number(query.get('timeoutSeconds') ?? 0);
    const end = (): void => {
      stop();
      res.end();
    };
    if (timeout > 0) setTimeout(end, timeout * 1000).unref();
    res.on('close', stop);
  }
}

const CORE_EVENTS = findResource('', 'v1', 'events')!;
const CRDS = findResource('apiextensions.k8s.io', 'v1', 'customresourcedefinitions')!;

/** A core/v1 Event in its events.k8s.io/v1 shape. */
function toEventsV1(event: KObject): KObject {
  const e = event as KObject & Record<string, unknown>;
  const source = (e.source ?? {}) as { component?: string; host?: string };
  return {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: e.metadata,
    eventTime: e.eventTime ?? null,
    reason: e.reason,
    note: e.message,
    type: e.type,
    regarding: e.involvedObject,
    reportingController: e.reportingComponent ?? source.component ?? '',
    reportingInstance: e.reportingInstance ?? source.host ?? '',
    action: e.reason,
    deprecatedSource: e.source,
    deprecatedFirstTimestamp: e.firstTimestamp,
    deprecatedLastTimestamp: e.lastTimestamp,
    deprecatedCount: e.count,
  };
}

/** A SelfSubjectAccessReview as kubectl sends it, protobuf-encoded, in its JSON shape. */
function reviewFromProtobuf(raw: Buffer): KObject & { spec: Record<string, unknown> } {
  // SelfSubjectAccessReview: spec = 2; its spec: resourceAttributes = 1, nonResourceAttributes = 2.
  const spec = message(unwrap(raw), 2);
  const resource = spec && message(spec, 1);
  const nonResource = spec && message(spec, 2);
  const names = ['namespace', 'verb', 'group', 'version', 'resource', 'subresource', 'name'];
  const strings = (fields: NonNullable<typeof resource>, keys: string[]) =>
    Object.fromEntries(
      keys.flatMap((key, i) => {
        const value = string(fields, i + 1);
        return value === undefined ? [] : [[key, value]];
      }),
    );
  return {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectAccessReview',
    metadata: {} as KObject['metadata'],
    spec: {
      ...(resource ? { resourceAttributes: strings(resource, names) } : {}),
      ...(nonResource ? { nonResourceAttributes: strings(nonResource, ['path', 'verb']) } : {}),
    },
  };
}

function parsePath(path: string): Route | undefined {
  const core = /^\/api\/v1\/(.*)$/.exec(path);
  const grouped = /^\/apis\/([^/]+)\/([^/]+)\/(.*)$/.exec(path);
  const [group, version, rest] = core
    ? ['', 'v1', core[1]!]
    : grouped
      ? [grouped[1]!, grouped[2]!, grouped[3]!]
      : [];
  if (version === undefined || rest === undefined) return undefined;
  const segments = rest.split('/').filter(Boolean).map(decodeURIComponent);
  let namespace: string | undefined;
  if (
    segments[0] === 'namespaces' &&
    segments.length >= 3 &&
    segments[2] !== 'status' &&
    segments[2] !== 'finalize'
  ) {
    namespace = segments[1];
    segments.splice(0, 2);
  }
  const [plural, name, subresource] = segments;
  const resource = plural ? findResource(group!, version, plural) : undefined;
  if (!resource || segments.length > 3) return undefined;
  if (subresource && !(resource.subresources ?? []).includes(subresource)) return undefined;
  if (resource.namespaced === false && namespace !== undefined) return undefined;
  return { resource, namespace, name, subresource };
}

function verbOf(method: string, route: Route, query: URLSearchParams): string {
  const watch = ['1', 'true'].includes(query.get('watch') ?? '');
  switch (method) {
    case 'GET':
      return watch ? 'watch' : route.name ? 'get' : 'list';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return route.name ? 'delete' : 'deletecollection';
    default:
      return method.toLowerCase();
  }
}

function scaleOf(object: KObject): KObject {
  const spec = object.spec as { replicas?: number; selector?: unknown } | undefined;
  const status = object.status as { replicas?: number } | undefined;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: object.metadata.name,
      namespace: object.metadata.namespace,
      uid: object.metadata.uid,
      resourceVersion: object.metadata.resourceVersion,
      creationTimestamp: object.metadata.creationTimestamp,
    },
    spec: { replicas: spec?.replicas ?? 1 },
    status: { replicas: status?.replicas ?? 0, selector: '' },
  };
}

function randomSuffix(): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  return Array.from(
    { length: 5 },
    () => alphabet[Math.floor(Math.random() * alphabet.length)],
  ).join('');
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
