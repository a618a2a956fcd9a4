// The one way kubemend talks to a cluster. Every request passes through here, so this is
// where requests are counted, where transient failures are retried (only where a retry
// cannot do harm), and where dry-run is enforced: in dry-run, a mutation is sent with
// `dryRun=All` or not at all, and a middleware refuses anything else before it leaves.
import {
  ApiException,
  CoreV1Api,
  KubernetesObjectApi,
  PatchStrategy,
  ResponseContext,
  ServerConfiguration,
  createConfiguration,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  type RequestContext,
} from '@kubernetes/client-node';
import { getErrorMessage, oneLine } from '../shared/errors.js';
import { BACKOFF_UNIT_MS, REQUEST_ATTEMPTS, retrying } from '../shared/retry.js';

/** Patch strategies, for modules that may not import the Kubernetes client themselves. */
export { PatchStrategy };

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

export interface KubeMutation {
  verb: 'create' | 'patch' | 'delete' | 'replace' | 'evict';
  ref: ObjectRef;
  /** True when sent with dryRun=All: the API server validated it and persisted nothing. */
  dryRun: boolean;
  /** What the API server answered (for a dry run, the object as it would be). */
  result: unknown;
}

export interface KubeStats {
  total: number;
  /** The API server's clock, from the Date header of its latest answer (ms since epoch). */
  serverTime: number | undefined;
  /** `GET`, `PATCH`... → count. */
  byMethod: Record<string, number>;
  retries: number;
  mutations: KubeMutation[];
  /** Requests sent and not yet answered, and the most at once: the concurrency bound seen. */
  inFlight: number;
  maxInFlight: number;
}

export interface KubeClientOptions {
  dryRun: boolean;
  /** Unit of retry back-off in ms (KUBEMEND_BACKOFF_MS). */
  backoffMs?: number;
  /** Attempts per call, the first included. */
  attempts?: number;
  /** Fields changing one object are named after kubemend in its managedFields. */
  fieldManager?: string;
}

/** A mutation refused before it was sent: dry-run, or a guardrail. */
export class RefusedMutation extends Error {
  override name = 'RefusedMutation';
}

const READ_METHODS = new Set(['GET', 'HEAD']);
const TRANSIENT = new Set([429, 500, 502, 503, 504]);
/** The longest wait between attempts, Retry-After included. */
const MAX_WAIT_MS = 30_000;

/**
 * client-node's object API, with a list page's continue token kept whatever its kind.
 * client-node reads a list into its model of that list kind; a kind it has no model of
 * under `<Version><Kind>List` (Events, whose model is CoreV1EventList; every custom
 * resource) is read as a plain object whose metadata loses `continue`, so a list of such
 * a kind would stop after its first page without saying so.
 */
class ObjectApi extends KubernetesObjectApi {
  protected override async processResponse<T extends KubernetesObject>(
    response: ResponseContext,
    type?: string,
  ): Promise<T> {
    if (response.httpStatusCode < 200 || response.httpStatusCode > 299)
      return super.processResponse<T>(response, type);
    const text = await response.body.text();
    const replay = new ResponseContext(response.httpStatusCode, response.headers, {
      text: () => Promise.resolve(text),
      binary: () => Promise.resolve(Buffer.from(text)),
    });
    const object = await super.processResponse<T>(replay, type);
    const meta = object.metadata as { _continue?: string } | undefined;
    if (meta && !meta._continue && object.kind?.endsWith('List') && text.includes('"continue"')) {
      const sent = (JSON.parse(text) as { metadata?: { continue?: unknown } }).metadata?.continue;
      if (typeof sent === 'string' && sent) meta._continue = sent;
    }
    return object;
  }
}

export class KubeClient {
  readonly dryRun: boolean;
  readonly stats: KubeStats = {
    total: 0,
    serverTime: undefined,
    byMethod: {},
    retries: 0,
    mutations: [],
    inFlight: 0,
    maxInFlight: 0,
  };
  private readonly objects: KubernetesObjectApi;
  private readonly core: CoreV1Api;
  private readonly backoffMs: number;
  private readonly attempts: number;
  private readonly fieldManager: string;

  constructor(kubeconfig: KubeConfig, options: KubeClientOptions) {
    this.dryRun = options.dryRun;
    this.backoffMs = options.backoffMs ?? BACKOFF_UNIT_MS;
    this.attempts = options.attempts ?? REQUEST_ATTEMPTS;
    this.fieldManager = options.fieldManager ?? 'kubemend';
    const cluster = kubeconfig.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster');
    const configuration = createConfiguration({
      baseServer: new ServerConfiguration(cluster.server, {}),
      authMethods: { default: kubeconfig },
      promiseMiddleware: [
        {
          pre: async (context: RequestContext) => this.before(context),
          post: async (context: ResponseContext) => {
            this.stats.inFlight--;
            const date = Date.parse(context.headers.date ?? '');
            if (!Number.isNaN(date)) this.stats.serverTime = date;
            return context;
          },
        },
      ],
    });
    this.objects = new ObjectApi(configuration);
    this.core = new CoreV1Api(configuration);
  }

  /** Counts the request and, in dry-run, stops any mutation that does not say dryRun=All. */
  private before(context: RequestContext): RequestContext {
    const method = String(context.getHttpMethod()).toUpperCase();
    this.stats.total++;
    this.stats.byMethod[method] = (this.stats.byMethod[method] ?? 0) + 1;
    this.stats.maxInFlight = Math.max(this.stats.maxInFlight, ++this.stats.inFlight);
    if (this.dryRun && !READ_METHODS.has(method)) {
      const dryRun = new URL(context.getUrl()).searchParams.get('dryRun');
      if (dryRun !== 'All')
        throw new RefusedMutation(
          `dry-run: refused to send ${method} ${new URL(context.getUrl()).pathname} without dryRun=All`,
        );
    }
    return context;
  }

  async get<T extends KubernetesObject>(ref: ObjectRef): Promise<T | undefined> {
    try {
      return await this.retrying(() => this.objects.read<T>(header(ref)), true);
    } catch (error) {
      if (error instanceof ApiException && error.code === 404) return undefined;
      throw error;
    }
  }

  /** The last lines of a container's log (of its previous instance with `previous`); '' when there is none. */
  async logs(
    ref: { namespace: string; pod: string; container: string },
    options: { previous?: boolean; tailLines: number; limitBytes: number },
  ): Promise<string> {
    try {
      return await this.retrying(
        () =>
          this.core.readNamespacedPodLog({
            name: ref.pod,
            namespace: ref.namespace,
            container: ref.container,
            previous: options.previous ?? false,
            tailLines: options.tailLines,
            limitBytes: options.limitBytes,
          }),
        true,
      );
    } catch (error) {
      // No previous instance, or a container that never started: nothing to show.
      if (error instanceof ApiException && (error.code === 400 || error.code === 404)) return '';
      throw error;
    }
  }

  /** Every page of a list, by label and field selector (one request per `pageSize` objects, 500 by default). */
  async list<T extends KubernetesObject>(
    apiVersion: string,
    kind: string,
    options: {
      namespace?: string;
      labelSelector?: string;
      fieldSelector?: string;
      pageSize?: number;
    } = {},
  ): Promise<T[]> {
    const items: T[] = [];
    let token: string | undefined;
    do {
      const page: KubernetesListObject<T> = await this.retrying(
        () =>
          this.objects.list<T>(
            apiVersion,
            kind,
            options.namespace,
            undefined,
            undefined,
            undefined,
            options.fieldSelector,
            options.labelSelector,
            options.pageSize ?? 500,
            token,
          ),
        true,
      );
      items.push(...page.items);
      token = page.metadata?._continue || undefined;
    } while (token);
    return items;
  }

  /**
   * A patch, strategic merge by default. Retried on a transient failure: a patch that
   * names no resourceVersion applies the same change however often it is sent.
   */
  async patch<T extends KubernetesObject>(
    ref: ObjectRef,
    patch: object,
    strategy: PatchStrategy = PatchStrategy.StrategicMergePatch,
  ): Promise<T> {
    const { metadata, ...rest } = patch as { metadata?: object };
    const body = {
      ...rest,
      apiVersion: ref.apiVersion,
      kind: ref.kind,
      metadata: { ...metadata, ...meta(ref) },
    } as unknown as T;
    const result = await this.retrying(
      () =>
        this.objects.patch<T>(
          body,
          undefined,
          this.dryRunParam(),
          this.fieldManager,
          undefined,
          strategy,
        ),
      !hasResourceVersion(patch),
    );
    this.record('patch', ref, result);
    return result;
  }

  /**
   * An eviction, which honours PodDisruptionBudgets: 'refused' when the API server says
   * evicting would break one (429 here means exactly that, so it is not retried).
   */
  async evict(ref: {
    namespace: string;
    name: string;
    uid?: string;
  }): Promise<'evicted' | 'refused'> {
    const body = {
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name: ref.name, namespace: ref.namespace },
      ...(ref.uid ? { deleteOptions: { preconditions: { uid: ref.uid } } } : {}),
    };
    try {
      const result = await this.core.createNamespacedPodEviction({
        name: ref.name,
        namespace: ref.namespace,
        body,
        ...(this.dryRun ? { dryRun: 'All' } : {}),
      });
      this.record(
        'evict',
        { apiVersion: 'v1', kind: 'Pod', namespace: ref.namespace, name: ref.name },
        result,
      );
      return 'evicted';
    } catch (error) {
      if (error instanceof ApiException && error.code === 429) return 'refused';
      throw error;
    }
  }

  /** A delete, made safe to retry by a uid precondition when one is given. */
  async delete(
    ref: ObjectRef,
    options: { uid?: string; gracePeriodSeconds?: number } = {},
  ): Promise<unknown> {
    const result = await this.retrying(
      () =>
        this.objects.delete(
          header(ref),
          undefined,
          this.dryRunParam(),
          options.gracePeriodSeconds,
          undefined,
          'Background',
          options.uid ? { preconditions: { uid: options.uid } } : undefined,
        ),
      options.uid !== undefined,
    );
    this.record('delete', ref, result);
    return result;
  }

  async create<T extends KubernetesObject>(object: T): Promise<T> {
    // A create is not retried: a lost answer would make the retry a 409 AlreadyExists.
    const result = await this.retrying(
      () => this.objects.create<T>(object, undefined, this.dryRunParam(), this.fieldManager),
      false,
    );
    this.record('create', refOf(object), result);
    return result;
  }

  /** A replace carries the resourceVersion it read: a compare-and-swap, so a 409 is the caller's to resolve. */
  async replace<T extends KubernetesObject>(object: T): Promise<T> {
    const result = await this.retrying(
      () => this.objects.replace<T>(object, undefined, this.dryRunParam(), this.fieldManager),
      false,
    );
    this.record('replace', refOf(object), result);
    return result;
  }

  private dryRunParam(): 'All' | undefined {
    return this.dryRun ? 'All' : undefined;
  }

  private record(verb: KubeMutation['verb'], ref: ObjectRef, result: unknown): void {
    this.stats.mutations.push({ verb, ref, dryRun: this.dryRun, result });
  }

  /**
   * Retries 429 and 5xx with full-jitter exponential back-off (honouring Retry-After),
   * and, when `idempotent`, a 409 the server raised on its own (no precondition of ours).
   */
  private async retrying<R>(call: () => Promise<R>, idempotent: boolean): Promise<R> {
    return retrying(
      {
        attempts: this.attempts,
        backoff: { baseMs: this.backoffMs, capMs: MAX_WAIT_MS },
        retryable: (error) =>
          error instanceof ApiException &&
          (error.code === 429 || (idempotent && (TRANSIENT.has(error.code) || error.code === 409))),
        requestedDelayMs: (error) => {
          const after = Number((error as ApiException<unknown>).headers?.['retry-after']);
          return Number.isFinite(after) && after > 0 ? after * 1000 : undefined;
        },
        onRetry: () => this.stats.retries++,
      },
      call,
    );
  }
}

function meta(ref: ObjectRef): { name: string; namespace?: string } {
  return ref.namespace ? { name: ref.name, namespace: ref.namespace } : { name: ref.name };
}

function header(ref: ObjectRef): {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
} {
  return { apiVersion: ref.apiVersion, kind: ref.kind, metadata: meta(ref) };
}

function refOf(object: KubernetesObject): ObjectRef {
  return {
    apiVersion: object.apiVersion ?? '',
    kind: object.kind ?? '',
    name: object.metadata?.name ?? '',
    ...(object.metadata?.namespace ? { namespace: object.metadata.namespace } : {}),
  };
}

function hasResourceVersion(patch: object): boolean {
  const metadata = (patch as { metadata?: { resourceVersion?: unknown } }).metadata;
  return metadata?.resourceVersion !== undefined;
}

/** The API server's HTTP status for a failed request, or undefined when it did not answer. */
export function apiStatusCode(error: unknown): number | undefined {
  return error instanceof ApiException ? error.code : undefined;
}

/** Why a request failed, on one line: the API server's status (`403 Forbidden: ...`) when it answered. */
export function apiErrorLine(error: unknown): string {
  if (error instanceof ApiException) {
    const body: unknown =
      typeof error.body === 'string' ? parseJson(error.body) : (error.body as unknown);
    const status = (body ?? {}) as { reason?: unknown; message?: unknown };
    return typeof status.message === 'string'
      ? oneLine(
          `${error.code} ${typeof status.reason === 'string' ? status.reason : ''}: ${status.message}`,
        )
      : `HTTP ${error.code}`;
  }
  return oneLine(getErrorMessage(error));
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
