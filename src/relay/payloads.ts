// What the relay receives, split into one payload per alert in a shape intake accepts.
// The whole body is normalised first (intake's own normalisePayload), so a bad field is
// refused with intake's one-line PayloadError before anything is queued.
import type { Alert } from '../alerts/model.js';
import { PayloadError, normalisePayload } from '../alerts/shapes.js';
import { isObject } from '../shared/json.js';
import type { Offer, RelaySource } from './grouper.js';

/** The generic fields intake reads; anything else is not forwarded (client_payload holds 10 keys). */
const GENERIC_FIELDS = [
  'title',
  'cluster',
  'resource',
  'status',
  'namespace',
  'severity',
  'message',
  'runbook_url',
  'source_url',
] as const;

export interface ReadOptions {
  /** Cluster of a payload that names none. */
  cluster: string | undefined;
}

/** A received body as offers for the grouper; throws PayloadError naming the bad field. */
export function offersOf(body: unknown, source: RelaySource, options: ReadOptions): Offer[] {
  if (isObject(body) && 'kubemend_occurrences' in body)
    throw new PayloadError(
      'payload.kubemend_occurrences is set by the relay itself; allowed: a payload without it.',
    );
  const alerts = normalisePayload(body, { cluster: options.cluster });
  const shape = alerts[0]?.source;
  if (alerts.length > 0 && shape !== source)
    throw new PayloadError(
      source === 'alertmanager'
        ? 'payload is not an Alertmanager webhook; expected version, groupKey and alerts[] (POST /v1/alerts takes a generic alert).'
        : 'payload is not a generic alert; expected title and cluster (POST /alertmanager takes an Alertmanager webhook).',
    );
  const record = body as Record<string, unknown>;
  return source === 'alertmanager'
    ? alertmanagerOffers(record, alerts)
    : alerts.map((alert) => ({ alert, payload: genericPayload(record, alert), source }));
}

/**
 * One alert per payload, its labels merged with the common ones (the group's
 * commonLabels stop being common once the alerts go their own ways), and the cluster
 * named so intake needs no `cluster` input to key it the same way.
 */
function alertmanagerOffers(body: Record<string, unknown>, alerts: Alert[]): Offer[] {
  const raw = body.alerts as unknown[];
  const common = isObject(body.commonLabels) ? body.commonLabels : {};
  return alerts.map((alert, i) => {
    const one = raw[i] as Record<string, unknown>;
    const labels = { ...common, ...(isObject(one.labels) ? one.labels : {}) };
    if (!CLUSTER_LABELS.some((l) => typeof labels[l] === 'string' && labels[l] !== ''))
      labels.cluster = alert.cluster;
    return {
      alert,
      source: 'alertmanager',
      payload: {
        version: typeof body.version === 'string' ? body.version : '4',
        groupKey: typeof body.groupKey === 'string' ? body.groupKey : '',
        status: alert.status,
        alerts: [{ ...one, labels }],
      },
    };
  });
}

const CLUSTER_LABELS = ['cluster', 'k8s_cluster', 'cluster_name', 'cluster_id'];

function genericPayload(body: Record<string, unknown>, alert: Alert): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of GENERIC_FIELDS) if (body[field] !== undefined) out[field] = body[field];
  out.cluster = alert.cluster;
  return out;
}
