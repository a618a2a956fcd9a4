// What a playbook acts on, read from an incident's alerts: the affected object's
// namespace (not the exporter's), its workload by owner kind and name, the pods,
// containers, node, Argo CD application and volume.
import type { Alert } from '../alerts/model.js';
import { kindOfAlias, OWNER_LABELS, ownerOfController, ownerOfPod } from '../alerts/owners.js';
import { isSubdomainName } from '../shared/names.js';
import { isExporterContainer, isExporterPod } from '../alerts/shapes.js';
import { nodeInstance } from '../alerts/scope.js';
import { isFluxKind } from '../alerts/flux.js';
import { isObject } from '../shared/json.js';
import type { Targets, Workload } from '../remediation/targets.js';
import { formatTargetRef, primaryRef } from '../incidents/target-ref.js';

const MAX_LIST = 20;
const KIND = /^[A-Z][A-Za-z]{1,62}$/;
const WORKLOAD_KINDS = new Set([
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'ReplicaSet',
  'Job',
  'CronJob',
  'Rollout',
  'ReplicationController',
]);
/** Argo CD resource health that says the resource is the problem. */
const UNHEALTHY = new Set(['Degraded', 'Missing', 'Unknown', 'Progressing', 'Suspended']);

/** Only names Kubernetes would accept become targets: nothing else can mean anything to an API call. */
const isName = (value: unknown): value is string =>
  typeof value === 'string' && isSubdomainName(value);

class Collector {
  namespace: string | undefined;
  workload: Workload | undefined;
  /** How sure the workload is: an owner named by the source beats one read from a pod name. */
  workloadRank = 0;
  pods: string[] = [];
  containers: string[] = [];
  node: string | undefined;
  app: string | undefined;
  pvc: string | undefined;
  volume: string | undefined;

  setNamespace(value: unknown): void {
    if (!this.namespace && isName(value) && value.length <= 63) this.namespace = value;
  }

  setWorkload(kind: unknown, name: unknown, rank: number): void {
    if (!isName(name) || rank <= this.workloadRank) return;
    // A failed Job is the object to look at; its CronJob is named by its own label when known.
    const owner =
      typeof kind === 'string' && KIND.test(kind)
        ? kind === 'Job'
          ? { kind, name }
          : ownerOfController(kind, name)
        : { kind: undefined, name };
    this.workload = owner.kind ? { kind: owner.kind, name: owner.name } : { name: owner.name };
    this.workloadRank = rank;
  }

  add(list: 'pods' | 'containers', value: unknown): void {
    if (isName(value) && !this[list].includes(value) && this[list].length < MAX_LIST)
      this[list].push(value);
  }

  set(field: 'node' | 'app' | 'pvc' | 'volume', value: unknown): void {
    if (!this[field] && isName(value)) this[field] = value;
  }
}

/** Triage lists pods and containers always, possibly empty. */
export function targetsOf(alerts: Alert[]): Targets & { pods: string[]; containers: string[] } {
  const c = new Collector();
  for (const alert of alerts) {
    c.setNamespace(alert.namespace);
    const labels = alert.labels;
    for (const [label, kind] of OWNER_LABELS) c.setWorkload(kind, labels[label], 4);
    c.setWorkload(
      labels.owner_kind ?? labels.created_by_kind,
      labels.owner_name ?? labels.created_by_name,
      3,
    );
    if (alert.pod) {
      c.add('pods', alert.pod);
      const owner = ownerOfPod(alert.pod);
      c.setWorkload(owner.kind, owner.name, owner.kind ? 2 : 1);
    }
    const container = labels.exported_container ?? labels.container ?? labels.container_name;
    if (!isExporterPod(labels) && !isExporterContainer(container)) c.add('containers', container);
    // argocd_app_info names the application in `name`.
    if (/argo/i.test(labels.alertname ?? '')) c.set('app', labels.name ?? labels.app_name);
    c.set('node', alert.node ?? labels.node ?? labels.kubernetes_node ?? nodeInstance(labels));
    c.set('pvc', labels.persistentvolumeclaim ?? labels.pvc);
    c.set('volume', labels.volume);
    switch (alert.source) {
      case 'event':
        fromEvent(c, alert);
        break;
      case 'argocd':
        fromArgo(c, alert);
        break;
      case 'generic':
        fromGeneric(c, alert);
        break;
      case 'scan':
        fromScan(c, alert);
        break;
      case 'flux':
        // Intake names a Kustomization or HelmRelease as the workload, and nothing else.
        if (alert.workload) {
          const [kind, name] = alert.workload.split('/', 2);
          c.setWorkload(kind, name, 5);
        }
        break;
      case 'alertmanager':
        break;
    }
    if (alert.message) fromMessage(c, alert.message);
  }
  return {
    cluster: alerts[0]?.cluster ?? '',
    ...(c.namespace ? { namespace: c.namespace } : {}),
    ...(c.workload ? { workload: c.workload } : {}),
    pods: c.pods,
    containers: c.containers,
    ...(c.node ? { node: c.node } : {}),
    ...(c.app ? { app: c.app } : {}),
    ...(c.pvc ? { pvc: c.pvc } : {}),
    ...(c.volume ? { volume: c.volume } : {}),
  };
}

/**
 * One Targets per distinct object the firing alerts are about (targetsOf each alert,
 * named by primaryRef), in alert order, at most `max`. An alert that names no object (a
 * namespace-wide alert) adds what it knows to the first subject's pods and containers
 * rather than a subject of its own: a playbook acts on objects, and its namespace is the
 * incident's anyway. With no subject at all, the incident's combined targets are the one.
 */
export function subjectsOf(alerts: Alert[], max: number): Targets[] {
  const firing = alerts.filter((a) => a.status === 'firing');
  const subjects = new Map<string, Targets & { pods: string[]; containers: string[] }>();
  const unnamed: Alert[] = [];
  for (const alert of firing) {
    const targets = targetsOf([alert]);
    const ref = primaryRef(targets);
    if (!ref) {
      unnamed.push(alert);
      continue;
    }
    const key = formatTargetRef(ref);
    const known = subjects.get(key);
    if (known) merge(known, targets);
    else if (subjects.size < max) subjects.set(key, targets);
  }
  const all = [...subjects.values()];
  const [first] = all;
  if (!first) return [targetsOf(firing.length ? firing : alerts)];
  if (unnamed.length) merge(first, targetsOf(unnamed));
  return all;
}

/** The other's pods and containers added to `into`'s, each list bounded. */
function merge(
  into: { pods: string[]; containers: string[] },
  other: { pods: string[]; containers: string[] },
): void {
  for (const list of ['pods', 'containers'] as const)
    for (const name of other[list])
      if (!into[list].includes(name) && into[list].length < MAX_LIST) into[list].push(name);
}

/** A finding names its target for certain: the owner workload, node, application or claim. */
function fromScan(c: Collector, alert: Alert): void {
  const scan = isObject(alert.details.scan) ? alert.details.scan : {};
  const target = isObject(scan.target) ? scan.target : {};
  const { kind, name } = target;
  if (typeof kind !== 'string') return;
  if (WORKLOAD_KINDS.has(kind) || kind === 'Workload')
    c.setWorkload(kind === 'Workload' ? undefined : kind, name, 5);
  else if (kind === 'Node') c.set('node', name);
  else if (kind === 'Application') c.set('app', name);
  else if (kind === 'PersistentVolumeClaim') c.set('pvc', name);
}

function fromEvent(c: Collector, alert: Alert): void {
  const [kind, name] = (alert.workload ?? '').split('/', 2);
  if (alert.pod) {
    // The watcher's ownerReferences name the owner for certain (shapes.ts reads them).
    if (kind && kind !== 'Pod') c.setWorkload(kind, name, 3);
  } else if (kind && WORKLOAD_KINDS.has(kind)) c.setWorkload(kind, name, 4);
  else if (kind === 'PersistentVolumeClaim') c.set('pvc', name);
  else if (kind === 'PersistentVolume' || kind === 'Volume') c.set('volume', name);
  else if (kind === 'Application') c.set('app', name);
  const context = isObject(alert.details.context) ? alert.details.context : {};
  const statuses = [context.containerStatuses, context.initContainerStatuses].flatMap((s) =>
    Array.isArray(s) ? s.filter(isObject) : [],
  );
  // The containers in trouble; all of them when none says so.
  const troubled = statuses.filter(
    (s) => !isObject(s.state) || !('running' in s.state) || s.ready === false,
  );
  for (const status of troubled.length ? troubled : statuses) c.add('containers', status.name);
}

function fromArgo(c: Collector, alert: Alert): void {
  c.set('app', alert.name);
  const resources = Array.isArray(alert.details.resources)
    ? alert.details.resources.filter(isObject)
    : [];
  const unhealthy = resources.filter(
    (r) =>
      isObject(r.health) && typeof r.health.status === 'string' && UNHEALTHY.has(r.health.status),
  );
  for (const r of unhealthy) {
    if (typeof r.kind !== 'string') continue;
    if (WORKLOAD_KINDS.has(r.kind)) c.setWorkload(r.kind, r.name, 3);
    else if (r.kind === 'Pod') {
      c.add('pods', r.name);
      if (isName(r.name)) {
        const owner = ownerOfPod(r.name);
        c.setWorkload(owner.kind, owner.name, owner.kind ? 2 : 1);
      }
    } else if (r.kind === 'PersistentVolumeClaim') c.set('pvc', r.name);
    // Longhorn's volumes.longhorn.io.
    else if (r.kind === 'Volume') c.set('volume', r.name);
    c.setNamespace(r.namespace);
  }
}

function fromGeneric(c: Collector, alert: Alert): void {
  const [given, name] = alert.workload?.includes('/')
    ? alert.workload.split('/', 2)
    : [undefined, alert.workload];
  // Scripts write kinds the way kubectl takes them: `node/pi-3`, `deploy/api`, `pvc/data`.
  const kind = given === undefined ? undefined : kindOfAlias(given);
  if (kind === 'Pod' && isName(name)) {
    c.add('pods', name);
    const owner = ownerOfPod(name);
    c.setWorkload(owner.kind, owner.name, owner.kind ? 2 : 1);
  } else if (kind === 'Node') c.set('node', name);
  else if (kind === 'PersistentVolumeClaim') c.set('pvc', name);
  else if (kind === 'Application') c.set('app', name);
  else if (kind === undefined || WORKLOAD_KINDS.has(kind) || isFluxKind(kind))
    c.setWorkload(kind, name, 2);
}

/** Names a message states outright: `container "app"`, `persistentvolumeclaim "data"`, `volume "pvc-…"`. */
function fromMessage(c: Collector, message: string): void {
  const container = /\bcontainer "?([a-z0-9][-a-z0-9]*)"?(?: in pod| failed|\s*$|[,.:;)])/i.exec(
    message,
  )?.[1];
  if (container && c.containers.length === 0) c.add('containers', container);
  c.set('pvc', /persistentvolumeclaims? "([a-z0-9][-a-z0-9.]*)"/i.exec(message)?.[1]);
  c.set('volume', /volume "(pvc-[0-9a-f-]{36})"/i.exec(message)?.[1]);
}
