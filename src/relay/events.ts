// What the relay's event watcher decides without I/O: which Kubernetes Warning events it
// takes, when an event is a new occurrence rather than the same one seen again, and the
// payload it becomes. The payload is intake's own `event` shape (event, involved_object,
// context): intake derives the owner workload from the context's ownerReferences and
// triage reads the container states in it, so nothing is lost between watcher and record.
import { labelSelector } from '../shared/selector.js';
import type { CoreV1Event, V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import { isClusterScopedKind } from '../alerts/scope.js';
import { normalisePayload } from '../alerts/shapes.js';
import { UsageError } from '../shared/errors.js';
import { redact, redactDeep } from '../shared/redact.js';
import type { Offer } from './grouper.js';

/** Bounds on what one event's enrichment adds to a payload. */
export const ENRICH_LIMITS = {
  /** Log lines read per event (the tail of one container's log). */
  tailLines: 20,
  /** Bytes of log read per event. */
  logBytes: 4096,
  /** Characters per log line and per state message kept. */
  lineChars: 300,
  /** Containers described per pod (the first ones; most pods have one to three). */
  containers: 5,
  /** The whole context, serialised: intake keeps an alert's details up to 16 KB. */
  contextBytes: 8000,
  /** The event's message. */
  messageChars: 4000,
};

export interface EventFilterOptions {
  /** Reasons taken; `*` takes every Warning reason. */
  reasons: readonly string[];
  /** involvedObject kinds taken. */
  kinds: readonly string[];
  /** Take events about Nodes and other cluster-scoped objects (no namespace opt-in applies). */
  clusterScoped: boolean;
}

export type Skip = 'type' | 'reason' | 'kind' | 'namespace' | 'cluster-scoped';

/** Why an event is not taken, or undefined when it is. */
export function skipOf(
  event: CoreV1Event,
  options: EventFilterOptions,
  namespaces: ReadonlySet<string>,
): Skip | undefined {
  if (event.type !== 'Warning') return 'type';
  if (!options.reasons.includes('*') && !options.reasons.includes(event.reason ?? ''))
    return 'reason';
  const kind = event.involvedObject?.kind ?? '';
  if (!options.kinds.includes(kind)) return 'kind';
  // A Node's events are recorded in `default`, which nobody labels for kubemend: the
  // namespace opt-in cannot speak for them, so they have an opt-in of their own.
  if (isClusterScopedKind(kind) || !event.involvedObject?.namespace)
    return options.clusterScoped ? undefined : 'cluster-scoped';
  return namespaces.has(event.metadata?.namespace ?? '') ? undefined : 'namespace';
}

/**
 * A namespace label selector (`kubemend.io/watch=true`, `team in (shop,pay)`, `!legacy`:
 * Kubernetes' grammar, src/shared/selector.ts) as a predicate over a namespace's labels.
 * Throws a UsageError naming `field` for anything else.
 */
export function labelMatcher(
  selector: string,
  field: string,
): (labels: Record<string, string> | undefined) => boolean {
  try {
    return labelSelector(selector);
  } catch (error) {
    throw new UsageError(`${field} ${JSON.stringify(selector)}: ${(error as Error).message}`);
  }
}

/** How often the event recorder has seen this event: its count (or series count); at least 1. */
export function countOf(event: CoreV1Event): number {
  const count = event.count ?? event.series?.count;
  return typeof count === 'number' && count > 0 ? count : 1;
}

/** When the event last happened (ms), by the recorder's clock; undefined when it says nothing. */
export function lastSeenOf(event: CoreV1Event): number | undefined {
  const at =
    event.lastTimestamp ??
    event.series?.lastObservedTime ??
    event.eventTime ??
    event.firstTimestamp ??
    event.metadata?.creationTimestamp;
  if (at === undefined || at === null) return undefined;
  const ms = new Date(at as unknown as string).getTime();
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * Events already offered, by uid, with the count they were offered at: the same event seen
 * again (a relist after a 410, a reconnect, a change that is not a repeat) is not offered
 * twice; a higher count is a new occurrence. Entries live one window after they were last
 * offered, and at most `max` are kept (the oldest go first).
 */
export class SeenEvents {
  private readonly seen = new Map<string, { count: number; at: number }>();
  private readonly windowMs: number;
  private readonly max: number;

  constructor(windowMs: number, max = 50_000) {
    this.windowMs = windowMs;
    this.max = max;
  }

  get size(): number {
    return this.seen.size;
  }

  /** True when the event is a new occurrence; it is remembered as offered at `now`. */
  offer(event: CoreV1Event, now: number): boolean {
    const uid = event.metadata?.uid ?? `${event.metadata?.namespace}/${event.metadata?.name}`;
    const count = countOf(event);
    const before = this.seen.get(uid);
    if (before && now - before.at < this.windowMs && count <= before.count) return false;
    this.seen.delete(uid); // re-inserted last: the Map's order is the order of offers
    this.seen.set(uid, { count, at: now });
    this.prune(now);
    return true;
  }

  private prune(now: number): void {
    for (const [uid, entry] of this.seen) {
      if (this.seen.size <= this.max && now - entry.at < this.windowMs) break;
      this.seen.delete(uid);
    }
  }
}

/** What a pod says about itself, for intake's `context` (triage reads reasons and exit codes). */
export interface PodContext {
  labels?: Record<string, string>;
  ownerReferences?: { kind: string; name: string }[];
  nodeName?: string;
  phase?: string;
  initContainerStatuses?: ContainerContext[];
  containerStatuses?: ContainerContext[];
  /** The last lines of one container's log: its previous instance when it restarted. */
  logs?: { container: string; previous: boolean; lines: string[] };
}

interface ContainerContext {
  name: string;
  image?: string;
  restartCount: number;
  ready: boolean;
  state?: Record<string, unknown>;
  lastState?: Record<string, unknown>;
}

/**
 * The container whose log tells most: the one the event names, else the one restarting
 * most; its previous instance's log when it restarted. Undefined when that container has
 * never run (a pending pod, an image that never pulled): there is no log to read.
 */
export function logContainerOf(
  event: CoreV1Event,
  pod: V1Pod,
): { container: string; previous: boolean } | undefined {
  const statuses = pod.status?.containerStatuses ?? [];
  const named = /^spec\.(?:initContainers|containers)\{(.+)\}$/.exec(
    event.involvedObject?.fieldPath ?? '',
  )?.[1];
  const chosen =
    (named ? statuses.find((s) => s.name === named) : undefined) ??
    [...statuses].sort(
      (a, b) => b.restartCount - a.restartCount || Number(a.ready) - Number(b.ready),
    )[0];
  if (!chosen) return undefined;
  const previous = chosen.restartCount > 0 && chosen.lastState?.terminated !== undefined;
  const ran = previous || chosen.state?.running !== undefined || chosen.state?.terminated;
  return ran ? { container: chosen.name, previous } : undefined;
}

/** The pod's context, bounded and redacted; `log` is the raw tail read for `logContainerOf`. */
export function podContext(
  pod: V1Pod,
  log?: { container: string; previous: boolean; text: string },
): PodContext {
  const statuses = (list: V1ContainerStatus[] | undefined): ContainerContext[] | undefined =>
    list?.length ? list.slice(0, ENRICH_LIMITS.containers).map(containerContext) : undefined;
  const owners = pod.metadata?.ownerReferences?.map((r) => ({ kind: r.kind, name: r.name }));
  const context: PodContext = {
    labels: pod.metadata?.labels,
    ownerReferences: owners?.length ? owners : undefined,
    nodeName: pod.spec?.nodeName,
    phase: pod.status?.phase,
    initContainerStatuses: statuses(pod.status?.initContainerStatuses),
    containerStatuses: statuses(pod.status?.containerStatuses),
  };
  if (log) {
    // A whole text is redacted at once: a private key spans lines.
    const lines = redact(log.text)
      .split('\n')
      .filter((line) => line.trim() !== '')
      .slice(-ENRICH_LIMITS.tailLines)
      .map((line) => clip(line, ENRICH_LIMITS.lineChars));
    if (lines.length) context.logs = { container: log.container, previous: log.previous, lines };
  }
  const safe = redactDeep(JSON.parse(JSON.stringify(context)) as PodContext);
  // Over the bound, the log's oldest lines go first, then the init containers, the
  // labels, the last containers; the states of the first container stay (triage reads them).
  while (JSON.stringify(safe).length > ENRICH_LIMITS.contextBytes) {
    if (safe.logs && safe.logs.lines.length > 1) safe.logs.lines.shift();
    else if (safe.initContainerStatuses) delete safe.initContainerStatuses;
    else if (safe.labels) delete safe.labels;
    else if (safe.containerStatuses && safe.containerStatuses.length > 1)
      safe.containerStatuses.pop();
    else if (safe.logs) delete safe.logs;
    else break;
  }
  return safe;
}

function containerContext(s: V1ContainerStatus): ContainerContext {
  return {
    name: s.name,
    image: s.image,
    restartCount: s.restartCount,
    ready: s.ready,
    state: stateOf(s.state),
    lastState: stateOf(s.lastState),
  };
}

/** A container state with its reasons, exit code and times; messages clipped. */
function stateOf(state: V1ContainerStatus['state']): Record<string, unknown> | undefined {
  if (!state) return undefined;
  const out: Record<string, unknown> = {};
  if (state.waiting)
    out.waiting = { reason: state.waiting.reason, message: clipped(state.waiting.message) };
  if (state.running) out.running = { startedAt: iso(state.running.startedAt) };
  if (state.terminated) {
    const t = state.terminated;
    out.terminated = {
      reason: t.reason,
      exitCode: t.exitCode,
      signal: t.signal,
      message: clipped(t.message),
      startedAt: iso(t.startedAt),
      finishedAt: iso(t.finishedAt),
    };
  }
  return Object.keys(out).length ? out : undefined;
}

function iso(at: Date | string | undefined): string | undefined {
  if (at === undefined || at === null) return undefined;
  const ms = new Date(at).getTime();
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString().replace(/\.000Z$/, 'Z');
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function clipped(text: string | undefined): string | undefined {
  return text === undefined ? undefined : clip(text, ENRICH_LIMITS.lineChars);
}

/** The payload intake takes for a Warning event (its `event` shape), text redacted and bounded. */
export function eventPayload(
  event: CoreV1Event,
  cluster: string,
  context?: PodContext,
): Record<string, unknown> {
  const involved = event.involvedObject ?? {};
  return {
    cluster,
    event: {
      type: event.type,
      reason: event.reason,
      message: clip(redact(event.message ?? ''), ENRICH_LIMITS.messageChars),
      count: countOf(event),
    },
    involved_object: {
      kind: involved.kind,
      name: involved.name,
      ...(involved.namespace ? { namespace: involved.namespace } : {}),
    },
    ...(context ? { context } : {}),
  };
}

/** The offer for the grouper: the payload and the alert intake will make of it. */
export function eventOffer(payload: Record<string, unknown>, cluster: string): Offer {
  const [alert] = normalisePayload(payload, { cluster });
  if (!alert) throw new Error('an event payload gave no alert');
  return { alert, payload, source: 'events' };
}
