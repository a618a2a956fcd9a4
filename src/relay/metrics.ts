// The relay's state in the Prometheus text exposition format (version 0.0.4), written by
// hand: a dozen series do not need a client library in the bundle.
import type { DispatchSource, RelaySource } from './grouper.js';
import { LATENCY_BUCKETS, type Relay } from './relay.js';
import type { WatcherStats } from './watcher.js';

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const ALERT_SOURCES: RelaySource[] = ['alertmanager', 'generic', 'events'];
const DISPATCH_SOURCES: DispatchSource[] = ['alertmanager', 'generic', 'events', 'storm'];

export interface RequestCounts {
  /** HTTP answers by status code. */
  byStatus: Map<number, number>;
}

export function renderMetrics(
  relay: Relay,
  requests: RequestCounts,
  watcher?: { readonly stats: WatcherStats },
): string {
  const lines: string[] = [];
  const family = (name: string, type: string, help: string): void => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  };
  const counts = relay.grouper.counts;
  const perAlertSource = (name: string, help: string, value: (s: RelaySource) => number) => {
    family(name, 'counter', help);
    for (const s of ALERT_SOURCES) lines.push(`${name}{source="${s}"} ${value(s)}`);
  };
  perAlertSource(
    'kubemend_relay_alerts_received_total',
    'Alerts received.',
    (s) => counts[s].received,
  );
  perAlertSource(
    'kubemend_relay_alerts_suppressed_total',
    'Repeats held back to ride on a later dispatch of their key.',
    (s) => counts[s].suppressed,
  );
  perAlertSource(
    'kubemend_relay_alerts_grouped_total',
    'Alerts folded into a storm dispatch.',
    (s) => counts[s].grouped,
  );
  family('kubemend_relay_dispatches_total', 'counter', 'repository_dispatch events GitHub took.');
  for (const s of DISPATCH_SOURCES)
    lines.push(`kubemend_relay_dispatches_total{source="${s}"} ${relay.deliverer.dispatched[s]}`);
  family(
    'kubemend_relay_dispatch_failures_total',
    'counter',
    'Dispatches GitHub refused for good (a 4xx other than 429).',
  );
  for (const s of DISPATCH_SOURCES)
    lines.push(
      `kubemend_relay_dispatch_failures_total{source="${s}"} ${relay.deliverer.failed[s]}`,
    );
  family('kubemend_relay_dispatch_retries_total', 'counter', 'Attempts GitHub failed, retried.');
  lines.push(`kubemend_relay_dispatch_retries_total ${relay.deliverer.retries}`);
  family('kubemend_relay_queue_depth', 'gauge', 'Dispatches waiting for GitHub.');
  lines.push(`kubemend_relay_queue_depth ${relay.queue.size}`);
  family(
    'kubemend_relay_queue_capacity',
    'gauge',
    'Queue depth at which alerts are refused (503).',
  );
  lines.push(`kubemend_relay_queue_capacity ${relay.queue.capacity}`);
  family('kubemend_relay_keys', 'gauge', 'Incident keys the grouper holds.');
  lines.push(`kubemend_relay_keys ${relay.grouper.size}`);
  const latency = 'kubemend_relay_dispatch_latency_seconds';
  family(latency, 'histogram', 'Time from queued to taken by GitHub.');
  for (const s of DISPATCH_SOURCES) {
    const h = relay.latency[s];
    LATENCY_BUCKETS.forEach((le, i) =>
      lines.push(`${latency}_bucket{source="${s}",le="${le}"} ${h.buckets[i]}`),
    );
    lines.push(`${latency}_bucket{source="${s}",le="+Inf"} ${h.count}`);
    lines.push(`${latency}_sum{source="${s}"} ${h.sum}`);
    lines.push(`${latency}_count{source="${s}"} ${h.count}`);
  }
  family('kubemend_relay_http_responses_total', 'counter', 'HTTP answers by status code.');
  for (const [code, n] of [...requests.byStatus].sort((a, b) => a[0] - b[0]))
    lines.push(`kubemend_relay_http_responses_total{code="${code}"} ${n}`);
  if (watcher) watcherMetrics(watcher.stats, family, lines);
  return `${lines.join('\n')}\n`;
}

/** The event watcher's series: only when it runs (it is opt-in). */
function watcherMetrics(
  stats: WatcherStats,
  family: (name: string, type: string, help: string) => void,
  lines: string[],
): void {
  const counter = (name: string, help: string, value: number): void => {
    family(name, 'counter', help);
    lines.push(`${name} ${value}`);
  };
  counter(
    'kubemend_relay_watcher_events_total',
    'Warning events the watcher saw added or changed.',
    stats.received,
  );
  counter('kubemend_relay_watcher_offered_total', 'Event occurrences offered.', stats.offered);
  family(
    'kubemend_relay_watcher_skipped_total',
    'counter',
    'Events not taken, by why (type, reason, kind, namespace, cluster-scoped).',
  );
  for (const [why, n] of Object.entries(stats.skipped))
    lines.push(`kubemend_relay_watcher_skipped_total{why="${why}"} ${n}`);
  counter(
    'kubemend_relay_watcher_duplicates_total',
    'Events seen again without a new occurrence (relists, reconnects).',
    stats.duplicates,
  );
  counter(
    'kubemend_relay_watcher_stale_total',
    "Events of a first list older than a window (offered before the relay's restart, or long over).",
    stats.stale,
  );
  counter(
    'kubemend_relay_watcher_lists_total',
    'Lists of events: the first, and one per 410 Expired.',
    stats.lists,
  );
  counter(
    'kubemend_relay_watcher_failures_total',
    'Lists or watches that failed and were started again after a back-off.',
    stats.failures,
  );
  counter('kubemend_relay_watcher_pod_reads_total', 'Pods read to enrich events.', stats.podReads);
  counter(
    'kubemend_relay_watcher_log_reads_total',
    'Log tails read to enrich events.',
    stats.logReads,
  );
  family('kubemend_relay_watcher_namespaces', 'gauge', 'Namespaces opted in by their label.');
  lines.push(`kubemend_relay_watcher_namespaces ${stats.namespaces}`);
}
