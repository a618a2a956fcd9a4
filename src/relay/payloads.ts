// What the relay receives, split into one payload per alert in a shape intake accepts.
// The whole body is normalised first (intake's own normalisePayload), so a bad field is
// refused with intake's one-line PayloadError before anything is queued.
import { LIMITS, type Alert } from '../alerts/model.js';
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
  const offers =
    source === 'alertmanager'
      ? alertmanagerOffers(record, alerts)
      : alerts.map((alert) => ({ alert, payload: genericPayload(record, alert), source }));
  return offers.map((offer) => ({ ...offer, payload: fitted(offer.payload) }));
}

/**
 * GitHub refuses a client_payload of 64 KB or more (a 422, which would drop the alert),
 * and intake keeps no more than LIMITS.text characters of any text. A payload that fits
 * goes as it is (intake cuts its long texts itself); one that does not has every string
 * cut to that bound first (intake sees the same alert either way), then shorter until it
 * fits (a hundred long labels).
 */
export const PAYLOAD_BUDGET = 60_000;

function fitted(payload: Record<string, unknown>): Record<string, unknown> {
  if (Buffer.byteLength(JSON.stringify(payload), 'utf8') < PAYLOAD_BUDGET) return payload;
  let out = payload;
  for (const max of [LIMITS.text, 1000, 256, 64]) {
    out = cut(payload, max) as Record<string, unknown>;
    if (Buffer.byteLength(JSON.stringify(out), 'utf8') < PAYLOAD_BUDGET) break;
  }
  return out;
}

function cut(value: unknown, max: number): unknown {
  if (typeof value === 'string') return value.length > max ? `${value.slice(0, max - 1)}…` : value;
  if (Array.isArray(value)) return value.map((v) => cut(v, max));
  if (isObject(value))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, cut(v, max)]));
  return value;
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
