// The relay's /metrics, through prom-client: one registry per relay (never the global
// one, so two relays in one process, as in tests, never share a series). Counts the
// grouper and the deliverer keep are read at scrape time; latency and HTTP answers are
// observed as they happen. Node's process metrics come along, for memory and CPU.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { GrouperCounts } from './grouper.js';
import type { WatcherStats } from './watcher.js';

/** Dispatch latency buckets, seconds: a healthy relay is sub-second, a GitHub outage minutes. */
export const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900];

/** What the relay shows at scrape time; read through a function so nothing is copied. */
export interface RelayState {
  /** Per alert source. */
  alerts: Record<string, GrouperCounts>;
  /** Per dispatch source: taken by GitHub, refused for good. */
  dispatched: Record<string, number>;
  failed: Record<string, number>;
  retries: number;
  queueDepth: number;
  queueCapacity: number;
  keys: number;
}

export class RelayMetrics {
  readonly registry = new Registry();
  private readonly latency: Histogram<'source'>;
  private readonly responses: Counter<'code'>;

  constructor(state: () => RelayState) {
    const registers = [this.registry];
    // A counter read at scrape time: reset, then set to the source of truth's value.
    const counter = (
      name: string,
      help: string,
      values: (s: RelayState) => Record<string, number>,
    ): void => {
      new Counter({
        name,
        help,
        labelNames: ['source'],
        registers,
        collect() {
          this.reset();
          for (const [source, n] of Object.entries(values(state()))) this.inc({ source }, n);
        },
      });
    };
    const perAlertSource = (field: keyof GrouperCounts) => (s: RelayState) =>
      Object.fromEntries(Object.entries(s.alerts).map(([k, c]) => [k, c[field]]));
    counter('kubemend_relay_alerts_received_total', 'Alerts received.', perAlertSource('received'));
    counter(
      'kubemend_relay_alerts_suppressed_total',
      'Repeats held back to ride on a later dispatch of their key.',
      perAlertSource('suppressed'),
    );
    counter(
      'kubemend_relay_alerts_grouped_total',
      'Alerts folded into a storm dispatch.',
      perAlertSource('grouped'),
    );
    counter(
      'kubemend_relay_dispatches_total',
      'repository_dispatch events GitHub took.',
      (s) => s.dispatched,
    );
    counter(
      'kubemend_relay_dispatch_failures_total',
      'Dispatches GitHub refused for good (a 4xx other than 429).',
      (s) => s.failed,
    );
    new Counter({
      name: 'kubemend_relay_dispatch_retries_total',
      help: 'Attempts GitHub failed, retried.',
      registers,
      collect() {
        this.reset();
        this.inc(state().retries);
      },
    });
    const gauge = (name: string, help: string, value: (s: RelayState) => number): void => {
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(value(state()));
        },
      });
    };
    gauge('kubemend_relay_queue_depth', 'Dispatches waiting for GitHub.', (s) => s.queueDepth);
    gauge(
      'kubemend_relay_queue_capacity',
      'Queue depth at which alerts are refused (503).',
      (s) => s.queueCapacity,
    );
    gauge('kubemend_relay_keys', 'Incident keys the grouper holds.', (s) => s.keys);
    this.latency = new Histogram({
      name: 'kubemend_relay_dispatch_latency_seconds',
      help: 'Time from queued to taken by GitHub.',
      labelNames: ['source'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.responses = new Counter({
      name: 'kubemend_relay_http_responses_total',
      help: 'HTTP answers by status code.',
      labelNames: ['code'],
      registers,
    });
    collectDefaultMetrics({ register: this.registry });
  }

  /** The event watcher's series, once it runs (it is opt-in). */
  watch(stats: () => WatcherStats): void {
    const registers = [this.registry];
    const counter = (name: string, help: string, value: (s: WatcherStats) => number): void => {
      new Counter({
        name,
        help,
        registers,
        collect() {
          this.reset();
          this.inc(value(stats()));
        },
      });
    };
    counter(
      'kubemend_relay_watcher_events_total',
      'Warning events the watcher saw added or changed.',
      (s) => s.received,
    );
    counter('kubemend_relay_watcher_offered_total', 'Event occurrences offered.', (s) => s.offered);
    new Counter({
      name: 'kubemend_relay_watcher_skipped_total',
      help: 'Events not taken, by why (type, reason, kind, namespace, cluster-scoped).',
      labelNames: ['why'],
      registers,
      collect() {
        this.reset();
        for (const [why, n] of Object.entries(stats().skipped)) this.inc({ why }, n);
      },
    });
    counter(
      'kubemend_relay_watcher_duplicates_total',
      'Events seen again without a new occurrence (relists, reconnects).',
      (s) => s.duplicates,
    );
    counter(
      'kubemend_relay_watcher_stale_total',
      "Events of a first list older than a window (offered before the relay's restart, or long over).",
      (s) => s.stale,
    );
    counter(
      'kubemend_relay_watcher_lists_total',
      'Lists of events: the first, and one per 410 Expired.',
      (s) => s.lists,
    );
    counter(
      'kubemend_relay_watcher_failures_total',
      'Lists or watches that failed and were started again after a back-off.',
      (s) => s.failures,
    );
    counter(
      'kubemend_relay_watcher_pod_reads_total',
      'Pods read to enrich events.',
      (s) => s.podReads,
    );
    counter(
      'kubemend_relay_watcher_log_reads_total',
      'Log tails read to enrich events.',
      (s) => s.logReads,
    );
    new Gauge({
      name: 'kubemend_relay_watcher_namespaces',
      help: 'Namespaces opted in by their label.',
      registers,
      collect() {
        this.set(stats().namespaces);
      },
    });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** A dispatch GitHub took, `seconds` after it was queued. */
  observeLatency(source: string, seconds: number): void {
    this.latency.observe({ source }, seconds);
  }

  countResponse(code: number): void {
    this.responses.inc({ code: String(code) });
  }

  /** The exposition text; also what a test parses. */
  render(): Promise<string> {
    return this.registry.metrics();
  }
}
