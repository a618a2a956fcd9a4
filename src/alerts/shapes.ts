// The five payload shapes intake accepts, recognised by their fields and turned into
// Alerts. Every field is checked for type and size; an error names the field and the
// shape that was expected, and nothing is half-read.
import { UsageError } from '../shared/errors.js';
import { isObject } from '../shared/json.js';
import { LIMITS, SEVERITIES, type Alert, type AlertSource, type Severity } from './model.js';
import { isLabelName, isSubdomainName } from '../shared/names.js';
import { FLUX_CLUSTER_KEY, FLUX_RECOVERY_REASONS, FLUX_SEVERITIES, isFluxKind } from './flux.js';
import { kindOfAlias, OWNER_LABELS, ownerOfController, ownerOfPod } from './owners.js';
import { alertmanagerScope, objectScope, type Scope } from './scope.js';
import { normaliseTitle, workloadFromPodName } from './titles.js';

export class PayloadError extends UsageError {
  override name = 'PayloadError';
}

const SHAPES =
  'an Alertmanager webhook (version, groupKey, alerts[]), an Argo CD notification (app_name, health_status, sync_status), a Kubernetes event (event, involved_object), a Flux event (involvedObject, severity, reason, reportingController) or a generic alert (title, cluster)';

type Json = Record<string, unknown>;

/** Recognises the shape of a payload (or of a full repository_dispatch body). */
export function detectShape(payload: Json): {
  source: Exclude<AlertSource, 'scan'>;
  body: Json;
  path: string;
} {
  let body = payload;
  let path = 'payload';
  // The repository_dispatch request body carries the payload under client_payload.
  if (isObject(body.client_payload) && typeof body.event_type === 'string') {
    body = body.client_payload;
    path = 'payload.client_payload';
  }
  const shape = shapeOf(body);
  if (shape) return { source: shape, body, path };
  // A relay may nest the whole body under one key (client_payload allows 10 keys).
  const [only, ...rest] = Object.keys(body);
  const inner = only === undefined ? undefined : body[only];
  if (rest.length === 0 && isObject(inner)) {
    const nested = shapeOf(inner);
    if (nested) return { source: nested, body: inner, path: `${path}.${only}` };
  }
  throw new PayloadError(`${path} matches no known shape; expected ${SHAPES}.`);
}

function shapeOf(body: Json): Exclude<AlertSource, 'scan'> | undefined {
  if ('alerts' in body && ('groupKey' in body || 'version' in body)) return 'alertmanager';
  if ('app_name' in body && ('health_status' in body || 'sync_status' in body)) return 'argocd';
  if ('event' in body && 'involved_object' in body) return 'event';
  // Flux's eventv1.Event, as the githubdispatch provider sends it in client_payload.
  if ('involvedObject' in body && 'reportingController' in body) return 'flux';
  if ('title' in body) return 'generic';
  return undefined;
}

export interface NormaliseOptions {
  /** Cluster name for payloads that name none (the action's `cluster` input). */
  cluster: string | undefined;
}

/** Turns a payload into alerts; throws a PayloadError naming the first bad field. */
export function normalisePayload(payload: unknown, options: NormaliseOptions): Alert[] {
  if (!isObject(payload))
    throw new PayloadError(`payload is not a JSON object; expected ${SHAPES}.`);
  checkDepth(payload, 'payload', 0);
  const { source, body, path } = detectShape(payload);
  const read = new Reader(path);
  const occurrences = occurrencesOf(body, path);
  const alerts = alertsOf(source, body, read, options);
  return occurrences === undefined ? alerts : alerts.map((alert) => ({ ...alert, occurrences }));
}

function alertsOf(
  source: Exclude<AlertSource, 'scan'>,
  body: Json,
  read: Reader,
  options: NormaliseOptions,
): Alert[] {
  switch (source) {
    case 'alertmanager':
      return alertmanager(body, read, options);
    case 'argocd':
      return [argocd(body, read, options)];
    case 'event':
      return [kubeEvent(body, read, options)];
    case 'generic':
      return [generic(body, read, options)];
    case 'flux':
      return [fluxEvent(body, read, options)];
  }
}

/**
 * `kubemend_occurrences`: the relay held back repeats of this payload and sends their
 * count, so the incident's occurrences stay true. A whole number, bounded: a payload
 * must not inflate a count without limit.
 */
function occurrencesOf(body: Json, path: string): number | undefined {
  const value = body.kubemend_occurrences;
  if (value === undefined) return undefined;
  if (
    typeof value !== 'number' ||
    !Number.isInteger(value) ||
    value < 1 ||
    value > LIMITS.occurrences
  )
    throw new PayloadError(
      `${path}.kubemend_occurrences is ${typeof value === 'number' ? String(value) : describe(value)}; allowed: a whole number from 1 to ${LIMITS.occurrences}.`,
    );
  return value;
}

function checkDepth(value: unknown, path: string, depth: number): void {
  if (depth > LIMITS.depth)
    throw new PayloadError(
      `${path} nests deeper than ${LIMITS.depth} levels; expected a flat alert payload.`,
    );
  if (Array.isArray(value))
    value.forEach((item, i) => checkDepth(item, `${path}[${i}]`, depth + 1));
  else if (isObject(value))
    for (const [k, v] of Object.entries(value)) checkDepth(v, `${path}.${k}`, depth + 1);
}

/** Typed, bounded reads of payload fields, each error naming the field's path. */
class Reader {
  readonly base: string;
  constructor(base: string) {
    this.base = base;
  }

  at(path: string): Reader {
    return new Reader(`${this.base}.${path}`);
  }

  string(
    body: Json,
    key: string,
    options: { required?: boolean; max?: number } = {},
  ): string | undefined {
    const value = body[key];
    const max = options.max ?? LIMITS.text;
    if (value === undefined || value === null || value === '') {
      if (options.required)
        throw new PayloadError(`${this.base}.${key} is missing; expected a string.`);
      return undefined;
    }
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw new PayloadError(`${this.base}.${key} is ${describe(value)}; expected a string.`);
    }
    const text = clean(String(value));
    return text.length > max ? `${text.slice(0, max - 1)}…` : text;
  }

  requiredString(body: Json, key: string, max?: number): string {
    const value = this.string(body, key, { required: true, max });
    if (value === undefined)
      throw new PayloadError(`${this.base}.${key} is missing; expected a string.`);
    return value;
  }

  map(body: Json, key: string): Record<string, string> {
    const value = body[key];
    if (value === undefined || value === null) return {};
    if (!isObject(value))
      throw new PayloadError(
        `${this.base}.${key} is ${describe(value)}; expected an object of strings.`,
      );
    const entries = Object.entries(value);
    if (entries.length > LIMITS.labels)
      throw new PayloadError(
        `${this.base}.${key} has ${entries.length} entries; allowed: at most ${LIMITS.labels}.`,
      );
    const out: Record<string, string> = {};
    for (const [k] of entries) {
      const text = this.at(key).string(value, k);
      if (text !== undefined) out[clean(k).slice(0, LIMITS.name)] = text;
    }
    return out;
  }

  requiredObject(body: Json, key: string): Json {
    const value = this.object(body, key, true);
    if (value === undefined)
      throw new PayloadError(`${this.base}.${key} is missing; expected an object.`);
    return value;
  }

  object(body: Json, key: string, required = false): Json | undefined {
    const value = body[key];
    if (value === undefined || value === null) {
      if (required) throw new PayloadError(`${this.base}.${key} is missing; expected an object.`);
      return undefined;
    }
    if (!isObject(value))
      throw new PayloadError(`${this.base}.${key} is ${describe(value)}; expected an object.`);
    return value;
  }
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** Drops control characters and invalid UTF-16 (lone surrogates), keeps new lines and tabs. */
const UNSAFE_CHARACTERS =
  // eslint-disable-next-line no-control-regex -- removing control characters is the point
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u202a-\u202e\u2066-\u2069]/g;

function clean(text: string): string {
  return text.toWellFormed().replace(UNSAFE_CHARACTERS, '');
}

function severityOf(value: string | undefined): Severity {
  const v = (value ?? '').toLowerCase();
  if ((SEVERITIES as readonly string[]).includes(v)) return v as Severity;
  if (['error', 'high', 'page', 'p1', 'fatal'].includes(v)) return 'critical';
  if (['warn', 'medium', 'p2', 'p3'].includes(v)) return 'warning';
  if (['low', 'notice', 'p4', 'p5', 'informational'].includes(v)) return 'info';
  return 'warning';
}

function clusterOf(found: string | undefined, options: NormaliseOptions, path: string): string {
  const cluster = found ?? options.cluster;
  if (!cluster) {
    throw new PayloadError(
      `${path}.cluster is missing and the action's 'cluster' input is empty; name the cluster in one of them.`,
    );
  }
  return cluster.slice(0, 63);
}

function alertmanager(body: Json, read: Reader, options: NormaliseOptions): Alert[] {
  const alerts = body.alerts;
  if (!Array.isArray(alerts))
    throw new PayloadError(
      `${read.base}.alerts is ${describe(alerts)}; expected an array of alerts.`,
    );
  if (alerts.length > LIMITS.alerts)
    throw new PayloadError(
      `${read.base}.alerts has ${alerts.length} alerts; allowed: at most ${LIMITS.alerts} in one payload.`,
    );
  const common = read.map(body, 'commonLabels');
  return alerts.map((raw, i) => {
    const at = read.at(`alerts[${i}]`);
    if (!isObject(raw))
      throw new PayloadError(`${at.base} is ${describe(raw)}; expected an alert object.`);
    const labels = { ...common, ...at.map(raw, 'labels') };
    const annotations = at.map(raw, 'annotations');
    const name = labels.alertname;
    if (!name)
      throw new PayloadError(`${at.base}.labels.alertname is missing; expected the alert's name.`);
    const pod = affectedPod(labels);
    const workload = workloadLabel(labels) ?? (pod ? podWorkload(ownerOfPod(pod)) : undefined);
    // Exporters put their own namespace in `namespace`: the affected object's wins, and an
    // alert about a node has none.
    const scope = alertmanagerScope(labels, { pod, workload });
    const { namespace } = scope;
    const status = at.string(raw, 'status') === 'resolved' ? 'resolved' : 'firing';
    return {
      source: 'alertmanager',
      cluster: clusterOf(
        labels.cluster ?? labels.k8s_cluster ?? labels.cluster_name ?? labels.cluster_id,
        options,
        `${at.base}.labels`,
      ),
      name,
      title: normaliseTitle([name, namespace, workload?.split('/')[1]].filter(Boolean).join(' ')),
      status,
      severity: severityOf(labels.severity),
      ...scoped(scope),
      workload,
      pod,
      node: labels.node ?? labels.instance_node ?? labels.kubernetes_node,
      message: annotations.description ?? annotations.message ?? annotations.summary,
      labels,
      annotations,
      startsAt: at.string(raw, 'startsAt', { max: 40 }),
      runbookUrl: annotations.runbook_url,
      sourceUrl: at.string(raw, 'generatorURL', { max: 2000 }),
      details: {},
    };
  });
}

/**
 * The pod an alert is about. When Prometheus keeps the scrape target's labels, `pod` is
 * the exporter's own pod (kube-state-metrics for a Job or Node alert) and the metric's is
 * `exported_pod`.
 */
export function affectedPod(labels: Record<string, string>): string | undefined {
  const named = labels.exported_pod ?? labels.affected_pod ?? labels.pod_name;
  if (named) return named;
  return isExporterPod(labels) ? undefined : labels.pod;
}

/** Exporters whose own pod and container labels ride along on the metrics they report. */
const EXPORTER =
  /kube-state-metrics|node-exporter|cert-manager|longhorn-manager|blackbox-exporter|argocd-application-controller|argocd-metrics/;

/** True when the `pod` and `container` labels name the exporter that reported the metric. */
export function isExporterPod(labels: Record<string, string>): boolean {
  return Boolean(
    labels.pod &&
    EXPORTER.test(labels.pod) &&
    EXPORTER.test(`${labels.job ?? ''} ${labels.service ?? ''} ${labels.container ?? ''}`),
  );
}

/** A `container` label that names the exporter itself, not the affected container. */
export function isExporterContainer(container: string | undefined): boolean {
  return container !== undefined && EXPORTER.test(container);
}

/** kube-state-metrics labels name the owner directly. */
function workloadLabel(labels: Record<string, string>): string | undefined {
  for (const [label, kind] of OWNER_LABELS) {
    const name = labels[label];
    if (name) {
      const owner = ownerOfController(kind, name);
      return `${owner.kind}/${owner.name}`;
    }
  }
  const kind = labels.owner_kind ?? labels.created_by_kind;
  const name = labels.owner_name ?? labels.created_by_name;
  if (kind && name && /^[A-Z][A-Za-z]{1,40}$/.test(kind)) {
    const owner = ownerOfController(kind, name);
    return `${owner.kind}/${owner.name}`;
  }
  return undefined;
}

/** `Kind/name`; `Pod/<name>` stands for the pods of an owner whose kind the name cannot tell. */
function podWorkload(owner: { kind: string | undefined; name: string }): string {
  return `${owner.kind ?? 'Pod'}/${owner.name}`;
}

function argocd(body: Json, read: Reader, options: NormaliseOptions): Alert {
  const app = read.requiredString(body, 'app_name', LIMITS.name);
  const health = read.string(body, 'health_status', { max: 40 }) ?? 'Unknown';
  const sync = read.string(body, 'sync_status', { max: 40 }) ?? 'Unknown';
  const resources = body.resources;
  if (resources !== undefined && !Array.isArray(resources))
    throw new PayloadError(`${read.base}.resources is ${describe(resources)}; expected an array.`);
  const healthy = health === 'Healthy' && sync === 'Synced';
  return {
    source: 'argocd',
    cluster: clusterOf(read.string(body, 'cluster', { max: 63 }), options, read.base),
    name: app,
    title: normaliseTitle(`Argo CD application ${app}`),
    status: healthy ? 'resolved' : 'firing',
    severity: health === 'Degraded' || health === 'Missing' ? 'critical' : 'warning',
    ...scoped(argocdScope(body, read)),
    workload: `Application/${app}`,
    pod: undefined,
    node: undefined,
    message: read.string(body, 'message') ?? `health ${health}, sync ${sync}`,
    labels: {},
    annotations: {},
    startsAt: undefined,
    runbookUrl: undefined,
    sourceUrl: read.string(body, 'app_url', { max: 2000 }),
    details: { health, sync, resources: (resources ?? []).slice(0, 200) },
  };
}

/**
 * The application's destination is where its objects live. A template that also sends
 * `namespace` sends the Application's own (Argo CD's), where the report came from.
 */
function argocdScope(body: Json, read: Reader): Scope {
  const dest = read.string(body, 'dest_namespace', { max: LIMITS.name });
  const own = read.string(body, 'namespace', { max: LIMITS.name });
  if (!dest) return { namespace: own };
  return own && own !== dest ? { namespace: dest, sourceNamespace: own } : { namespace: dest };
}

/** The alert's namespace fields; `sourceNamespace` only when there is one, as JSON keeps it. */
function scoped(scope: Scope): Pick<Alert, 'namespace' | 'sourceNamespace'> {
  return scope.sourceNamespace === undefined
    ? { namespace: scope.namespace }
    : { namespace: scope.namespace, sourceNamespace: scope.sourceNamespace };
}

function kubeEvent(body: Json, read: Reader, options: NormaliseOptions): Alert {
  const event = read.requiredObject(body, 'event');
  const involved = read.requiredObject(body, 'involved_object');
  const at = read.at('event');
  const io = read.at('involved_object');
  const reason = at.requiredString(event, 'reason', LIMITS.name);
  const kind = io.requiredString(involved, 'kind', 63);
  const name = io.requiredString(involved, 'name', LIMITS.name);
  // An event about a Node is recorded in `default`; a relay may pass that on.
  const scope = objectScope(kind, io.string(involved, 'namespace', { max: LIMITS.name }));
  const { namespace } = scope;
  // A ReplicaSet's events (FailedCreate) are its Deployment's problem: keyed by the
  // controller a person manages, not by a rollout's hash. (A Job stays itself: the run
  // that failed is what a person looks at.)
  const controller =
    kind === 'Pod'
      ? undefined
      : kind === 'ReplicaSet'
        ? ownerOfController(kind, name)
        : { kind, name };
  const workloadName = controller ? controller.name : workloadFromPodName(name);
  const context = read.object(body, 'context') ?? {};
  return {
    source: 'event',
    cluster: clusterOf(read.string(body, 'cluster', { max: 63 }), options, read.base),
    name: reason,
    title: normaliseTitle(`${reason} ${kind}/${namespace ? `${namespace}/` : ''}${workloadName}`),
    // Kubernetes records real problems as Normal too (Back-off pulling image, NodeNotReady):
    // only a reason that reports a recovery resolves.
    status:
      at.string(event, 'type') === 'Normal' && RECOVERY_REASONS.has(reason) ? 'resolved' : 'firing',
    severity: at.string(event, 'type') === 'Warning' ? 'warning' : 'info',
    ...scoped(scope),
    workload: controller
      ? `${controller.kind ?? kind}/${controller.name}`
      : podWorkload(podOwner(name, context)),
    pod: kind === 'Pod' ? name : undefined,
    node: kind === 'Node' ? name : nameAt(context, 'nodeName'),
    message: at.string(event, 'message'),
    labels: {},
    annotations: {},
    startsAt: undefined,
    runbookUrl: undefined,
    sourceUrl: undefined,
    details: { count: event.count, context },
  };
}

/** Event reasons that report a recovery (kubelet, node lifecycle, volume and scheduler). */
const RECOVERY_REASONS = new Set([
  'Pulled',
  'Started',
  'Created',
  'Scheduled',
  'NodeReady',
  'NodeSchedulable',
  'NodeHasSufficientMemory',
  'NodeHasNoDiskPressure',
  'NodeHasSufficientPID',
  'SuccessfulAttachVolume',
  'SuccessfulMountVolume',
  'ProvisioningSucceeded',
  'VolumeResizeSuccessful',
  'FileSystemResizeSuccessful',
  'Completed',
  'SuccessfulCreate',
  'Issued',
  'Ready',
  'Resolved',
  'Recovered',
]);

/** A pod's owner from the watcher's ownerReferences, else from its name. */
function podOwner(pod: string, context: Json): { kind: string | undefined; name: string } {
  const refs = context.ownerReferences;
  const ref: unknown = Array.isArray(refs) ? refs[0] : undefined;
  if (isObject(ref)) {
    const { kind } = ref;
    const name = nameAt(ref, 'name');
    if (typeof kind === 'string' && name && /^[A-Z][A-Za-z]{1,40}$/.test(kind))
      return ownerOfController(kind, name);
  }
  return ownerOfPod(pod);
}

/** A Kubernetes object name from the watcher's context; anything else is ignored. */
function nameAt(body: Json, key: string): string | undefined {
  const value = body[key];
  return typeof value === 'string' && isSubdomainName(value) ? value : undefined;
}

/** A title within the 200 characters normaliseTitle keeps to. */
const boundedTitle = (title: string): string =>
  title.length > 200 ? `${title.slice(0, 199)}…` : title;

/** A Kubernetes kind as the API spells it: the only kind text a title or a target takes. */
const KIND_NAME = /^[A-Z][A-Za-z0-9]{0,62}$/;

/**
 * A Flux event (notification-controller's eventv1.Event): `error` fires; `info` with a
 * recovery reason (FLUX_RECOVERY_REASONS) resolves; any other `info` reports progress and
 * changes nothing. Keyed by the involved object, whatever the reason, so a failure and
 * its recovery are one incident. The object's kind, namespace and name are held to what
 * Kubernetes accepts: they become the title, the target and the commands.
 */
function fluxEvent(body: Json, read: Reader, options: NormaliseOptions): Alert {
  const involved = read.requiredObject(body, 'involvedObject');
  const io = read.at('involvedObject');
  const kind = io.requiredString(involved, 'kind', 63);
  if (!KIND_NAME.test(kind))
    throw new PayloadError(
      `${io.base}.kind is not a Kubernetes kind; allowed: a capitalised word of letters and digits (Kustomization, HelmRelease).`,
    );
  const name = io.requiredString(involved, 'name', LIMITS.name);
  if (!isSubdomainName(name))
    throw new PayloadError(
      `${io.base}.name is not a Kubernetes object name; allowed: lower-case letters, digits, '-' and '.'.`,
    );
  const namespace = io.requiredString(involved, 'namespace', 63);
  if (!isLabelName(namespace))
    throw new PayloadError(
      `${io.base}.namespace is not a namespace name; allowed: lower-case letters, digits and '-'.`,
    );
  const severity = read.requiredString(body, 'severity', 20);
  if (!(FLUX_SEVERITIES as readonly string[]).includes(severity))
    throw new PayloadError(
      `${read.base}.severity is not a Flux event severity; allowed: ${FLUX_SEVERITIES.join(', ')}.`,
    );
  const reason = read.requiredString(body, 'reason', LIMITS.name);
  const metadata = read.map(body, 'metadata');
  const recovered = severity === 'info' && FLUX_RECOVERY_REASONS.has(reason);
  return {
    source: 'flux',
    cluster: clusterOf(metadata[FLUX_CLUSTER_KEY], options, `${read.base}.metadata`),
    name: `${kind}/${name}`,
    // Not normalised: the names are checked above and never change between events, and
    // the volatile patterns (durations, counters) would merge `web-1h` with `web-2h`.
    title: boundedTitle(`Flux ${kind} ${namespace}/${name} is failing`),
    status: severity === 'error' ? 'firing' : 'resolved',
    ...(severity === 'info' && !recovered ? { informational: true as const } : {}),
    // Flux says only info or error; a failed reconcile leaves the last applied revision
    // running, so it is a warning, as an Argo CD application out of sync is.
    severity: severity === 'error' ? 'warning' : 'info',
    namespace,
    // Only the kinds kubemend acts on are targets; another kind's name keys the incident.
    workload: isFluxKind(kind) ? `${kind}/${name}` : undefined,
    pod: undefined,
    node: undefined,
    message: read.string(body, 'message'),
    // The Alert's eventMetadata and the controller's (revision, summary): user rules read them as labels.
    labels: metadata,
    annotations: {},
    startsAt: read.string(body, 'timestamp', { max: 40 }),
    runbookUrl: undefined,
    sourceUrl: undefined,
    details: {
      flux: {
        kind,
        reason,
        severity,
        controller: read.string(body, 'reportingController', { max: LIMITS.name }) ?? '',
      },
    },
  };
}

function generic(body: Json, read: Reader, options: NormaliseOptions): Alert {
  const title = read.requiredString(body, 'title', 500);
  const resource = read.string(body, 'resource', { max: LIMITS.name });
  const status = read.string(body, 'status', { max: 20 });
  // Scripts write kinds the way kubectl takes them: `node/pi-3` names no namespace.
  const kind = resource?.includes('/') ? kindOfAlias(resource.split('/', 1)[0] ?? '') : undefined;
  const scope = objectScope(kind, read.string(body, 'namespace', { max: LIMITS.name }));
  return {
    source: 'generic',
    cluster: clusterOf(read.string(body, 'cluster', { max: 63 }), options, read.base),
    name: title,
    title: normaliseTitle(title),
    status: RESOLVED_WORDS.has((status ?? '').toLowerCase()) ? 'resolved' : 'firing',
    severity: severityOf(read.string(body, 'severity', { max: 20 })),
    ...scoped(scope),
    workload: resource,
    pod: undefined,
    node: undefined,
    message: read.string(body, 'message'),
    labels: {},
    annotations: {},
    startsAt: undefined,
    runbookUrl: read.string(body, 'runbook_url', { max: 2000 }),
    sourceUrl: read.string(body, 'source_url', { max: 2000 }),
    // A status that is neither firing nor resolved (`KubeletNotReady`, `Degraded`) says what is wrong.
    details: status && !STATUS_WORDS.has(status.toLowerCase()) ? { status } : {},
  };
}

/** How scripts and uptime monitors say a problem is over. */
const RESOLVED_WORDS = new Set([
  'resolved',
  'ok',
  'recovered',
  'up',
  'healthy',
  'normal',
  'success',
  'succeeded',
]);
const STATUS_WORDS = new Set([
  ...RESOLVED_WORDS,
  'firing',
  'alerting',
  'triggered',
  'problem',
  'down',
  'error',
  'failed',
  'failing',
  'critical',
  'warning',
]);
