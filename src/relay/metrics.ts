// The relay's state in the Prometheus text exposition format (version 0.0.4), written by
// hand: a dozen series do not need a client library in the bundle.
import type { DispatchSource, RelaySource } from './grouper.js';
import { LATENCY_BUCKETS, type Relay } from './relay.js';

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const ALERT_SOURCES: RelaySource[] = ['alertmanager', 'generic', 'events'];
const DISPATCH_SOURCES: DispatchSource[] = ['alertmanager', 'generic', 'events', 'storm'];

export interface RequestCounts {
  /** HTTP answers by status code. */
  byStatus: Map<number, number>;
}

export function renderMetrics(relay: Relay, requests: RequestCounts): string {
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
  return `${lines.join('\n')}\n`;
}
