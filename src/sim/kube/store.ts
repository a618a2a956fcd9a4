// Object storage of the Kubernetes emulator: one resourceVersion sequence, uids,
// generations, and the event history that watches replay.
import { createHash, randomUUID } from 'node:crypto';
import type { ResourceType } from './resources.js';

export type KObject = Record<string, unknown> & {
  apiVersion: string;
  kind: string;
  metadata: Metadata;
};

export interface Metadata {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: {
    apiVersion: string;
    kind: string;
    name: string;
    uid: string;
    controller?: boolean;
    blockOwnerDeletion?: boolean;
  }[];
  finalizers?: string[];
  generateName?: string;
  [key: string]: unknown;
}

export interface WatchEvent {
  rv: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  resource: ResourceType;
  object: KObject;
}

/** A clock that stands still until a test moves it, so backoffs and windows need no sleeping. */
export class KubeClock {
  private nowMs: number;
  constructor(start = Date.now()) {
    this.nowMs = Math.floor(start / 1000) * 1000;
  }
  now(): number {
    return this.nowMs;
  }
  iso(offsetMs = 0): string {
    return new Date(this.nowMs + offsetMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
  advanceTo(ms: number): void {
    this.nowMs = Math.max(this.nowMs, ms);
  }
}

/**
 * A deep copy of a JSON-shaped object. Node's structuredClone serialises and is by far
 * the emulator's hottest path at hundreds of pods; objects here hold only JSON values.
 */
export function clone<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(clone) as T;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) out[key] = clone((value as Record<string, unknown>)[key]);
  return out as T;
}

/**
 * Whether two JSON-shaped values serialise to the same JSON text (key order included),
 * without serialising them: a controller's write is compared with the stored object on
 * every step, and two JSON.stringify calls per write were a tenth of the simulator's time.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const x = jsonValue(a);
  const y = jsonValue(b);
  if (x === y) return true;
  if (x === null || y === null || typeof x !== 'object' || typeof y !== 'object') return false;
  if (Array.isArray(x) !== Array.isArray(y)) return false;
  if (Array.isArray(x)) {
    const other = y as unknown[];
    if (x.length !== other.length) return false;
    // JSON.stringify writes an undefined element as null.
    for (let i = 0; i < x.length; i++) if (!sameJson(x[i] ?? null, other[i] ?? null)) return false;
    return true;
  }
  const keysX = Object.keys(x).filter((k) => (x as Record<string, unknown>)[k] !== undefined);
  const keysY = Object.keys(y).filter((k) => (y as Record<string, unknown>)[k] !== undefined);
  if (keysX.length !== keysY.length) return false;
  for (let i = 0; i < keysX.length; i++) {
    const key = keysX[i]!;
    if (key !== keysY[i]) return false;
    if (!sameJson((x as Record<string, unknown>)[key], (y as Record<string, unknown>)[key]))
      return false;
  }
  return true;
}

/** A value as JSON.stringify sees it: a non-finite number is null. */
function jsonValue(value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? null : value;
}

export const keyOf = (r: ResourceType, namespace: string | undefined, name: string): string =>
  `${r.group}/${r.plural}/${r.namespaced ? (namespace ?? '') : ''}/${name}`;

export class KubeStore {
  private rv = 1000;
  private readonly objects = new Map<string, { resource: ResourceType; object: KObject }>();
  /** Resource → namespace → keys: a list reads only its own kind and namespace. */
  private readonly index = new Map<ResourceType, Map<string, Set<string>>>();
  readonly history: WatchEvent[] = [];
  /**
   * The newest resourceVersion whose change is no longer in `history` (etcd compacted it,
   * the watch cache rolled over): a watch from before it gets 410 Expired, as on a real server.
   */
  private compactedAt = 0;
  private readonly listeners = new Set<(event: WatchEvent) => void>();
  readonly clock: KubeClock;

  /** Set: uids are derived from the cluster name (see clusterUid), else random. */
  private readonly cluster: string | undefined;
  /** How often each object was created, so a re-created object gets a new derived uid. */
  private readonly creations = new Map<string, number>();

  constructor(clock: KubeClock, options: { cluster?: string } = {}) {
    this.clock = clock;
    this.cluster = options.cluster;
  }

  get resourceVersion(): number {
    return this.rv;
  }

  /** The newest resourceVersion a watch can no longer start from: changes up to it are gone. */
  get historyFloor(): number {
    return this.compactedAt;
  }

  /** Forgets every change so far (an etcd compaction): watches from before now get 410 Expired. */
  compact(): number {
    this.history.length = 0;
    this.compactedAt = this.rv;
    return this.rv;
  }

  get(r: ResourceType, namespace: string | undefined, name: string): KObject | undefined {
    const found = this.objects.get(keyOf(r, namespace, name));
    return found ? clone(found.object) : undefined;
  }

  /**
   * The stored objects of a kind (and namespace), in no order and NOT copied: for the
   * simulation's indexes and read-only checks, never to change.
   */
  peekAll(r: ResourceType, namespace?: string): readonly KObject[] {
    const byNamespace = this.index.get(r);
    if (!byNamespace) return [];
    const buckets =
      namespace !== undefined && r.namespaced
        ? [byNamespace.get(namespace) ?? new Set<string>()]
        : [...byNamespace.values()];
    const out: KObject[] = [];
    for (const keys of buckets)
      for (const key of keys) {
        const found = this.objects.get(key);
        if (found) out.push(found.object);
      }
    return out;
  }

  /** The stored object, NOT copied: read-only, as peekAll. */
  peek(r: ResourceType, namespace: string | undefined, name: string): KObject | undefined {
    return this.objects.get(keyOf(r, namespace, name))?.object;
  }

  list(r: ResourceType, namespace?: string): KObject[] {
    const byNamespace = this.index.get(r);
    if (!byNamespace) return [];
    const buckets =
      namespace !== undefined && r.namespaced
        ? [byNamespace.get(namespace) ?? new Set<string>()]
        : [...byNamespace.values()];
    const out: KObject[] = [];
    for (const keys of buckets)
      for (const key of keys) {
        const found = this.objects.get(key);
        if (found) out.push(clone(found.object));
      }
    // In key order, bytewise, as etcd keeps them (not the locale's collation).
    const keyed = out.map((o) => [`${o.metadata.namespace ?? ''}/${o.metadata.name}`, o] as const);
    keyed.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return keyed.map(([, o]) => o);
  }

  private indexed(r: ResourceType, namespace: string | undefined): Set<string> {
    let byNamespace = this.index.get(r);
    if (!byNamespace) this.index.set(r, (byNamespace = new Map()));
    const ns = r.namespaced ? (namespace ?? '') : '';
    let keys = byNamespace.get(ns);
    if (!keys) byNamespace.set(ns, (keys = new Set()));
    return keys;
  }

  /** Stores a new object: uid, resourceVersion, creationTimestamp and generation are the server's. */
  create(r: ResourceType, object: KObject): KObject {
    const stored = clone(object);
    stored.metadata.uid = this.cluster ? this.derivedUid(stored) : randomUUID();
    stored.metadata.creationTimestamp = this.clock.iso();
    stored.metadata.generation = 1;
    stored.metadata.resourceVersion = String(++this.rv);
    if (!r.namespaced) delete stored.metadata.namespace;
    const key = keyOf(r, stored.metadata.namespace, stored.metadata.name);
    this.objects.set(key, { resource: r, object: stored });
    this.indexed(r, stored.metadata.namespace).add(key);
    this.emit('ADDED', r, stored);
    return clone(stored);
  }

  private derivedUid(object: KObject): string {
    const { name, namespace } = object.metadata;
    const path = `${object.apiVersion}/${object.kind}/${namespace ?? ''}/${name}`;
    const count = (this.creations.get(path) ?? 0) + 1;
    this.creations.set(path, count);
    return clusterUid(this.cluster!, count === 1 ? path : `${path}#${count}`);
  }

  /** Replaces an object; the generation moves when its spec changed. */
  update(r: ResourceType, object: KObject): KObject {
    const key = keyOf(r, object.metadata.namespace, object.metadata.name);
    const current = this.objects.get(key);
    if (!current) throw new Error(`update of a missing object ${key}`);
    const stored = clone(object);
    const before = current.object;
    stored.metadata.uid = before.metadata.uid;
    stored.metadata.creationTimestamp = before.metadata.creationTimestamp;
    stored.metadata.generation =
      (before.metadata.generation ?? 1) + (sameJson(before.spec, stored.spec) ? 0 : 1);
    if (
      sameJson(
        { ...before, metadata: { ...before.metadata, resourceVersion: '' } },
        { ...stored, metadata: { ...stored.metadata, resourceVersion: '' } },
      )
    ) {
      return clone(before); // a no-op write keeps the resourceVersion, as the real server does
    }
    stored.metadata.resourceVersion = String(++this.rv);
    this.objects.set(key, { resource: r, object: stored });
    this.emit('MODIFIED', r, stored);
    return clone(stored);
  }

  delete(r: ResourceType, namespace: string | undefined, name: string): KObject | undefined {
    const key = keyOf(r, namespace, name);
    const current = this.objects.get(key);
    if (!current) return undefined;
    this.objects.delete(key);
    this.indexed(r, namespace).delete(key);
    const gone = clone(current.object);
    gone.metadata.resourceVersion = String(++this.rv);
    this.emit('DELETED', r, gone);
    return gone;
  }

  onEvent(listener: (event: WatchEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(type: WatchEvent['type'], resource: ResourceType, object: KObject): void {
    const event: WatchEvent = { rv: this.rv, type, resource, object: clone(object) };
    this.history.push(event);
    if (this.history.length > 20_000) {
      this.compactedAt = this.history[4_999]!.rv;
      this.history.splice(0, 5_000);
    }
    for (const listener of this.listeners) listener(event);
  }
}

/** Name-based UUIDs (RFC 9562 version 5) under kubemend's own namespace UUID. */
const UID_NAMESPACE = Buffer.from('3f0c5b1e8a6d4f27b9e1c2d4a5b6c7d8', 'hex');

/**
 * The uid an emulator for `cluster` gives the object at `path` (apiVersion/kind/namespace/name)
 * on its first creation: the same on every run and machine, so the kube-system namespace's
 * uid can stand in a config as a cluster-identity signal.
 */
export function clusterUid(cluster: string, path: string): string {
  const hash = createHash('sha1').update(UID_NAMESPACE).update(`${cluster}\0${path}`).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
