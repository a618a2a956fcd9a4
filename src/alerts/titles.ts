// Normalising what changes between firings of one problem, so that they share an
// incident: pod hash suffixes, timestamps, counters.
import { hasPodSuffix, ownerOfPod } from './owners.js';

/**
 * The workload a pod belongs to, from its name: `store-front-7d9f8b6c4-xk2pq` (a
 * Deployment's pod) and `node-exporter-x2x9k` (a DaemonSet's) give their owner's
 * name; a StatefulSet's `db-0` gives `db`, a CronJob's `backup-29012345-x7k2q` `backup`.
 */
export function workloadFromPodName(pod: string): string {
  return ownerOfPod(pod).name;
}

const VOLATILE: [RegExp, string][] = [
  // ISO 8601 timestamps and dates, with or without zone.
  [/\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b/g, ''],
  // Clock times.
  [/\b\d{1,2}:\d{2}(?::\d{2})?\b/g, ''],
  // Unix epochs in seconds or milliseconds.
  [/\b1\d{9}(?:\d{3})?\b/g, ''],
  // Event counters: "(x12)", "x12 over 5m", "12 times", "#42", "restarts: 7".
  [/\(x\d+(?: over [^)]*)?\)/gi, ''],
  [/\bx\d+ over \S+/gi, ''],
  [/\b\d+ times?\b/gi, ''],
  [/#\d+\b/g, ''],
  [/\b(restarts?|count|attempts?)[:=]\s*\d+/gi, '$1'],
  // Durations that grow between firings: "for 15m", "5m30s ago".
  [/\b\d+(?:\.\d+)?(?:ms|s|m|h|d)(?:\d+(?:ms|s|m|h))*(?: ago)?\b/g, ''],
];

/** A title with its volatile parts removed and whitespace collapsed; bounded to 200 characters. */
export function normaliseTitle(title: string): string {
  let out = title
    .split(/(\s+)/)
    .map((word) =>
      /^[a-z0-9][a-z0-9.-]*$/i.test(word) && hasPodSuffix(word) ? workloadFromPodName(word) : word,
    )
    .join('');
  for (const [pattern, replacement] of VOLATILE) out = out.replace(pattern, replacement);
  out = out
    // eslint-disable-next-line no-control-regex -- removing control characters is the point
    .replace(/[\s\u0000-\u001f\u007f]+/g, ' ')
    .replace(/\s+([,.;:)])/g, '$1')
    .replace(/\(\s*\)/g, '')
    .replace(/[\s,;:-]+$/, '')
    .trim();
  return out.length > 200 ? `${out.slice(0, 199)}…` : out;
}
