// What a write reaches. The simulation reconciles after every write; running every
// controller over every object makes each write cost the whole cluster. The index here
// follows the store's events (owner uid → dependents, node → its pods, pods not yet
// bound) so a reconcile can be scoped to the objects a write can change: its owner
// chain, its dependents, and what reads it (a pod's node, budgets and share managers in
// its namespace; a node's pods and the DaemonSets; a Deployment's Argo CD apps). Pods are
// also indexed by namespace and label, so a Service finds its endpoints and a pod write
// finds the Services and budgets selecting it without reading the whole namespace: the
// cost of a write stays flat however many pods a namespace holds.
import { keyOf, type KObject, type KubeStore, type WatchEvent } from './store.js';
import { RESOURCES, type ResourceType } from './resources.js';
import { matchesLabelSelectorObject } from './selectors.js';
import { parseQuantity } from './quantity.js';

interface Ref {
  resource: ResourceType;
  namespace: string | undefined;
  name: string;
}

const type = (kind: string, group = ''): ResourceType =>
  RESOURCES.find((r) => r.kind === kind && r.group === group)!;
const T = {
  node: type('Node'),
  pod: type('Pod'),
  event: type('Event'),
  deploy: type('Deployment', 'apps'),
  ds: type('DaemonSet', 'apps'),
  pdb: type('PodDisruptionBudget', 'policy'),
  svc: type('Service'),
  app: type('Application', 'argoproj.io'),
  shareManager: type('ShareManager', 'longhorn.io'),
  rs: type('ReplicaSet', 'apps'),
  pvc: type('PersistentVolumeClaim'),
  hpa: type('HorizontalPodAutoscaler', 'autoscaling'),
  quota: type('ResourceQuota'),
  limitRange: type('LimitRange'),
  storageClass: type('StorageClass', 'storage.k8s.io'),
};

const refOf = (resource: ResourceType, object: KObject): Ref => ({
  resource,
  namespace: object.metadata.namespace,
  name: object.metadata.name,
});
const keyOfRef = (ref: Ref): string => keyOf(ref.resource, ref.namespace, ref.name);

/** Bytewise namespace/name order, the order the store lists in. */
export function byKey(a: KObject, b: KObject): number {
  const x = `${a.metadata.namespace ?? ''}/${a.metadata.name}`;
  const y = `${b.metadata.namespace ?? ''}/${b.metadata.name}`;
  return x < y ? -1 : x > y ? 1 : 0;
}

const nodeNameOf = (pod: KObject): string | undefined =>
  (pod as { spec?: { nodeName?: string } }).spec?.nodeName || undefined;

type Labels = Record<string, string>;

/** What a pod asks of a resource (cpu in cores, memory in bytes): its containers' requests, else limits. */
export function podRequests(pod: KObject, resource: string): number {
  const containers =
    (pod as { spec?: { containers?: { resources?: Record<string, Labels | undefined> }[] } }).spec
      ?.containers ?? [];
  return containers.reduce(
    (n, c) =>
      n +
      (parseQuantity(c.resources?.requests?.[resource] ?? c.resources?.limits?.[resource]) ?? 0),
    0,
  );
}

const SCHEDULED = ['cpu', 'memory'] as const;
/** Sums in thousandths (millicores, millibytes) as whole numbers: adding and taking away stays exact. */
const milli = (n: number): number => Math.round(n * 1000);

/** A write, and for a pod the labels it had before (a selector it left still reads it). */
export type Pending = WatchEvent & { labelsBefore?: Labels };

/** A budget's selector matching `labels`; an invalid selector counts as matching (the budget is looked at). */
function selectsSafely(selector: unknown, labels: Labels | undefined): boolean {
  try {
    return matchesLabelSelectorObject(selector, labels ?? {});
  } catch {
    return true;
  }
}

/** Whether every key=value of a Service's selector is among `labels`. */
const selects = (selector: Labels, labels: Labels | undefined): boolean =>
  Object.entries(selector).every(([k, v]) => labels?.[k] === v);

/** Indexes over the store, kept current by its events. Events (the kind) are not indexed. */
export class ObjectIndex {
  private readonly store: KubeStore;
  private readonly byUid = new Map<string, Ref>();
  private readonly uidOf = new Map<string, string>();
  /** Owner uid → keys of the objects that name it in ownerReferences. */
  private readonly dependentsOf = new Map<string, Map<string, Ref>>();
  private readonly ownersOf = new Map<string, string[]>();
  private readonly podsOn = new Map<string, Map<string, Ref>>();
  private readonly nodeOf = new Map<string, string>();
  private readonly unbound = new Map<string, Ref>();
  /** Namespace → "key=value" → the pods carrying that label. */
  private readonly podsByLabel = new Map<string, Map<string, Map<string, Ref>>>();
  private readonly podLabels = new Map<string, Labels>();
  /** Node → what its pods (not terminating) request, in thousandths; pod key → its share. */
  private readonly requested = new Map<string, Record<(typeof SCHEDULED)[number], number>>();
  private readonly counted = new Map<string, { node: string; cpu: number; memory: number }>();
  /** Writes since the last reconcile took them. */
  private pending: Pending[] = [];

  constructor(store: KubeStore) {
    this.store = store;
    for (const resource of RESOURCES)
      for (const object of store.peekAll(resource)) this.put(resource, object);
    store.onEvent((event) => {
      if (event.resource === T.event) return;
      const labelsBefore =
        event.resource === T.pod
          ? this.podLabels.get(
              keyOf(T.pod, event.object.metadata.namespace, event.object.metadata.name),
            )
          : undefined;
      if (event.type === 'DELETED') this.remove(event.resource, event.object);
      else this.put(event.resource, event.object);
      this.pending.push(labelsBefore ? { ...event, labelsBefore } : event);
    });
  }

  /** The writes since the last call. */
  take(): Pending[] {
    const taken = this.pending;
    this.pending = [];
    return taken;
  }

  exists(uid: string): boolean {
    return this.byUid.has(uid);
  }

  owner(uid: string): Ref | undefined {
    return this.byUid.get(uid);
  }

  /** Objects naming `uid` as an owner, of one kind or all, in RESOURCES then key order. */
  dependents(uid: string, resource?: ResourceType): { resource: ResourceType; object: KObject }[] {
    return this.collect(uid, resource, true);
  }

  /** As dependents, the stored objects uncopied: read-only, for counting and checks. */
  dependentsView(
    uid: string,
    resource?: ResourceType,
  ): { resource: ResourceType; object: KObject }[] {
    return this.collect(uid, resource, false);
  }

  private collect(
    uid: string,
    resource: ResourceType | undefined,
    copy: boolean,
  ): { resource: ResourceType; object: KObject }[] {
    const out: { resource: ResourceType; object: KObject }[] = [];
    for (const ref of this.dependentsOf.get(uid)?.values() ?? []) {
      if (resource && ref.resource !== resource) continue;
      const object = copy
        ? this.store.get(ref.resource, ref.namespace, ref.name)
        : this.store.peek(ref.resource, ref.namespace, ref.name);
      if (object) out.push({ resource: ref.resource, object });
    }
    const rank = (r: ResourceType): number => RESOURCES.indexOf(r);
    return out.sort((a, b) => rank(a.resource) - rank(b.resource) || byKey(a.object, b.object));
  }

  dependentRefs(uid: string): Iterable<Ref> {
    return this.dependentsOf.get(uid)?.values() ?? [];
  }

  uid(ref: Ref): string | undefined {
    return this.uidOf.get(keyOfRef(ref));
  }

  /** The stored pods bound to a node, uncopied (read-only). */
  podsOnNode(node: string): KObject[] {
    const out: KObject[] = [];
    for (const ref of this.podsOn.get(node)?.values() ?? []) {
      const pod = this.store.peek(T.pod, ref.namespace, ref.name);
      if (pod) out.push(pod);
    }
    return out;
  }

  /**
   * What the pods bound to `node` and not terminating request of `resource`, live: the
   * scheduler's room on a node without reading its pods.
   */
  requestedOn(node: string, resource: (typeof SCHEDULED)[number]): number {
    return (this.requested.get(node)?.[resource] ?? 0) / 1000;
  }

  podRefsOnNode(node: string): Iterable<Ref> {
    return this.podsOn.get(node)?.values() ?? [];
  }

  unboundPods(): Iterable<Ref> {
    return this.unbound.values();
  }

  /**
   * The stored pods of a namespace carrying every label of `selector` (not empty),
   * uncopied (read-only), in no order: read from the smallest label's set.
   */
  podsSelected(namespace: string, selector: Labels): KObject[] {
    const byLabel = this.podsByLabel.get(namespace);
    let smallest: Map<string, Ref> | undefined;
    for (const [k, v] of Object.entries(selector)) {
      const set = byLabel?.get(`${k}=${v}`);
      if (!set) return [];
      if (!smallest || set.size < smallest.size) smallest = set;
    }
    const out: KObject[] = [];
    for (const ref of smallest?.values() ?? []) {
      const pod = this.store.peek(T.pod, ref.namespace, ref.name);
      if (pod && selects(selector, pod.metadata.labels)) out.push(pod);
    }
    return out;
  }

  private put(resource: ResourceType, object: KObject): void {
    const ref = refOf(resource, object);
    const key = keyOfRef(ref);
    this.remove(resource, object);
    const uid = object.metadata.uid!;
    this.byUid.set(uid, ref);
    this.uidOf.set(key, uid);
    const owners = (object.metadata.ownerReferences ?? []).map((o) => o.uid);
    this.ownersOf.set(key, owners);
    for (const owner of owners) {
      let set = this.dependentsOf.get(owner);
      if (!set) this.dependentsOf.set(owner, (set = new Map()));
      set.set(key, ref);
    }
    if (resource === T.pod) {
      const node = nodeNameOf(object);
      if (node) {
        this.nodeOf.set(key, node);
        let set = this.podsOn.get(node);
        if (!set) this.podsOn.set(node, (set = new Map()));
        set.set(key, ref);
        if (!object.metadata.deletionTimestamp) {
          const share = {
            node,
            cpu: milli(podRequests(object, 'cpu')),
            memory: milli(podRequests(object, 'memory')),
          };
          this.counted.set(key, share);
          const sum = this.requested.get(node) ?? { cpu: 0, memory: 0 };
          for (const r of SCHEDULED) sum[r] += share[r];
          this.requested.set(node, sum);
        }
      } else this.unbound.set(key, ref);
      const labels = object.metadata.labels ?? {};
      this.podLabels.set(key, labels);
      const namespace = object.metadata.namespace ?? '';
      let byLabel = this.podsByLabel.get(namespace);
      if (!byLabel) this.podsByLabel.set(namespace, (byLabel = new Map()));
      for (const [k, v] of Object.entries(labels)) {
        let set = byLabel.get(`${k}=${v}`);
        if (!set) byLabel.set(`${k}=${v}`, (set = new Map()));
        set.set(key, ref);
      }
    }
  }

  private remove(resource: ResourceType, object: KObject): void {
    const key = keyOf(resource, object.metadata.namespace, object.metadata.name);
    const uid = this.uidOf.get(key);
    if (uid !== undefined) {
      this.byUid.delete(uid);
      this.uidOf.delete(key);
    }
    for (const owner of this.ownersOf.get(key) ?? []) {
      const set = this.dependentsOf.get(owner);
      set?.delete(key);
      if (set?.size === 0) this.dependentsOf.delete(owner);
    }
    this.ownersOf.delete(key);
    const node = this.nodeOf.get(key);
    if (node !== undefined) {
      this.podsOn.get(node)?.delete(key);
      this.nodeOf.delete(key);
    }
    this.unbound.delete(key);
    const share = this.counted.get(key);
    if (share) {
      const sum = this.requested.get(share.node)!;
      for (const r of SCHEDULED) sum[r] -= share[r];
      this.counted.delete(key);
    }
    const labels = this.podLabels.get(key);
    if (labels) {
      const byLabel = this.podsByLabel.get(object.metadata.namespace ?? '');
      for (const [k, v] of Object.entries(labels)) {
        const set = byLabel?.get(`${k}=${v}`);
        set?.delete(key);
        if (set?.size === 0) byLabel!.delete(`${k}=${v}`);
      }
      this.podLabels.delete(key);
    }
  }
}

/**
 * The objects one reconcile acts on. It only grows while the reconcile runs: each
 * controller first takes in the writes made so far (as every controller of a full
 * reconcile sees the writes of those before it), and each write brings in what it reaches.
 */
export class Scope {
  private readonly index: ObjectIndex;
  private readonly store: KubeStore;
  private readonly members = new Map<ResourceType, Map<string, Ref>>();
  private readonly walkedUp = new Set<string>();
  private readonly walkedDown = new Set<string>();

  constructor(index: ObjectIndex, store: KubeStore) {
    this.index = index;
    this.store = store;
  }

  /** Takes in the writes made since the last call; true when there were any. */
  expand(): boolean {
    const events = this.index.take();
    for (const { type: kind, resource, object, labelsBefore } of events) {
      if (kind !== 'DELETED') this.add(refOf(resource, object));
      this.up(object);
      this.down(object.metadata.uid!);
      if (resource === T.pod) {
        const node = nodeNameOf(object);
        if (node) this.addObject(T.node, this.store.peek(T.node, undefined, node));
        const namespace = object.metadata.namespace;
        for (const o of this.store.peekAll(T.shareManager, namespace))
          this.addObject(T.shareManager, o);
        // The Services and budgets selecting the pod, before or after the write: only
        // their endpoints and counts can change.
        const labels = [object.metadata.labels, ...(labelsBefore ? [labelsBefore] : [])];
        for (const svc of this.store.peekAll(T.svc, namespace)) {
          const selector = (svc as { spec?: { selector?: Labels } }).spec?.selector;
          if (
            selector &&
            Object.keys(selector).length > 0 &&
            labels.some((l) => selects(selector, l))
          )
            this.addObject(T.svc, svc);
        }
        for (const pdb of this.store.peekAll(T.pdb, namespace)) {
          const selector = (pdb as { spec?: { selector?: unknown } }).spec?.selector;
          if (labels.some((l) => selectsSafely(selector, l))) this.addObject(T.pdb, pdb);
        }
      } else if (resource === T.node) {
        for (const ref of this.index.podRefsOnNode(object.metadata.name)) this.add(ref);
        for (const ds of this.store.peekAll(T.ds)) this.addObject(T.ds, ds);
      } else if (resource === T.deploy) {
        for (const app of this.store.peekAll(T.app)) this.addObject(T.app, app);
        for (const hpa of this.store.peekAll(T.hpa, object.metadata.namespace))
          this.addObject(T.hpa, hpa);
      } else if (resource === T.storageClass) {
        // A class created or changed: the claims waiting for one may provision now.
        for (const pvc of this.store.peekAll(T.pvc)) this.addObject(T.pvc, pvc);
      } else if (resource === T.quota || resource === T.limitRange) {
        // Admission limits changed: the ReplicaSets refused a pod may create it now.
        for (const rs of this.store.peekAll(T.rs, object.metadata.namespace))
          this.addObject(T.rs, rs);
      }
    }
    return events.length > 0;
  }

  has(resource: ResourceType): boolean {
    return (this.members.get(resource)?.size ?? 0) > 0;
  }

  /** The current (copied) objects of a kind in scope, in the store's list order. */
  list(resource: ResourceType): KObject[] {
    const out: KObject[] = [];
    for (const ref of this.members.get(resource)?.values() ?? []) {
      const object = this.store.get(resource, ref.namespace, ref.name);
      if (object) out.push(object);
    }
    return out.sort(byKey);
  }

  private add(ref: Ref): void {
    let set = this.members.get(ref.resource);
    if (!set) this.members.set(ref.resource, (set = new Map()));
    set.set(keyOfRef(ref), ref);
  }

  private addObject(resource: ResourceType, object: KObject | undefined): void {
    if (object) this.add(refOf(resource, object));
  }

  /** The owner chain: a pod's ReplicaSet reports it, the Deployment reports that. */
  private up(object: KObject): void {
    for (const owner of object.metadata.ownerReferences ?? []) {
      if (this.walkedUp.has(owner.uid)) continue;
      this.walkedUp.add(owner.uid);
      const ref = this.index.owner(owner.uid);
      if (!ref) continue;
      this.add(ref);
      const stored = this.store.peek(ref.resource, ref.namespace, ref.name);
      if (stored) this.up(stored);
    }
  }

  /** Dependents, transitively: the collector removes them when their owner goes. */
  private down(uid: string): void {
    if (this.walkedDown.has(uid)) return;
    this.walkedDown.add(uid);
    for (const ref of this.index.dependentRefs(uid)) {
      this.add(ref);
      const child = this.index.uid(ref);
      if (child) this.down(child);
    }
  }
}
