// Alerts read back from where kubemend stored them: intake's `alerts` output (JSON that
// passed through a workflow, so checked again) and an incident's record.
import { UsageError } from '../shared/errors.js';
import { isObject } from '../shared/json.js';
import type { IncidentRecord } from '../incidents/record.js';
import { ALERT_SOURCES, LIMITS, SEVERITIES, type Alert } from './model.js';

/** One entry of intake's `alerts` output; an error names the entry and the field. */
export function alertFromJson(value: unknown, path: string): Alert {
  if (!isObject(value))
    throw new UsageError(
      `${path} is not an alert object; pass intake's 'alerts' output unchanged.`,
    );
  const text = (key: string, required = false): string | undefined => {
    const v = value[key];
    if (v === undefined || v === null) {
      if (required)
        throw new UsageError(`${path}.${key} is missing; pass intake's 'alerts' output unchanged.`);
      return undefined;
    }
    if (typeof v !== 'string' || v.length > LIMITS.text * 2)
      throw new UsageError(
        `${path}.${key} is not a string of at most ${LIMITS.text * 2} characters; pass intake's 'alerts' output unchanged.`,
      );
    return v;
  };
  const oneOf = <T extends string>(key: string, allowed: readonly T[]): T => {
    const v = value[key];
    if (!(allowed as readonly unknown[]).includes(v))
      throw new UsageError(
        `${path}.${key} is not one of ${allowed.join(', ')}; pass intake's 'alerts' output unchanged.`,
      );
    return v as T;
  };
  const map = (key: string): Record<string, string> => {
    const v = value[key];
    if (v === undefined || v === null) return {};
    if (
      !isObject(v) ||
      Object.values(v).some((x) => typeof x !== 'string') ||
      Object.keys(v).length > LIMITS.labels
    )
      throw new UsageError(
        `${path}.${key} is not a mapping of strings; pass intake's 'alerts' output unchanged.`,
      );
    return v as Record<string, string>;
  };
  const details = value.details;
  const sourceNamespace = text('sourceNamespace');
  return {
    source: oneOf('source', ALERT_SOURCES),
    cluster: text('cluster', true) as string,
    name: text('name', true) as string,
    title: text('title', true) as string,
    status: oneOf('status', ['firing', 'resolved'] as const),
    severity: oneOf('severity', SEVERITIES),
    namespace: text('namespace'),
    ...(sourceNamespace === undefined ? {} : { sourceNamespace }),
    workload: text('workload'),
    pod: text('pod'),
    node: text('node'),
    message: text('message'),
    labels: map('labels'),
    annotations: map('annotations'),
    startsAt: text('startsAt'),
    runbookUrl: text('runbookUrl'),
    sourceUrl: text('sourceUrl'),
    details: isObject(details) ? details : {},
  };
}

/** The latest alert of an incident, as its record keeps it (parsed, so typed throughout). */
export function alertFromRecord(record: Omit<IncidentRecord, 'incident'>): Alert {
  const { latest, named: targets } = record;
  const namespace = targets.namespaces[0];
  // The record keeps no sourceNamespace; an Alertmanager alert's is its `namespace` label
  // when the record gives the incident none (a node's alert), as intake read it.
  const sourceNamespace =
    record.source === 'alertmanager' && namespace === undefined
      ? latest.labels.namespace
      : undefined;
  return {
    source: record.source,
    cluster: record.cluster,
    name: latest.name,
    title: record.title,
    status: record.status,
    severity: record.severity,
    namespace,
    ...(sourceNamespace === undefined ? {} : { sourceNamespace }),
    workload: targets.workloads[0],
    pod: targets.pods[0],
    node: targets.nodes[0],
    message: latest.message ?? undefined,
    labels: latest.labels,
    annotations: latest.annotations ?? {},
    startsAt: undefined,
    runbookUrl: latest.runbookUrl ?? undefined,
    sourceUrl: latest.sourceUrl ?? undefined,
    details: latest.details ?? {},
  };
}
