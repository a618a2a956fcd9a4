// The relay's grouping: alerts in, dispatches out, so an alert storm does not cost a
// workflow run per alert. Pure: the clock is injected and nothing here does I/O.
//
// Alerts are keyed by intake's own incidentKey (with the config's intake.group-by), so
// one dispatch stands for one incident. A key goes out at once when it is new or its
// status or severity changes. Repeats in between are held back and counted: the next
// dispatch for the key carries that count (kubemend_occurrences), so the incident's
// occurrences stay true. Held repeats go out with the key's next change (usually its
// resolve), a window after the key went quiet, or once per refresh interval while it
// keeps firing: a repeat changes nothing on the incident but its count, and each
// dispatch costs a workflow run, so a problem that fires for ten minutes and resolves
// costs two runs, not one per window.
//
// The storm breaker: a cluster naming more than `stormKeys` distinct keys within a window
// sends its new keys as one storm dispatch per window instead of one per key, until a
// whole window passes below the threshold. Keys already dispatched keep their own
// dispatches (their incidents are open: their counts and resolves matter).
import { DEFAULT_GROUP_BY, incidentKey, type GroupBy } from '../alerts/identity.js';
import type { Alert, Severity } from '../alerts/model.js';

/**
 * Where an alert came in (`events`: the relay's own Kubernetes event watcher); `storm`
 * marks the storm breaker's own dispatches.
 */
export type RelaySource = 'alertmanager' | 'generic' | 'events';
export type DispatchSource = RelaySource | 'storm';

/** One repository_dispatch to send: a payload intake accepts, and what it stands for. */
export interface Dispatch {
  key: string;
  cluster: string;
  source: DispatchSource;
  /** The payload without kubemend_occurrences (deliver adds it). */
  payload: Record<string, unknown>;
  /** Alerts this dispatch stands for: itself and the repeats held back before it. */
  occurrences: number;
  /** When the grouper let it go (the injected clock's ms). */
  at: number;
}

export interface Offer {
  alert: Alert;
  /** The alert alone, in a shape intake accepts (see payloads.ts). */
  payload: Record<string, unknown>;
  source: RelaySource;
}

export interface GrouperOptions {
  groupBy?: readonly GroupBy[];
  /**
   * The grouping window: the storm breaker counts distinct keys per window, and a key
   * quiet for a window sends what it held back and is then forgotten. Default 5 minutes.
   */
  windowMs?: number;
  /** A key that keeps firing is re-dispatched with its held count at most this often. Default 1 hour. */
  refreshMs?: number;
  /** Distinct keys per cluster per window above which new keys become one storm dispatch. Default 50. */
  stormKeys?: number;
}

export interface GrouperCounts {
  /** Alerts offered. */
  received: number;
  /** Repeats held back, to ride on a later dispatch of their key. */
  suppressed: number;
  /** Alerts folded into a storm dispatch. */
  grouped: number;
}

interface KeyState {
  cluster: string;
  source: RelaySource;
  status: Alert['status'];
  severity: Severity;
  payload: Record<string, unknown>;
  /** When the key was last dispatched, and last seen. */
  lastAt: number;
  seenAt: number;
  /** Repeats held back since the last dispatch. */
  pending: number;
}

interface ClusterWindow {
  start: number;
  /** Distinct keys seen in this window. */
  keys: Set<string>;
  /** True while the cluster is in a storm: the threshold was crossed in this or the last window. */
  stormy: boolean;
  storm: { alerts: number; severity: Severity; sent: boolean };
}

const SEVERITY_RANK: Record<Severity, number> = { none: 0, info: 1, warning: 2, critical: 3 };

export const GROUPER_DEFAULTS = { windowMs: 5 * 60_000, refreshMs: 60 * 60_000, stormKeys: 50 };

export class Grouper {
  readonly counts: Record<RelaySource, GrouperCounts> = {
    alertmanager: { received: 0, suppressed: 0, grouped: 0 },
    generic: { received: 0, suppressed: 0, grouped: 0 },
    events: { received: 0, suppressed: 0, grouped: 0 },
  };
  private readonly keys = new Map<string, KeyState>();
  private readonly clusters = new Map<string, ClusterWindow>();
  private readonly groupBy: readonly GroupBy[];
  private readonly windowMs: number;
  private readonly refreshMs: number;
  private readonly stormKeys: number;
  private readonly now: () => number;

  constructor(options: GrouperOptions, now: () => number) {
    this.groupBy = options.groupBy ?? DEFAULT_GROUP_BY;
    this.windowMs = options.windowMs ?? GROUPER_DEFAULTS.windowMs;
    this.refreshMs = options.refreshMs ?? GROUPER_DEFAULTS.refreshMs;
    this.stormKeys = options.stormKeys ?? GROUPER_DEFAULTS.stormKeys;
    this.now = now;
  }

  /** Keys held in memory (open problems and recent ones). */
  get size(): number {
    return this.keys.size;
  }

  /** Held-back repeats not yet dispatched, over every key and storm. */
  get pending(): number {
    let n = 0;
    for (const state of this.keys.values()) n += state.pending;
    for (const c of this.clusters.values()) n += c.storm.alerts;
    return n;
  }

  /** One alert in; the dispatches to send now (none when it is a repeat held back). */
  offer({ alert, payload, source }: Offer): Dispatch[] {
    const now = this.now();
    const counts = this.counts[source];
    counts.received++;
    const key = incidentKey(alert, this.groupBy);
    const cluster = this.windowOf(alert.cluster, now);
    cluster.keys.add(key);
    const state = this.keys.get(key);
    if (!state) {
      if (cluster.keys.size > this.stormKeys) cluster.stormy = true;
      if (cluster.stormy) {
        counts.grouped++;
        return this.intoStorm(alert, cluster, now);
      }
      this.keys.set(key, {
        cluster: alert.cluster,
        source,
        status: alert.status,
        severity: alert.severity,
        payload,
        lastAt: now,
        seenAt: now,
        pending: 0,
      });
      return [{ key, cluster: alert.cluster, source, payload, occurrences: 1, at: now }];
    }
    state.payload = payload;
    state.source = source;
    state.seenAt = now;
    const changed = state.status !== alert.status || state.severity !== alert.severity;
    if (!changed && now - state.lastAt < this.refreshMs) {
      state.pending++;
      counts.suppressed++;
      return [];
    }
    state.status = alert.status;
    state.severity = alert.severity;
    return [this.release(key, state, now, 1)];
  }

  /**
   * Time passes: keys that held repeats back past their refresh interval, or went quiet
   * for a window, send them; storm windows close; keys quiet for a whole window with
   * nothing held are forgotten (memory stays bounded by what fires; a forgotten key that
   * fires again goes out at once).
   */
  tick(): Dispatch[] {
    const now = this.now();
    const out: Dispatch[] = [];
    for (const [key, state] of this.keys) {
      const quiet = now - state.seenAt >= this.windowMs;
      if (state.pending > 0) {
        if (quiet || now - state.lastAt >= this.refreshMs)
          out.push(this.release(key, state, now, 0));
      } else if (quiet) this.keys.delete(key);
    }
    for (const [name, cluster] of this.clusters) {
      if (now - cluster.start < this.windowMs) continue;
      const storm = this.stormDispatch(name, cluster, now);
      if (storm) out.push(storm);
      if (cluster.keys.size === 0 && !cluster.stormy) this.clusters.delete(name);
      else this.roll(cluster, now);
    }
    return out;
  }

  /** Everything held back, now (a drain before exit). */
  flush(): Dispatch[] {
    const now = this.now();
    const out: Dispatch[] = [];
    for (const [key, state] of this.keys)
      if (state.pending > 0) out.push(this.release(key, state, now, 0));
    for (const [name, cluster] of this.clusters) {
      const storm = this.stormDispatch(name, cluster, now);
      if (storm) out.push(storm);
    }
    return out;
  }

  private release(key: string, state: KeyState, now: number, extra: number): Dispatch {
    const occurrences = state.pending + extra;
    state.pending = 0;
    state.lastAt = now;
    return {
      key,
      cluster: state.cluster,
      source: state.source,
      payload: state.payload,
      occurrences,
      at: now,
    };
  }

  private windowOf(name: string, now: number): ClusterWindow {
    let cluster = this.clusters.get(name);
    if (!cluster) {
      cluster = {
        start: now,
        keys: new Set(),
        stormy: false,
        storm: { alerts: 0, severity: 'none', sent: false },
      };
      this.clusters.set(name, cluster);
    }
    return cluster;
  }

  /** A new window: the storm goes on only if the last window was above the threshold. */
  private roll(cluster: ClusterWindow, now: number): void {
    cluster.stormy = cluster.keys.size > this.stormKeys;
    cluster.start = now;
    cluster.keys = new Set();
    cluster.storm = { alerts: 0, severity: 'none', sent: false };
  }

  /** The first storm alert of a window goes at once; the rest ride on the window's end. */
  private intoStorm(alert: Alert, cluster: ClusterWindow, now: number): Dispatch[] {
    const { storm } = cluster;
    storm.alerts++;
    if (SEVERITY_RANK[alert.severity] > SEVERITY_RANK[storm.severity])
      storm.severity = alert.severity;
    if (storm.sent) return [];
    const dispatch = this.stormDispatch(alert.cluster, cluster, now);
    return dispatch ? [dispatch] : [];
  }

  private stormDispatch(name: string, cluster: ClusterWindow, now: number): Dispatch | undefined {
    const { storm } = cluster;
    if (storm.alerts === 0) return undefined;
    const minutes = Math.round(this.windowMs / 60_000);
    const payload = {
      // A stable title: every storm window of a cluster folds into one incident.
      title: `Alert storm on ${name}`,
      cluster: name,
      severity: storm.severity === 'none' ? 'warning' : storm.severity,
      status: 'firing',
      message: `${cluster.keys.size} problems on ${name} within ${minutes} min (more than ${this.stormKeys} distinct problems): ${storm.alerts} alerts held back as this one incident; the relay dispatches them one by one again once a window passes below the threshold.`,
    };
    const occurrences = storm.alerts;
    storm.alerts = 0;
    storm.sent = true;
    return {
      key: `storm\ncluster=${name.toLowerCase()}`,
      cluster: name,
      source: 'storm',
      payload,
      occurrences,
      at: now,
    };
  }
}
