// The relay's Kubernetes event watcher (opt-in): core/v1 Warning events through
// client-node's ListWatch informer, offered to the relay as intake's `event` payloads.
//
// Namespaces opt in by a label (a second informer watches namespaces and keeps the set
// that matches); with none labelled, nothing is offered. Events about Nodes and other
// cluster-scoped objects are recorded in `default`, so they have their own opt-in.
//
// Resuming: client-node's ListWatch resumes its watch from the last resourceVersion it
// saw, and on 410 Expired relists; its cache only calls back for objects that are new or
// changed since, and SeenEvents drops any event whose count did not rise, so a relist
// repeats nothing and loses nothing created meanwhile. Any other failure (the API server
// restarting, a dropped connection) stops a ListWatch; it is started again after a
// back-off, from where it was. A new watcher (a restarted relay) may start from a saved
// resourceVersion; when it has none, or that one is too old, it takes from its first list
// only events that last happened within one window, so a restart repeats at most a window.
//
// Pod events are enriched with the pod's container states and the tail of one container's
// log, read at most once per pod per window, so an event storm is not an API storm.
import type {
  CoreV1Event,
  CoreV1EventList,
  KubeConfig,
  V1Namespace,
  V1Pod,
} from '@kubernetes/client-node';
import { apiErrorLine, KubeClient } from '../kube/client.js';
import { namespaceInformer, warningEventInformer } from '../kube/informer.js';
import { UsageError } from '../shared/errors.js';
import type { RelayClock } from './clock.js';
import {
  ENRICH_LIMITS,
  eventOffer,
  eventPayload,
  labelMatcher,
  lastSeenOf,
  logContainerOf,
  podContext,
  SeenEvents,
  skipOf,
  type PodContext,
  type Skip,
} from './events.js';
import type { Offer } from './grouper.js';
import { WARNING_REASONS, WATCHED_KINDS } from './settings.js';
import type { Log } from './log.js';

export interface WatcherSettings {
  /** The cluster name the payloads carry. */
  cluster: string;
  /** Label selector namespaces opt in with (equality-based), e.g. `kubemend.io/watch=true`. */
  namespaceSelector: string;
  /** Warning reasons taken; default WARNING_REASONS; `*` takes all. */
  reasons?: readonly string[];
  /** involvedObject kinds taken; default WATCHED_KINDS. */
  kinds?: readonly string[];
  /** Events about Nodes and other cluster-scoped objects; default false. */
  clusterScoped?: boolean;
  /** The relay's window: dedupe memory, pod reads and a restart's look-back. Default 5 minutes. */
  windowMs?: number;
  /** Pod reads and log tails. Default true. */
  enrich?: boolean;
  /** A resourceVersion to resume the event watch from (the `resourceVersion` of a watcher before). */
  startFrom?: string;
  /** First back-off after a failed list or watch, doubling to `retryCapMs`. Defaults 1 s and 30 s. */
  retryBaseMs?: number;
  retryCapMs?: number;
  /** Events waiting for enrichment above which they are offered without it. Default 1000. */
  maxPending?: number;
}

export interface WatcherStats {
  /** Events the informer called back with (added or changed). */
  received: number;
  offered: number;
  skipped: Record<Skip, number>;
  /** Seen again without a new occurrence (a relist, a reconnect, a change that is no repeat). */
  duplicates: number;
  /** From a first list and older than a window: offered before a restart, or long over. */
  stale: number;
  /** Lists of events (each start without a resourceVersion and each 410). */
  lists: number;
  /** Pod and log reads made for enrichment, and failures of either. */
  podReads: number;
  logReads: number;
  readFailures: number;
  /** Failed lists or watches, each followed by a restart after a back-off. */
  failures: number;
  /** Namespaces opted in now. */
  namespaces: number;
}

/** What the watcher talks to: the cluster, the relay, time and the log. */
export interface WatcherIo {
  kubeconfig: KubeConfig;
  /** Called once per new occurrence, in watch order: the relay's `accept([offer])`. */
  offer: (offer: Offer) => void;
  /** `now` judges windows (compared with the recorders' timestamps); `sleep` spaces retries. */
  clock: RelayClock;
  log: Log;
}

const DEFAULT_WINDOW_MS = 5 * 60_000;

/** Which of the two watches; each backs off on its own. */
type Which = 'namespaces' | 'events';

export class EventWatcher {
  readonly stats: WatcherStats = {
    received: 0,
    offered: 0,
    skipped: { type: 0, reason: 0, kind: 0, namespace: 0, 'cluster-scoped': 0 },
    duplicates: 0,
    stale: 0,
    lists: 0,
    podReads: 0,
    logReads: 0,
    readFailures: 0,
    failures: 0,
    namespaces: 0,
  };
  private readonly settings: Required<Omit<WatcherSettings, 'startFrom'>>;
  private readonly opted = new Set<string>();
  private readonly matches: (labels: Record<string, string> | undefined) => boolean;
  private readonly seen: SeenEvents;
  private readonly pods = new Map<
    string,
    { at: number; context: Promise<PodContext | undefined> }
  >();
  private readonly client: KubeClient;
  private readonly namespaceInformer: ReturnType<typeof namespaceInformer>;
  private readonly eventInformer: ReturnType<typeof warningEventInformer>;
  /** uid → resourceVersion of the latest event list not yet called back, and whether it was this watcher's first. */
  private fromList = new Map<string, string | undefined>();
  private firstList = true;
  private chain: Promise<void> = Promise.resolve();
  private pending = 0;
  private stopped = false;
  private readonly attempts = new Map<Which, number>();

  private readonly offer: (offer: Offer) => void;
  private readonly clock: RelayClock;
  private readonly log: Log;

  constructor(settings: WatcherSettings, io: WatcherIo) {
    const { kubeconfig } = io;
    this.offer = io.offer;
    this.clock = io.clock;
    this.log = io.log;
    this.settings = {
      cluster: settings.cluster,
      namespaceSelector: settings.namespaceSelector,
      reasons: settings.reasons ?? WARNING_REASONS,
      kinds: settings.kinds ?? WATCHED_KINDS,
      clusterScoped: settings.clusterScoped ?? false,
      windowMs: settings.windowMs ?? DEFAULT_WINDOW_MS,
      enrich: settings.enrich ?? true,
      retryBaseMs: settings.retryBaseMs ?? 1000,
      retryCapMs: settings.retryCapMs ?? 30_000,
      maxPending: settings.maxPending ?? 1000,
    };
    checkSettings(this.settings);
    this.matches = labelMatcher(settings.namespaceSelector, 'the event namespace selector');
    this.seen = new SeenEvents(this.settings.windowMs);
    // Reads only, never retried for long: a slow pod read must not hold the events behind it.
    this.client = new KubeClient(kubeconfig, { dryRun: true, attempts: 2 });
    this.namespaceInformer = namespaceInformer(kubeconfig);
    const namespaceChanged = (ns: V1Namespace): void => {
      this.progress('namespaces');
      const name = ns.metadata?.name ?? '';
      if (this.matches(ns.metadata?.labels)) this.opted.add(name);
      else this.opted.delete(name);
      this.stats.namespaces = this.opted.size;
    };
    this.namespaceInformer.on('add', namespaceChanged);
    this.namespaceInformer.on('update', namespaceChanged);
    this.namespaceInformer.on('delete', (ns) => {
      this.opted.delete(ns.metadata?.name ?? '');
      this.stats.namespaces = this.opted.size;
    });

    this.eventInformer = warningEventInformer(kubeconfig, {
      startFrom: settings.startFrom,
      onList: (list) => this.listed(list),
    });
    this.eventInformer.on('add', (e) => this.received(e));
    this.eventInformer.on('update', (e) => this.received(e));
    this.namespaceInformer.on('error', (error) =>
      this.failed('namespaces', error, () => this.namespaceInformer.start()),
    );
    this.eventInformer.on('error', (error) =>
      this.failed('events', error, () => this.eventInformer.start()),
    );
  }

  /** Where the event watch is: pass it as `startFrom` to a later watcher to resume there. */
  get resourceVersion(): string {
    return this.eventInformer.latestResourceVersion();
  }

  /** Namespaces whose events are offered now. */
  get namespaces(): string[] {
    return [...this.opted].sort();
  }

  /** Lists namespaces, then events; resolves once both watches are open (or failing, retried). */
  async start(): Promise<void> {
    this.stopped = false;
    // Namespaces first: an event is judged by the namespaces known when it arrives.
    await this.namespaceInformer.start();
    await this.eventInformer.start();
  }

  /** Stops both watches and waits for the offers in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.namespaceInformer.stop();
    await this.eventInformer.stop();
    await this.chain;
  }

  private listed(list: CoreV1EventList): void {
    // A relist (after a 410) follows a watch this watcher saw: what it offered, it remembers.
    this.firstList = this.stats.lists === 0;
    this.stats.lists++;
    this.progress('events');
    this.fromList = new Map(
      list.items.map((e) => [e.metadata?.uid ?? '', e.metadata?.resourceVersion]),
    );
  }

  private received(event: CoreV1Event): void {
    this.progress('events');
    this.stats.received++;
    const now = this.clock.now();
    const uid = event.metadata?.uid ?? '';
    const fromList =
      this.fromList.has(uid) && this.fromList.get(uid) === event.metadata?.resourceVersion;
    if (fromList) this.fromList.delete(uid);
    const skip = skipOf(event, this.settings, this.opted);
    if (skip) {
      this.stats.skipped[skip]++;
      return;
    }
    if (fromList && this.firstList) {
      // Nothing remembers what this relay offered before it started: take what is recent.
      const at = lastSeenOf(event);
      if (at === undefined || now - at >= this.settings.windowMs) {
        this.seen.offer(event, now);
        this.stats.stale++;
        return;
      }
    }
    if (!this.seen.offer(event, now)) {
      this.stats.duplicates++;
      return;
    }
    const enrich =
      this.settings.enrich &&
      event.involvedObject?.kind === 'Pod' &&
      this.pending < this.settings.maxPending;
    this.pending++;
    // One chain keeps the offers in the order the watch gave the events.
    this.chain = this.chain
      .then(async () => {
        const context = enrich ? await this.podContextOf(event, now) : undefined;
        const { cluster } = this.settings;
        this.offer(eventOffer(eventPayload(event, cluster, context), cluster));
        this.stats.offered++;
      })
      .catch((error: unknown) =>
        this.log('error', 'event watcher: an event could not be offered', {
          error: apiErrorLine(error),
        }),
      )
      .finally(() => this.pending--);
  }

  /** The pod's context, read at most once per pod per window. */
  private podContextOf(event: CoreV1Event, now: number): Promise<PodContext | undefined> {
    const namespace = event.involvedObject?.namespace ?? '';
    const name = event.involvedObject?.name ?? '';
    const key = `${namespace}/${name}`;
    for (const [k, entry] of this.pods) {
      if (now - entry.at < this.settings.windowMs) break;
      this.pods.delete(k);
    }
    const cached = this.pods.get(key);
    if (cached) return cached.context;
    const context = this.readPod(event, namespace, name);
    this.pods.set(key, { at: now, context });
    return context;
  }

  private async readPod(
    event: CoreV1Event,
    namespace: string,
    name: string,
  ): Promise<PodContext | undefined> {
    try {
      this.stats.podReads++;
      const pod = await this.client.get<V1Pod>({ apiVersion: 'v1', kind: 'Pod', namespace, name });
      if (!pod) return undefined;
      const target = logContainerOf(event, pod);
      if (!target) return podContext(pod);
      this.stats.logReads++;
      const text = await this.client.logs(
        { namespace, pod: name, container: target.container },
        {
          previous: target.previous,
          tailLines: ENRICH_LIMITS.tailLines,
          limitBytes: ENRICH_LIMITS.logBytes,
        },
      );
      return podContext(pod, { ...target, text });
    } catch (error) {
      // The event goes out without its context rather than not at all.
      this.stats.readFailures++;
      this.log('warning', 'event watcher: could not read a pod for an event', {
        error: apiErrorLine(error),
      });
      return undefined;
    }
  }

  /** Something came through: the next failure starts its back-off from the beginning. */
  private progress(which: Which): void {
    this.attempts.delete(which);
  }

  private failed(which: Which, error: unknown, restart: () => Promise<void>): void {
    if (this.stopped) return; // stopping aborts the watch, which reports as an error
    this.stats.failures++;
    const attempt = this.attempts.get(which) ?? 0;
    this.attempts.set(which, attempt + 1);
    const delay = Math.min(this.settings.retryCapMs, this.settings.retryBaseMs * 2 ** attempt);
    this.log('warning', 'event watcher: a list or watch failed; starting it again', {
      watch: which,
      error: apiErrorLine(error),
      retryInMs: delay,
    });
    void this.clock.sleep(delay).then(() => {
      if (!this.stopped) void restart();
    });
  }
}

/** Settings a caller got wrong, refused on one line naming the setting and what is allowed. */
function checkSettings(s: Required<Omit<WatcherSettings, 'startFrom'>>): void {
  if (!s.cluster.trim())
    throw new UsageError('the event watcher cluster is empty; allowed: the cluster name');
  for (const [name, list] of [
    ['reasons', s.reasons],
    ['kinds', s.kinds],
  ] as const)
    if (list.length === 0 || list.some((v) => typeof v !== 'string' || v.trim() === ''))
      throw new UsageError(
        `the event watcher ${name} are ${JSON.stringify(list)}; allowed: a non-empty list of names${name === 'reasons' ? ' (or "*")' : ''}`,
      );
  for (const [name, ms] of [
    ['windowMs', s.windowMs],
    ['retryBaseMs', s.retryBaseMs],
    ['retryCapMs', s.retryCapMs],
    ['maxPending', s.maxPending],
  ] as const)
    if (!Number.isFinite(ms) || ms <= 0)
      throw new UsageError(
        `the event watcher ${name} is ${String(ms)}; allowed: a positive number`,
      );
}
