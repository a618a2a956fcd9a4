// Simulated controllers and kubelet. Pod status is DERIVED from the scenario's facts
// (which registries answer, which images crash, how much memory a workload needs)
// and the simulated clock, never set by a test: a remediation works only if it
// changes what the facts act on (an image, a memory limit, a cordon).
import { createHash, randomBytes } from 'node:crypto';
import { parseQuantity } from './quantity.js';
import { rbacProblem } from './rbac-validation.js';
import { FluxControllers, type FluxFacts } from './flux.js';
import { apiVersionOf, RESOURCES, type ResourceType } from './resources.js';
import { matchesLabelSelectorObject } from './selectors.js';
import { errors, KubeError } from './status.js';
import { clone, sameJson, type KObject, type KubeClock, type KubeStore } from './store.js';
import { byKey, ObjectIndex, podRequests, Scope } from './touched.js';

// Controllers read and write loosely typed objects, as the API carries them.
type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const type = (kind: string, group = ''): ResourceType =>
  RESOURCES.find((r) => r.kind === kind && r.group === group)!;
const T = {
  ns: type('Namespace'),
  node: type('Node'),
  pod: type('Pod'),
  event: type('Event'),
  deploy: type('Deployment', 'apps'),
  rs: type('ReplicaSet', 'apps'),
  sts: type('StatefulSet', 'apps'),
  ds: type('DaemonSet', 'apps'),
  pdb: type('PodDisruptionBudget', 'policy'),
  job: type('Job', 'batch'),
  svc: type('Service'),
  slice: type('EndpointSlice', 'discovery.k8s.io'),
  app: type('Application', 'argoproj.io'),
  shareManager: type('ShareManager', 'longhorn.io'),
  lease: type('Lease', 'coordination.k8s.io'),
  configMap: type('ConfigMap'),
  secret: type('Secret'),
  pvc: type('PersistentVolumeClaim'),
  hpa: type('HorizontalPodAutoscaler', 'autoscaling'),
  quota: type('ResourceQuota'),
  limitRange: type('LimitRange'),
  storageClass: type('StorageClass', 'storage.k8s.io'),
};

export type RegistryState = 'ok' | 'unreachable' | 'rate-limited' | 'unauthorized' | 'timeout';

export interface ImageFacts {
  /** The tag or digest does not exist in the registry. */
  missing?: boolean;
  /**
   * The process exits with this code after `runSeconds`; with `times`, only its first
   * `times` runs crash and the next one keeps running (a container that restarted a few
   * times and is up again).
   */
  crash?: { exitCode: number; runSeconds?: number; message?: string; times?: number };
  /** Memory the process needs; a limit below it means OOMKilled. */
  memory?: string;
  /** Readiness probe fails while this is set. */
  unready?: boolean;
  /**
   * Liveness probe fails while this is set: the kubelet kills the container after the
   * probe's failureThreshold × periodSeconds (past initialDelaySeconds) and restarts it.
   */
  liveness?: boolean;
  /** The CPU architecture the image was built for; on a node of another, exec fails. */
  arch?: string;
  logs?: string[];
}

/** A node condition a scenario imposes, from `afterSeconds` past the node's creation. */
export interface NodeConditionFact {
  type: 'NotReady' | 'MemoryPressure' | 'DiskPressure' | 'PIDPressure';
  afterSeconds?: number;
}

export interface Facts {
  registries: Record<string, RegistryState>;
  images: Record<string, ImageFacts>;
  /** Seconds a node's clock is off (negative: behind). TLS to registries fails beyond 5 minutes. */
  nodeClockSkew: Record<string, number>;
  /** CPU use per node in percent, as node-exporter reports it (alert payloads read it). */
  nodeCpuPercent: Record<string, number>;
  /** Per Flux object (`Kind/namespace/name`): what its reconcile finds (flux.ts). */
  flux: Record<string, FluxFacts>;
  /** Conditions the kubelet (or its silence) reports per node: NotReady, pressures. */
  nodeConditions: Record<string, NodeConditionFact[]>;
  /**
   * Average CPU use of a workload's pods in percent of their requests, per
   * `namespace/name` of the HorizontalPodAutoscaler's target (metrics-server's figure).
   */
  cpuUtilization: Record<string, number>;
}

interface ContainerView {
  state: Any;
  lastState: Any;
  restartCount: number;
  ready: boolean;
  started: boolean;
  events: { type: string; reason: string; message: string; count: number }[];
  logs: string[];
  previousLogs: string[] | undefined;
}

/**
 * After a write, `touched` reconciles only what the write reaches (see touched.ts);
 * `full` runs every controller over every object, as a clock step always does.
 */
export type ReconcileMode = 'touched' | 'full';

export class Simulation {
  readonly facts: Facts = {
    registries: {},
    images: {},
    nodeClockSkew: {},
    nodeCpuPercent: {},
    flux: {},
    nodeConditions: {},
    cpuUtilization: {},
  };
  mode: ReconcileMode = 'touched';
  private readonly store: KubeStore;
  private readonly clock: KubeClock;
  private readonly index: ObjectIndex;
  private readonly flux: FluxControllers;
  private reconciling = false;
  /**
   * The world the last full reconcile settled: a scoped reconcile is exact only while the
   * clock and the facts are as then (time and facts move every pod, not only written ones).
   */
  private settled: { at: number; facts: string } | undefined;
  /** When (server time) each kubelet last posted its status. */
  private readonly lastHeartbeat = new Map<string, number>();
  /** The claims the PersistentVolume controller binds (created without a phase). */
  private readonly managedClaims = new Set<string>();
  /** Per owner uid and refusal: the pod name first refused by admission, and the retries. */
  private readonly refusedCreates = new Map<string, { name: string; count: number }>();
  /** Per pod uid/container: when its ConfigMap or Secret was last seen missing. */
  private readonly configWaits = new Map<string, number>();
  /** Per pod uid/container: the last failed pull seen, and when the retry succeeded. */
  private readonly failedPulls = new Map<
    string,
    { image: string; at: number; error: string; podStart: number; pulledAt?: number }
  >();

  constructor(store: KubeStore, clock: KubeClock) {
    this.store = store;
    this.clock = clock;
    this.index = new ObjectIndex(store);
    this.flux = new FluxControllers(store, clock, () => this.facts.flux);
  }

  /**
   * Milliseconds until the kubelet next tries every pull failing now (its back-off runs on
   * a fixed schedule from each pod's start): a script that ends an outage just after that
   * moment knows the kubelet will not recover the pods on its own for minutes.
   */
  msUntilPullRetries(): number {
    let latest = this.clock.now();
    for (const failed of this.failedPulls.values()) {
      if (failed.pulledAt !== undefined) continue;
      const retry = failed.podStart + nextPullAttempt((failed.at - failed.podStart) / 1000) * 1000;
      latest = Math.max(latest, retry);
    }
    return latest - this.clock.now();
  }

  advance(ms: number): void {
    // Step through time so backoffs and rollouts move the way they would live.
    const end = this.clock.now() + ms;
    while (this.clock.now() < end) {
      this.clock.advanceTo(Math.min(end, this.clock.now() + 5_000));
      this.reconcileAll();
    }
  }

  /** Runs `fn` (many writes, say a scenario's objects) with the controllers held, then once. */
  hold(fn: () => void): void {
    const was = this.reconciling;
    this.reconciling = true;
    try {
      fn();
    } finally {
      this.reconciling = was;
    }
    this.reconcileAll();
  }

  /** After a write: the controllers act on what the writes since the last reconcile reach. */
  reconcile(): void {
    if (this.reconciling) return;
    const settled = this.settled;
    if (
      this.mode === 'full' ||
      !settled ||
      settled.at !== this.clock.now() ||
      settled.facts !== JSON.stringify(this.facts)
    ) {
      this.reconcileAll();
      return;
    }
    if (!this.run(new Scope(this.index, this.store))) this.settled = undefined;
  }

  /** Runs every controller over every object until nothing changes. */
  reconcileAll(): void {
    if (this.reconciling) return;
    this.index.take();
    const converged = this.run(undefined);
    this.settled = converged
      ? { at: this.clock.now(), facts: JSON.stringify(this.facts) }
      : undefined;
  }

  /** The controllers, round after round until nothing changes; false if it never settled. */
  private run(scope: Scope | undefined): boolean {
    this.reconciling = true;
    try {
      const controllers = [
        () => this.nodeConditions(scope),
        () => this.heartbeats(scope),
        () => this.nodeLifecycle(scope),
        () => this.claims(scope),
        () => this.autoscalers(scope),
        () => this.collectGarbage(scope),
        () => this.deployments(scope),
        () => this.replicaSets(scope),
        () => this.statefulSets(scope),
        () => this.daemonSets(scope),
        () => this.jobs(scope),
        () => this.schedule(scope),
        () => this.kubelets(scope),
        () => this.memoryPressure(scope),
        () => this.disruptionBudgets(scope),
        () => this.endpointSlices(scope),
        () => this.applications(scope),
        () => this.flux.reconcile((r) => this.listed(r, scope)),
        () => this.longhorn(scope),
      ];
      for (let round = 0; round < 12; round++) {
        const before = this.store.resourceVersion;
        for (const controller of controllers) {
          scope?.expand();
          controller();
        }
        if (this.store.resourceVersion === before) return true;
      }
      return false;
    } finally {
      if (!scope) this.index.take();
      this.reconciling = false;
    }
  }

  /** The objects of a kind a controller acts on: those in scope, or all. */
  private listed(r: ResourceType, scope: Scope | undefined): Any[] {
    return (scope ? scope.list(r) : this.store.list(r)) as Any[];
  }

  defaults(r: ResourceType, object: KObject): void {
    const o = object as Any;
    if (r.kind === 'Pod') {
      o.spec.restartPolicy ??= 'Always';
      o.spec.terminationGracePeriodSeconds ??= 30;
      o.spec.schedulerName ??= 'default-scheduler';
      o.status ??= { phase: 'Pending' };
      o.status.qosClass = qosClass(o.spec);
    }
    if (r.kind === 'Service') {
      // The API server allocates a cluster IP from the service range (10.96.0.0/12).
      o.spec ??= {};
      o.spec.type ??= 'ClusterIP';
      o.spec.sessionAffinity ??= 'None';
      if (o.spec.clusterIP === undefined || o.spec.clusterIP === '') {
        o.spec.clusterIP = serviceIp(`${o.metadata.namespace}/${o.metadata.name}`);
      }
      if (o.spec.clusterIP !== 'None') o.spec.clusterIPs ??= [o.spec.clusterIP];
      o.spec.ipFamilies ??= ['IPv4'];
      o.spec.ipFamilyPolicy ??= 'SingleStack';
      for (const port of o.spec.ports ?? []) {
        port.protocol ??= 'TCP';
        port.targetPort ??= port.port;
      }
      o.status ??= { loadBalancer: {} };
    }
    if (r.kind === 'Deployment') {
      o.spec.replicas ??= 1;
      o.spec.revisionHistoryLimit ??= 10;
      o.spec.progressDeadlineSeconds ??= 600;
      o.spec.strategy ??= {
        type: 'RollingUpdate',
        rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' },
      };
    }
    if (r.kind === 'Job' && r.group === 'batch') {
      o.spec ??= {};
      o.spec.parallelism ??= 1;
      o.spec.completions ??= 1;
      o.spec.backoffLimit ??= 6;
      o.spec.completionMode ??= 'NonIndexed';
      o.spec.suspend ??= false;
      o.spec.podReplacementPolicy ??= 'TerminatingOrFailed';
      const jobLabels = {
        'batch.kubernetes.io/job-name': o.metadata.name,
        'job-name': o.metadata.name,
      };
      o.spec.template ??= {};
      o.spec.template.metadata = {
        ...o.spec.template.metadata,
        labels: { ...o.spec.template.metadata?.labels, ...jobLabels },
      };
      o.metadata.labels = { ...jobLabels, ...o.metadata.labels };
    }
    if (r.kind === 'CronJob') {
      o.spec ??= {};
      o.spec.concurrencyPolicy ??= 'Allow';
      o.spec.suspend ??= false;
      o.spec.successfulJobsHistoryLimit ??= 3;
      o.spec.failedJobsHistoryLimit ??= 1;
      o.status ??= {};
    }
    if (r.kind === 'Namespace') o.status ??= { phase: 'Active' };
  }

  /** What the real server's validation refuses, where our playbooks could trip on it. */
  validate(r: ResourceType, object: KObject, current: KObject | undefined): void {
    const o = object as Any;
    const rbac = rbacProblem(r, o);
    if (rbac) throw errors.invalid(r, o.metadata.name, rbac.cause, rbac.field);
    if (r.kind === 'Deployment') {
      const labels = o.spec?.template?.metadata?.labels;
      if (!o.spec?.selector || !matchesLabelSelectorObject(o.spec.selector, labels)) {
        throw errors.invalid(
          r,
          o.metadata.name,
          'Invalid value: map[string]string(nil): `selector` does not match template `labels`',
          'spec.template.metadata.labels',
        );
      }
      if (
        current &&
        JSON.stringify((current as Any).spec.selector) !== JSON.stringify(o.spec.selector)
      ) {
        throw errors.invalid(
          r,
          o.metadata.name,
          'Invalid value: field is immutable',
          'spec.selector',
        );
      }
    }
    if (r.kind === 'Pod' && current) {
      // A running pod's spec is immutable but for a few fields; resources need a new pod.
      const strip = (spec: Any): string =>
        JSON.stringify({
          ...spec,
          containers: spec.containers?.map((c: Any) => ({ ...c, image: '' })),
          initContainers: spec.initContainers?.map((c: Any) => ({ ...c, image: '' })),
          activeDeadlineSeconds: 0,
          tolerations: [],
          terminationGracePeriodSeconds: 0,
          nodeName: spec.nodeName && (current as Any).spec.nodeName ? '' : spec.nodeName,
        });
      if (strip(o.spec) !== strip((current as Any).spec)) {
        throw errors.invalid(
          r,
          o.metadata.name,
          'Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
          'spec',
        );
      }
    }
  }

  /** Deletion as the API server does it: graceful for pods, finalizers respected, dependents per policy. */
  delete(
    r: ResourceType,
    object: KObject,
    options: { grace: number | undefined; policy: string },
  ): KObject {
    const meta = object.metadata;
    if (options.policy === 'Orphan') {
      for (const dependent of this.dependents(meta.uid!)) {
        const { resource, object: d } = dependent;
        d.metadata.ownerReferences = (d.metadata.ownerReferences ?? []).filter(
          (ref) => ref.uid !== meta.uid,
        );
        this.store.update(resource, d);
      }
    }
    if (
      (meta.finalizers ?? []).length > 0 ||
      (r.kind === 'Pod' && (options.grace ?? 1) > 0 && (object as Any).spec.nodeName)
    ) {
      if (!meta.deletionTimestamp) {
        const grace = options.grace ?? (object as Any).spec?.terminationGracePeriodSeconds ?? 0;
        meta.deletionTimestamp = this.clock.iso(grace * 1000);
        meta.deletionGracePeriodSeconds = grace;
        const marked = this.store.update(r, object);
        this.reconcile();
        return marked;
      }
      return object;
    }
    const gone = this.store.delete(r, meta.namespace, meta.name) ?? object;
    this.reconcile();
    return gone;
  }

  /** The message of the PodDisruptionBudget an eviction of this pod would break, if any. */
  blockingBudget(pod: KObject): string | undefined {
    for (const pdb of this.store.list(T.pdb, pod.metadata.namespace) as Any[]) {
      if (!matchesLabelSelectorObject(pdb.spec?.selector, pod.metadata.labels)) continue;
      const status = this.budgetStatus(pdb);
      if (status.disruptionsAllowed <= 0 && isReady(pod)) {
        return `The disruption budget ${pdb.metadata.name} needs ${status.desiredHealthy} healthy pods and has ${status.currentHealthy} currently`;
      }
    }
    return undefined;
  }

  podLog(namespace: string, name: string, query: URLSearchParams): string {
    const pod = this.store.get(T.pod, namespace, name) as Any | undefined;
    if (!pod) throw errors.notFound(T.pod, name);
    const containers: Any[] = pod.spec.containers ?? [];
    const inits: Any[] = pod.spec.initContainers ?? [];
    const containerName =
      query.get('container') ?? (containers.length === 1 ? containers[0].name : undefined);
    if (!containerName) {
      throw errors.badRequest(
        `a container name must be specified for pod ${name}, choose one of: [${containers.map((c) => c.name).join(' ')}]`,
      );
    }
    const init = inits.find((c) => c.name === containerName);
    const container = containers.find((c) => c.name === containerName) ?? init;
    if (!container)
      throw errors.badRequest(`container ${containerName} is not valid for pod ${name}`);
    const view = init ? this.initView(pod, container) : this.containerView(pod, container);
    const previous = ['1', 'true'].includes(query.get('previous') ?? '');
    let lines: string[];
    if (previous) {
      if (!view.previousLogs)
        throw errors.badRequest(
          `previous terminated container "${containerName}" in pod "${name}" not found`,
        );
      lines = view.previousLogs;
    } else {
      if (!view.started)
        throw errors.badRequest(
          `container "${containerName}" in pod "${name}" is waiting to start: ${view.state.waiting?.message ? 'trying and failing to pull image' : 'ContainerCreating'}`,
        );
      lines = view.logs;
    }
    const tail = query.get('tailLines');
    if (tail !== null) lines = lines.slice(-Math.max(0, Number(tail)));
    return lines.map((l) => `${l}\n`).join('');
  }

  // ---- controllers ----

  /**
   * Kubelets post node status and renew their node's Lease in kube-node-lease every 10 s,
   * both stamped with their own (possibly skewed: facts.nodeClockSkew) clock. The node
   * lifecycle controller judges a Lease by when it saw it change, so a node whose clock
   * runs behind stays Ready while its renewTime lags the server's time.
   */
  private heartbeats(scope: Scope | undefined): void {
    for (const node of this.listed(T.node, scope)) {
      const name: string = node.metadata.name;
      const skewMs = (this.facts.nodeClockSkew[name] ?? 0) * 1000;
      const conditions: Any[] = node.status?.conditions ?? [];
      const ready = conditions.find((c) => c.type === 'Ready');
      if (!ready || ready.status === 'Unknown') continue;
      const last = this.lastHeartbeat.get(name);
      if (last !== undefined && last + 10_000 > this.clock.now()) continue;
      this.lastHeartbeat.set(name, this.clock.now());
      for (const c of conditions) c.lastHeartbeatTime = this.clock.iso(skewMs);
      this.store.update(T.node, node);
      this.renewLease(node, skewMs);
    }
  }

  private renewLease(node: Any, skewMs: number): void {
    const name: string = node.metadata.name;
    // A Lease's renewTime is a MicroTime: microseconds, as the kubelet writes it.
    const renewTime = this.clock.iso(skewMs).replace(/Z$/, '.000000Z');
    const lease = this.store.get(T.lease, 'kube-node-lease', name) as Any;
    if (lease) {
      lease.spec = { ...lease.spec, renewTime };
      this.store.update(T.lease, lease);
      return;
    }
    this.store.create(T.lease, {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name,
        namespace: 'kube-node-lease',
        ownerReferences: [
          { apiVersion: 'v1', kind: 'Node', name, uid: node.metadata.uid as string },
        ],
      },
      spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime },
    } as KObject);
  }

  /** The node lifecycle controller: a cordoned node carries the unschedulable taint. */
  private nodeLifecycle(scope: Scope | undefined): void {
    const TAINT = 'node.kubernetes.io/unschedulable';
    for (const node of this.listed(T.node, scope)) {
      const taints: Any[] = node.spec?.taints ?? [];
      const cordoned = node.spec?.unschedulable === true;
      if (taints.some((t) => t.key === TAINT) === cordoned) continue;
      const rest = taints.filter((t) => t.key !== TAINT);
      // The controller stamps every taint it adds with timeAdded (SwapNodeControllerTaint):
      // how long a node has been cordoned.
      const next = cordoned
        ? [...rest, { key: TAINT, effect: 'NoSchedule', timeAdded: this.clock.iso() }]
        : rest;
      node.spec = { ...node.spec, taints: next };
      if (next.length === 0) delete node.spec.taints;
      this.store.update(T.node, node);
    }
  }

  private dependents(uid: string): { resource: ResourceType; object: KObject }[] {
    return this.index.dependents(uid);
  }

  private collectGarbage(scope: Scope | undefined): void {
    if (scope) {
      // Decide first, then delete: an owner removed here keeps its dependents this round.
      const gone: { resource: ResourceType; object: KObject }[] = [];
      for (const resource of RESOURCES) {
        for (const object of scope.list(resource)) {
          const owners = object.metadata.ownerReferences ?? [];
          if (
            (owners.length > 0 && owners.every((ref) => !this.index.exists(ref.uid))) ||
            (resource === T.pod &&
              object.metadata.deletionTimestamp &&
              (object.metadata.finalizers ?? []).length === 0)
          )
            gone.push({ resource, object });
        }
      }
      for (const { resource, object } of gone)
        this.store.delete(resource, object.metadata.namespace, object.metadata.name);
      return;
    }
    // Uncopied and only read (deletes go by name). The objects to delete are put in key
    // order, as a list would have given them, so deletes and watch events keep their order.
    const uids = new Set<string>();
    for (const resource of RESOURCES)
      for (const object of this.store.peekAll(resource)) uids.add(object.metadata.uid!);
    for (const resource of RESOURCES) {
      const doomed: { object: KObject; orphan: boolean; stopped: boolean }[] = [];
      for (const object of this.store.peekAll(resource)) {
        const owners = object.metadata.ownerReferences ?? [];
        const orphan = owners.length > 0 && owners.every((ref) => !uids.has(ref.uid));
        // A terminating pod is gone once the kubelet has stopped it (at once here).
        const stopped =
          resource === T.pod &&
          !!object.metadata.deletionTimestamp &&
          (object.metadata.finalizers ?? []).length === 0;
        if (orphan || stopped) doomed.push({ object, orphan, stopped });
      }
      doomed.sort((a, b) => byKey(a.object, b.object));
      for (const { object, orphan, stopped } of doomed) {
        if (orphan) this.store.delete(resource, object.metadata.namespace, object.metadata.name);
        if (stopped) this.store.delete(resource, object.metadata.namespace, object.metadata.name);
      }
    }
  }

  private owned(r: ResourceType, owner: KObject): Any[] {
    return this.controlled(this.index.dependents(owner.metadata.uid!, r), owner);
  }

  /**
   * The pods `owner` controls, uncopied: read-only, for the controllers' counts (copying
   * every pod of every ReplicaSet each step was a third of the simulator's time).
   */
  private ownedPods(owner: KObject): readonly Any[] {
    return this.controlled(this.index.dependentsView(owner.metadata.uid!, T.pod), owner);
  }

  private controlled(
    dependents: { resource: ResourceType; object: KObject }[],
    owner: KObject,
  ): Any[] {
    return dependents
      .map(({ object }) => object)
      .filter(
        (o) =>
          o.metadata.namespace === owner.metadata.namespace &&
          (o.metadata.ownerReferences ?? []).some(
            (ref) => ref.uid === owner.metadata.uid && ref.controller,
          ),
      ) as Any[];
  }

  private ownerRef(owner: KObject, kind: string, apiVersion: string) {
    return {
      apiVersion,
      kind,
      name: owner.metadata.name,
      uid: owner.metadata.uid!,
      controller: true,
      blockOwnerDeletion: true,
    };
  }

  private deployments(scope: Scope | undefined): void {
    for (const d of this.listed(T.deploy, scope)) {
      const hash = templateHash(d.spec.template);
      const owned = this.owned(T.rs, d);
      const revision = (rs: Any): number =>
        Number(rs.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0);
      let current = owned.find((rs) => rs.metadata.labels?.['pod-template-hash'] === hash);
      const maxRevision = Math.max(0, ...owned.map(revision));
      const replicas: number = d.spec.replicas ?? 1;
      if (!current) {
        const template = structuredClone(d.spec.template);
        template.metadata = {
          ...template.metadata,
          labels: { ...template.metadata?.labels, 'pod-template-hash': hash },
        };
        current = this.store.create(T.rs, {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          metadata: {
            name: `${d.metadata.name}-${hash}`,
            namespace: d.metadata.namespace,
            labels: template.metadata.labels,
            annotations: {
              'deployment.kubernetes.io/revision': String(maxRevision + 1),
              'deployment.kubernetes.io/desired-replicas': String(replicas),
            },
            ownerReferences: [this.ownerRef(d, 'Deployment', 'apps/v1')],
          },
          spec: {
            replicas: 0,
            selector: {
              matchLabels: { ...d.spec.selector.matchLabels, 'pod-template-hash': hash },
            },
            template,
          },
        }) as Any;
      } else if (revision(current) < maxRevision) {
        // Rolling back to an old template makes its ReplicaSet the newest revision.
        current.metadata.annotations = {
          ...current.metadata.annotations,
          'deployment.kubernetes.io/revision': String(maxRevision + 1),
        };
        current = this.store.update(T.rs, current) as Any;
      }
      const olds = this.owned(T.rs, d).filter((rs) => rs.metadata.uid !== current!.metadata.uid);
      const strategy = d.spec.strategy ?? {};
      const ready = (rs: Any): number =>
        this.ownedPods(rs).filter((p) => isReady(p) && !p.metadata.deletionTimestamp).length;
      if (strategy.type === 'Recreate') {
        for (const rs of olds) this.scale(rs, 0);
        if (olds.every((rs) => this.ownedPods(rs).length === 0)) this.scale(current, replicas);
      } else {
        const surge = resolveIntOrPercent(
          strategy.rollingUpdate?.maxSurge ?? '25%',
          replicas,
          true,
        );
        let unavailable = resolveIntOrPercent(
          strategy.rollingUpdate?.maxUnavailable ?? '25%',
          replicas,
          false,
        );
        if (surge === 0 && unavailable === 0) unavailable = 1;
        const all = [current, ...olds];
        const total = all.reduce((n, rs) => n + (rs.spec.replicas ?? 0), 0);
        if (current.spec.replicas < replicas && total < replicas + surge) {
          this.scale(current, Math.min(replicas, current.spec.replicas + replicas + surge - total));
        } else if (current.spec.replicas > replicas) this.scale(current, replicas);
        const available = all.reduce((n, rs) => n + ready(rs), 0);
        let removable = Math.max(0, available - (replicas - unavailable));
        for (const rs of olds) {
          // Unhealthy old pods go first: they count for nothing.
          const unhealthy = rs.spec.replicas - ready(rs);
          let down = Math.min(rs.spec.replicas, unhealthy + removable);
          if (ready(current) >= replicas) down = rs.spec.replicas;
          removable -= Math.max(0, down - unhealthy);
          if (down > 0) this.scale(rs, rs.spec.replicas - down);
        }
      }
      this.deploymentStatus(
        d,
        this.store.get(T.rs, d.metadata.namespace, current.metadata.name) as Any,
      );
    }
  }

  private scale(rs: Any, replicas: number): void {
    const fresh = this.store.get(T.rs, rs.metadata.namespace, rs.metadata.name) as Any;
    if (!fresh || fresh.spec.replicas === replicas) return;
    fresh.spec.replicas = replicas;
    Object.assign(rs, this.store.update(T.rs, fresh));
  }

  private deploymentStatus(d: Any, current: Any): void {
    const fresh = this.store.get(T.deploy, d.metadata.namespace, d.metadata.name) as Any;
    const sets = this.controlled(this.index.dependentsView(fresh.metadata.uid!, T.rs), fresh);
    const pods = sets
      .flatMap((rs) => this.ownedPods(rs))
      .filter((p) => !p.metadata.deletionTimestamp);
    const newPods = this.ownedPods(current).filter((p) => !p.metadata.deletionTimestamp);
    const replicas: number = fresh.spec.replicas;
    const readyCount = pods.filter(isReady).length;
    const unavailable = resolveIntOrPercent(
      fresh.spec.strategy?.rollingUpdate?.maxUnavailable ?? '25%',
      replicas,
      false,
    );
    const complete =
      newPods.length === replicas && newPods.every(isReady) && pods.length === replicas;
    const previous = fresh.status?.conditions ?? [];
    const since = (kind: string, status: string, reason: string): string => {
      const prior = previous.find((c: Any) => c.type === kind);
      return prior && prior.status === status && prior.reason === reason
        ? prior.lastTransitionTime
        : this.clock.iso();
    };
    const progressingSince =
      previous.find((c: Any) => c.type === 'Progressing')?.lastUpdateTime ??
      fresh.metadata.creationTimestamp;
    const prior = previous.find((c: Any) => c.type === 'Progressing');
    // Once past its deadline, a rollout stays failed until its ReplicaSet changes.
    const stuck =
      !complete &&
      ((prior?.reason === 'ProgressDeadlineExceeded' &&
        String(prior.message).includes(`"${current.metadata.name}"`)) ||
        this.clock.now() - Date.parse(progressingSince) >
          (fresh.spec.progressDeadlineSeconds ?? 600) * 1000);
    const availableOk = readyCount >= replicas - unavailable;
    const progressing = complete
      ? {
          status: 'True',
          reason: 'NewReplicaSetAvailable',
          message: `ReplicaSet "${current.metadata.name}" has successfully progressed.`,
        }
      : stuck
        ? {
            status: 'False',
            reason: 'ProgressDeadlineExceeded',
            message: `ReplicaSet "${current.metadata.name}" has timed out progressing.`,
          }
        : {
            status: 'True',
            reason: 'ReplicaSetUpdated',
            message: `ReplicaSet "${current.metadata.name}" is progressing.`,
          };
    const status = {
      observedGeneration: fresh.metadata.generation,
      replicas: pods.length,
      updatedReplicas: newPods.length,
      readyReplicas: readyCount || undefined,
      availableReplicas: readyCount || undefined,
      unavailableReplicas: Math.max(0, replicas - readyCount) || undefined,
      conditions: [
        {
          type: 'Available',
          status: availableOk ? 'True' : 'False',
          reason: availableOk ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable',
          message: availableOk
            ? 'Deployment has minimum availability.'
            : 'Deployment does not have minimum availability.',
          lastUpdateTime: since(
            'Available',
            availableOk ? 'True' : 'False',
            availableOk ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable',
          ),
          lastTransitionTime: since(
            'Available',
            availableOk ? 'True' : 'False',
            availableOk ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable',
          ),
        },
        {
          type: 'Progressing',
          ...progressing,
          lastUpdateTime:
            progressing.reason === 'ReplicaSetUpdated' &&
            previous.find((c: Any) => c.type === 'Progressing')?.reason === 'ReplicaSetUpdated'
              ? progressingSince
              : since('Progressing', progressing.status, progressing.reason),
          lastTransitionTime: since('Progressing', progressing.status, progressing.reason),
        },
      ],
    };
    fresh.metadata.annotations = {
      ...fresh.metadata.annotations,
      'deployment.kubernetes.io/revision':
        current.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? '1',
    };
    fresh.status = JSON.parse(JSON.stringify(status));
    this.store.update(T.deploy, fresh);
  }

  private replicaSets(scope: Scope | undefined): void {
    for (const rs of this.listed(T.rs, scope)) {
      const pods = this.owned(T.pod, rs).filter((p) => !p.metadata.deletionTimestamp);
      const want: number = rs.spec.replicas ?? 1;
      for (let i = pods.length; i < want; i++)
        this.createPod(rs, 'ReplicaSet', `${rs.metadata.name}-${suffix()}`);
      if (pods.length > want) {
        const order = [...pods].sort(
          (a, b) =>
            Number(isReady(a)) - Number(isReady(b)) ||
            Number(!!a.spec.nodeName) - Number(!!b.spec.nodeName),
        );
        for (const pod of order.slice(0, pods.length - want))
          this.delete(T.pod, pod, { grace: undefined, policy: 'Background' });
      }
      const fresh = this.store.get(T.rs, rs.metadata.namespace, rs.metadata.name) as Any;
      if (!fresh) continue;
      const current = this.ownedPods(fresh).filter((p) => !p.metadata.deletionTimestamp);
      const readyCount = current.filter(isReady).length;
      fresh.status = JSON.parse(
        JSON.stringify({
          replicas: current.length,
          fullyLabeledReplicas: current.length,
          readyReplicas: readyCount || undefined,
          availableReplicas: readyCount || undefined,
          observedGeneration: fresh.metadata.generation,
        }),
      );
      this.store.update(T.rs, fresh);
    }
  }

  /**
   * The Job controller: pods from the template until `completions` succeed, a replacement
   * for each failed pod after a back-off (10 s doubling, at most 6 min), and the Failed
   * condition: BackoffLimitExceeded once more pods failed than `backoffLimit` allows,
   * DeadlineExceeded once it has run longer than `activeDeadlineSeconds`.
   */
  private jobs(scope: Scope | undefined): void {
    for (const job of this.listed(T.job, scope)) {
      const previous: Any[] = job.status?.conditions ?? [];
      const finished = previous.some(
        (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
      );
      const pods = this.owned(T.pod, job);
      const phaseOf = (p: Any): string => p.status?.phase ?? 'Pending';
      const succeeded = pods.filter((p) => phaseOf(p) === 'Succeeded').length;
      const failedPods = pods.filter((p) => phaseOf(p) === 'Failed');
      const active = pods.filter(
        (p) => !['Succeeded', 'Failed'].includes(phaseOf(p)) && !p.metadata.deletionTimestamp,
      );
      const completions: number = job.spec.completions ?? 1;
      const parallelism: number = job.spec.parallelism ?? 1;
      const backoffLimit: number = job.spec.backoffLimit ?? 6;
      const now = this.clock.iso();
      const conditions: Any[] = [...previous];
      const add = (kind: string, reason: string, message: string): void => {
        if (conditions.some((c) => c.type === kind)) return;
        conditions.push({
          type: kind,
          status: 'True',
          lastProbeTime: now,
          lastTransitionTime: now,
          reason,
          message,
        });
      };
      let completionTime = job.status?.completionTime;
      if (!finished && !job.spec.suspend) {
        if (failedPods.length > backoffLimit) {
          add(
            'FailureTarget',
            'BackoffLimitExceeded',
            'Job has reached the specified backoff limit',
          );
          add('Failed', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit');
          this.event(
            job,
            'Warning',
            'BackoffLimitExceeded',
            'Job has reached the specified backoff limit',
            'job-controller',
          );
          for (const p of active) this.delete(T.pod, p, { grace: undefined, policy: 'Background' });
        } else if (
          job.spec.activeDeadlineSeconds !== undefined &&
          succeeded < completions &&
          this.clock.now() - Date.parse(job.status?.startTime ?? now) >=
            job.spec.activeDeadlineSeconds * 1000
        ) {
          // Past activeDeadlineSeconds since it started: failed, its running pods killed.
          add('FailureTarget', 'DeadlineExceeded', 'Job was active longer than specified deadline');
          add('Failed', 'DeadlineExceeded', 'Job was active longer than specified deadline');
          for (const p of active) this.delete(T.pod, p, { grace: undefined, policy: 'Background' });
        } else if (succeeded >= completions) {
          add(
            'SuccessCriteriaMet',
            'CompletionsReached',
            'Reached expected number of succeeded pods',
          );
          add('Complete', 'CompletionsReached', 'Reached expected number of succeeded pods');
          completionTime = now;
        } else {
          const lastFailure = Math.max(
            0,
            ...failedPods.map((p) =>
              Math.max(
                0,
                ...((p.status?.containerStatuses ?? []) as Any[]).map(
                  (c) => Date.parse(c.state?.terminated?.finishedAt ?? '') || 0,
                ),
              ),
            ),
          );
          const delay = Math.min(10_000 * 2 ** Math.max(0, failedPods.length - 1), 360_000);
          const want = Math.min(parallelism, completions - succeeded) - active.length;
          if (want > 0 && (failedPods.length === 0 || this.clock.now() >= lastFailure + delay))
            for (let i = 0; i < want; i++)
              this.createPod(
                job,
                'Job',
                `${job.metadata.name}-${suffix()}`,
                {
                  'batch.kubernetes.io/controller-uid': job.metadata.uid,
                  'controller-uid': job.metadata.uid,
                },
                {},
                'batch/v1',
              );
        }
      }
      const fresh = this.store.get(T.job, job.metadata.namespace, job.metadata.name) as Any;
      if (!fresh) continue;
      const nowActive = this.owned(T.pod, fresh).filter(
        (p) => !['Succeeded', 'Failed'].includes(phaseOf(p)) && !p.metadata.deletionTimestamp,
      );
      const next = JSON.parse(
        JSON.stringify({
          ...(conditions.length > 0 ? { conditions } : {}),
          startTime: fresh.status?.startTime ?? now,
          ...(completionTime ? { completionTime } : {}),
          active: nowActive.length || undefined,
          succeeded: succeeded || undefined,
          failed: failedPods.length || undefined,
          terminating: 0,
          ready: nowActive.filter(isReady).length,
          uncountedTerminatedPods: {},
        }),
      );
      if (JSON.stringify(fresh.status) === JSON.stringify(next)) continue;
      fresh.status = next;
      this.store.update(T.job, fresh);
    }
  }

  /**
   * The EndpointSlice controller: one IPv4 slice per Service with a selector, owned by
   * it, listing the selected pods that have an IP (ready or not, with their conditions)
   * and the Service's ports resolved to the pods' target ports.
   */
  private endpointSlices(scope: Scope | undefined): void {
    for (const svc of this.listed(T.svc, scope)) {
      const selector: Record<string, string> | undefined = svc.spec?.selector;
      if (!selector || Object.keys(selector).length === 0) continue;
      const namespace: string = svc.metadata.namespace;
      // From the label index: a namespace of thousands of pods is not read for each Service.
      const pods = (this.index.podsSelected(namespace, selector) as Any[])
        .filter((p) => p.status?.podIP && !['Succeeded', 'Failed'].includes(p.status?.phase))
        .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
      const containerPort = (name: string): number | undefined => {
        for (const p of pods)
          for (const c of p.spec.containers ?? [])
            for (const port of c.ports ?? []) if (port.name === name) return port.containerPort;
        return undefined;
      };
      const ports = ((svc.spec.ports ?? []) as Any[]).map((p) => ({
        name: p.name ?? '',
        port:
          typeof p.targetPort === 'string' ? (containerPort(p.targetPort) ?? p.port) : p.targetPort,
        protocol: p.protocol ?? 'TCP',
      }));
      const endpoints = pods.map((p) => {
        const terminating = p.metadata.deletionTimestamp !== undefined;
        const ready = isReady(p) && !terminating;
        return {
          addresses: [p.status.podIP],
          conditions: { ready, serving: isReady(p), terminating },
          nodeName: p.spec.nodeName,
          targetRef: {
            kind: 'Pod',
            namespace,
            name: p.metadata.name,
            uid: p.metadata.uid,
          },
        };
      });
      const existing = this.owned(T.slice, svc)[0];
      const body = { addressType: 'IPv4', endpoints, ports };
      if (!existing) {
        this.store.create(T.slice, {
          apiVersion: 'discovery.k8s.io/v1',
          kind: 'EndpointSlice',
          metadata: {
            name: `${svc.metadata.name}-${sha(svc.metadata.uid).slice(0, 5)}`,
            generateName: `${svc.metadata.name}-`,
            namespace,
            labels: {
              'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
              'kubernetes.io/service-name': svc.metadata.name,
            },
            ownerReferences: [{ ...this.ownerRef(svc, 'Service', 'v1') }],
          },
          ...JSON.parse(JSON.stringify(body)),
        });
        continue;
      }
      const next = { ...existing, ...JSON.parse(JSON.stringify(body)) };
      if (JSON.stringify(next) !== JSON.stringify(existing)) this.store.update(T.slice, next);
    }
  }

  /** StatefulSet pods are name-0 … name-(n-1), made in order and removed from the top. */
  private statefulSets(scope: Scope | undefined): void {
    for (const sts of this.listed(T.sts, scope)) {
      const want: number = sts.spec.replicas ?? 1;
      const pods = this.owned(T.pod, sts).filter((p) => !p.metadata.deletionTimestamp);
      const names = new Set(pods.map((p) => p.metadata.name));
      for (let i = 0; i < want; i++) {
        const name = `${sts.metadata.name}-${i}`;
        if (!names.has(name)) {
          this.createPod(sts, 'StatefulSet', name, {
            'statefulset.kubernetes.io/pod-name': name,
            'apps.kubernetes.io/pod-index': String(i),
          });
        }
      }
      for (const pod of pods) {
        const ordinal = Number(pod.metadata.name.slice(sts.metadata.name.length + 1));
        if (ordinal >= want) this.delete(T.pod, pod, { grace: undefined, policy: 'Background' });
      }
      this.workloadStatus(T.sts, sts, (ready, current) => ({
        replicas: current,
        readyReplicas: ready || undefined,
        availableReplicas: ready || undefined,
        currentReplicas: current,
        updatedReplicas: current,
      }));
    }
  }

  /** One DaemonSet pod per node it tolerates; cordons do not keep DaemonSet pods away. */
  private daemonSets(scope: Scope | undefined): void {
    if (scope && !scope.has(T.ds)) return;
    const nodes = this.store.list(T.node) as Any[];
    for (const ds of this.listed(T.ds, scope)) {
      const pods = this.owned(T.pod, ds).filter((p) => !p.metadata.deletionTimestamp);
      const tolerations = [...(ds.spec.template.spec.tolerations ?? []), ...DAEMONSET_TOLERATIONS];
      const eligible = nodes.filter(
        (n) =>
          Object.entries(ds.spec.template.spec.nodeSelector ?? {}).every(
            ([k, v]) => n.metadata.labels?.[k] === v,
          ) &&
          (n.spec?.taints ?? []).every(
            (t: Any) => t.effect === 'PreferNoSchedule' || tolerates(tolerations, t),
          ),
      );
      // RollingUpdate with maxUnavailable 1: an outdated pod (a template change such as
      // kubectl rollout restart) is replaced once every other pod is ready.
      const hash = templateHash(ds.spec.template);
      const outdated = pods.filter((p) => {
        const label = p.metadata.labels?.['controller-revision-hash'];
        return label !== undefined && label !== hash;
      });
      if (outdated[0] && pods.filter((p) => !outdated.includes(p)).every((p) => isReady(p)))
        this.delete(T.pod, outdated[0], { grace: undefined, policy: 'Background' });
      for (const node of eligible) {
        if (pods.some((p) => p.spec.nodeName === node.metadata.name)) continue;
        this.createPod(
          ds,
          'DaemonSet',
          `${ds.metadata.name}-${suffix()}`,
          { 'controller-revision-hash': hash },
          { nodeName: node.metadata.name, tolerations },
        );
      }
      for (const pod of pods) {
        if (!eligible.some((n) => n.metadata.name === pod.spec.nodeName))
          this.delete(T.pod, pod, { grace: undefined, policy: 'Background' });
      }
      this.workloadStatus(T.ds, ds, (ready, current) => ({
        desiredNumberScheduled: eligible.length,
        currentNumberScheduled: current,
        numberReady: ready,
        numberAvailable: ready || undefined,
        updatedNumberScheduled: current,
        numberMisscheduled: 0,
      }));
    }
  }

  /**
   * Longhorn's manager: each ShareManager has one share-manager pod, owned by it (an orphan
   * pod with its label is adopted), and recreated when deleted, but only while a
   * longhorn-manager pod in its namespace runs: a manager that is down recreates nothing.
   */
  private longhorn(scope: Scope | undefined): void {
    for (const sm of this.listed(T.shareManager, scope)) {
      const namespace: string = sm.metadata.namespace;
      const name: string = sm.metadata.name;
      // Read uncopied (a namespace's every pod, each step); an orphan is copied to adopt it.
      const pods = ([...this.store.peekAll(T.pod, namespace)] as Any[])
        .filter((p) => p.metadata.labels?.['longhorn.io/share-manager'] === name)
        .sort(byKey);
      for (const pod of pods.filter((p) => !(p.metadata.ownerReferences ?? []).length)) {
        const adopted = clone(pod);
        adopted.metadata.ownerReferences = [
          this.ownerRef(sm, 'ShareManager', 'longhorn.io/v1beta2'),
        ];
        this.store.update(T.pod, adopted);
      }
      const managers = (this.store.peekAll(T.pod, namespace) as Any[]).filter(
        (p) =>
          p.metadata.labels?.app === 'longhorn-manager' &&
          !p.metadata.deletionTimestamp &&
          isReady(p),
      );
      if (managers.length === 0 || pods.some((p) => !p.metadata.deletionTimestamp)) continue;
      if (pods.length > 0) continue; // the old pod is still terminating
      const pod: Any = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: `share-manager-${name}`,
          namespace,
          labels: { 'longhorn.io/component': 'share-manager', 'longhorn.io/share-manager': name },
          ownerReferences: [this.ownerRef(sm, 'ShareManager', 'longhorn.io/v1beta2')],
        },
        spec: {
          containers: [
            {
              name: 'share-manager',
              image: sm.spec?.image ?? 'longhornio/longhorn-share-manager:v1.7.2',
            },
          ],
        },
      };
      this.defaults(T.pod, pod);
      this.store.create(T.pod, pod);
    }
  }

  private workloadStatus(
    r: ResourceType,
    owner: Any,
    status: (ready: number, current: number) => Any,
  ): void {
    const fresh = this.store.get(r, owner.metadata.namespace, owner.metadata.name) as Any;
    if (!fresh) return;
    const pods = this.ownedPods(fresh).filter((p) => !p.metadata.deletionTimestamp);
    const next = JSON.parse(
      JSON.stringify({
        ...status(pods.filter(isReady).length, pods.length),
        observedGeneration: fresh.metadata.generation,
      }),
    );
    if (JSON.stringify(fresh.status) === JSON.stringify(next)) return;
    fresh.status = next;
    this.store.update(r, fresh);
  }

  private createPod(
    owner: Any,
    kind: string,
    name: string,
    labels: Record<string, string> = {},
    spec: Any = {},
    apiVersion = 'apps/v1',
  ): void {
    const template = owner.spec.template;
    const pod: Any = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        namespace: owner.metadata.namespace,
        labels: { ...template.metadata?.labels, ...labels },
        annotations: template.metadata?.annotations
          ? { ...template.metadata.annotations }
          : undefined,
        ownerReferences: [this.ownerRef(owner, kind, apiVersion)],
      },
      spec: { ...structuredClone(template.spec), ...spec },
    };
    this.defaults(T.pod, pod);
    // Admission refuses what a LimitRange or a ResourceQuota forbids; the controller
    // records the refusal on itself and tries again on its next sync.
    const refused = this.limitRangeRefusal(pod) ?? this.quotaRefusal(pod);
    if (refused) {
      // One event per refusal, its count rising with each retry, as the event
      // recorder's aggregation shows it (the first refused name stays in the message).
      const key = `${owner.metadata.uid}/${refused}`;
      const seen = this.refusedCreates.get(key) ?? { name, count: 0 };
      seen.count++;
      this.refusedCreates.set(key, seen);
      this.event(
        owner,
        'Warning',
        'FailedCreate',
        `Error creating: pods "${seen.name}" is forbidden: ${refused}`,
        `${kind.toLowerCase()}-controller`,
        seen.count,
      );
      return;
    }
    this.store.create(T.pod, JSON.parse(JSON.stringify(pod)));
  }

  /** The LimitRanger admission plugin's refusal (type Container, max and min), or undefined. */
  private limitRangeRefusal(pod: Any): string | undefined {
    for (const range of this.store.peekAll(T.limitRange, pod.metadata.namespace) as Any[])
      for (const limit of (range.spec?.limits ?? []) as Any[]) {
        if (limit.type !== 'Container') continue;
        for (const c of (pod.spec.containers ?? []) as Any[])
          for (const resource of ['cpu', 'memory']) {
            const max = parseQuantity(limit.max?.[resource]);
            const min = parseQuantity(limit.min?.[resource]);
            const lim = c.resources?.limits?.[resource];
            const req = c.resources?.requests?.[resource];
            if (max !== undefined && lim !== undefined && parseQuantity(lim)! > max)
              return `maximum ${resource} usage per Container is ${limit.max[resource]}, but limit is ${lim}`;
            if (min !== undefined && req !== undefined && parseQuantity(req)! < min)
              return `minimum ${resource} usage per Container is ${limit.min[resource]}, but request is ${req}`;
          }
      }
    return undefined;
  }

  /**
   * The ResourceQuota admission plugin's refusal, in its words: a quota on a resource the
   * pod does not declare, or a request past what is left (pods, requests.*, limits.*).
   */
  private quotaRefusal(pod: Any): string | undefined {
    const namespace: string = pod.metadata.namespace;
    const quotas = this.store.peekAll(T.quota, namespace) as Any[];
    if (quotas.length === 0) return undefined;
    const sum = (p: Any, key: string): number => {
      if (key === 'pods') return 1;
      const [kind, resource] = key.split('.') as [string, string];
      const field = kind === 'limits' ? 'limits' : 'requests';
      return ((p.spec?.containers ?? []) as Any[]).reduce(
        (n, c) => n + (parseQuantity(c.resources?.[field]?.[resource]) ?? 0),
        0,
      );
    };
    const live = (this.store.peekAll(T.pod, namespace) as Any[]).filter(
      (p) => !['Succeeded', 'Failed'].includes(p.status?.phase) && !p.metadata.deletionTimestamp,
    );
    const show = (key: string, n: number): string =>
      key.endsWith('.memory') ? formatBytes(n) : key.endsWith('.cpu') ? formatCpu(n) : String(n);
    for (const quota of quotas) {
      const hard: Record<string, string> = quota.spec?.hard ?? {};
      const keys = Object.keys(hard).filter((k) =>
        ['pods', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory'].includes(k),
      );
      const undeclared = keys.filter(
        (k) =>
          k !== 'pods' &&
          ((pod.spec.containers ?? []) as Any[]).some(
            (c) => c.resources?.[k.split('.')[0]!]?.[k.split('.')[1]!] === undefined,
          ),
      );
      if (undeclared.length)
        return `failed quota: ${quota.metadata.name}: must specify ${undeclared.join(',')}`;
      const over = keys.filter(
        (k) => live.reduce((n, p) => n + sum(p, k), 0) + sum(pod, k) > parseQuantity(hard[k])!,
      );
      if (over.length)
        return `exceeded quota: ${quota.metadata.name}, requested: ${over.map((k) => `${k}=${show(k, sum(pod, k))}`).join(',')}, used: ${over
          .map(
            (k) =>
              `${k}=${show(
                k,
                live.reduce((n, p) => n + sum(p, k), 0),
              )}`,
          )
          .join(',')}, limited: ${over.map((k) => `${k}=${hard[k]}`).join(',')}`;
    }
    return undefined;
  }

  /**
   * Node conditions a scenario imposes (facts.nodeConditions), from their time on: a
   * NotReady node's kubelet stops posting (Ready Unknown, the unreachable taints); a
   * pressure condition turns True with its NoSchedule taint, in the kubelet's words.
   */
  private nodeConditions(scope: Scope | undefined): void {
    if (Object.keys(this.facts.nodeConditions).length === 0) return;
    for (const node of this.listed(T.node, scope)) {
      const imposed = this.imposed(node);
      if (imposed.length === 0) continue;
      const conditions: Any[] = node.status?.conditions ?? [];
      let taints: Any[] = node.spec?.taints ?? [];
      const before = JSON.stringify([conditions, taints]);
      const set = (type: string, status: string, reason: string, message: string): void => {
        const c = conditions.find((x) => x.type === type);
        if (!c || c.status === status) return;
        Object.assign(c, { status, reason, message, lastTransitionTime: this.clock.iso() });
      };
      const taint = (key: string, effect: string): void => {
        if (!taints.some((t) => t.key === key && t.effect === effect))
          taints = [...taints, { key, effect, timeAdded: this.clock.iso() }];
      };
      if (imposed.includes('NotReady')) {
        set('Ready', 'Unknown', 'NodeStatusUnknown', 'Kubelet stopped posting node status.');
        for (const type of ['MemoryPressure', 'DiskPressure', 'PIDPressure'])
          set(type, 'Unknown', 'NodeStatusUnknown', 'Kubelet stopped posting node status.');
        taint('node.kubernetes.io/unreachable', 'NoSchedule');
        taint('node.kubernetes.io/unreachable', 'NoExecute');
      }
      if (imposed.includes('DiskPressure')) {
        set('DiskPressure', 'True', 'KubeletHasDiskPressure', 'kubelet has disk pressure');
        taint('node.kubernetes.io/disk-pressure', 'NoSchedule');
      }
      if (imposed.includes('PIDPressure')) {
        set(
          'PIDPressure',
          'True',
          'KubeletHasInsufficientPID',
          'kubelet has insufficient PID available',
        );
        taint('node.kubernetes.io/pid-pressure', 'NoSchedule');
      }
      if (JSON.stringify([conditions, taints]) === before) continue;
      node.spec = { ...node.spec, taints };
      this.store.update(T.node, node);
    }
  }

  /** The conditions facts.nodeConditions imposes on a node now. */
  private imposed(node: Any): NodeConditionFact['type'][] {
    const created = Date.parse(node.metadata.creationTimestamp ?? '') || 0;
    return (this.facts.nodeConditions[node.metadata.name] ?? [])
      .filter((f) => this.clock.now() >= created + (f.afterSeconds ?? 0) * 1000)
      .map((f) => f.type);
  }

  /**
   * The PersistentVolume controller for claims that name a class, or none (""): a class
   * that does not exist, no volume for a claim without a class, a provisioner that does
   * not offer the access mode; otherwise the claim is provisioned and bound. A claim
   * without storageClassName in a cluster without a default class is left as written.
   */
  private claims(scope: Scope | undefined): void {
    for (const claim of this.listed(T.pvc, scope)) {
      // A claim written with a phase (a scenario's or a test's hand-set state) is left as
      // written; one created without is the controller's from then on.
      const uid: string = claim.metadata.uid;
      if (claim.status?.phase && !this.managedClaims.has(uid)) continue;
      if (claim.status?.phase && claim.status.phase !== 'Pending') continue;
      const classes = this.store.peekAll(T.storageClass) as Any[];
      const fallback = classes.find(
        (c) => c.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true',
      );
      const named: string | undefined = claim.spec?.storageClassName ?? fallback?.metadata.name;
      if (named === undefined) continue;
      this.managedClaims.add(uid);
      const sc = classes.find((c) => c.metadata.name === named);
      const modes: string[] = claim.spec?.accessModes ?? ['ReadWriteOnce'];
      let problem: { reason: string; type: string; message: string; component: string } | undefined;
      if (named === '')
        problem = {
          type: 'Normal',
          reason: 'FailedBinding',
          message: 'no persistent volumes available for this claim and no storage class is set',
          component: 'persistentvolume-controller',
        };
      else if (!sc)
        problem = {
          type: 'Warning',
          reason: 'ProvisioningFailed',
          message: `storageclass.storage.k8s.io "${named}" not found`,
          component: 'persistentvolume-controller',
        };
      else if (
        sc.provisioner === 'rancher.io/local-path' &&
        modes.some((m) => m !== 'ReadWriteOnce')
      )
        problem = {
          type: 'Warning',
          reason: 'ProvisioningFailed',
          message: `failed to provision volume with StorageClass "${named}": Only support ReadWriteOnce access mode`,
          component: `${sc.provisioner}_local-path-provisioner`,
        };
      const next = problem
        ? { ...claim.status, phase: 'Pending' }
        : {
            ...claim.status,
            phase: 'Bound',
            accessModes: modes,
            capacity: { storage: claim.spec?.resources?.requests?.storage ?? '1Gi' },
          };
      if (problem)
        this.event(claim, problem.type, problem.reason, problem.message, problem.component);
      if (JSON.stringify(next) === JSON.stringify(claim.status)) continue;
      claim.status = next;
      if (!problem) claim.spec = { ...claim.spec, volumeName: `pvc-${claim.metadata.uid}` };
      this.store.update(T.pvc, claim);
    }
  }

  /**
   * The HorizontalPodAutoscaler controller for CPU utilisation targets: the desired count
   * is ceil(current × utilisation ÷ target) (facts.cpuUtilization), kept within min and
   * max, with the conditions and events the controller writes.
   */
  private autoscalers(scope: Scope | undefined): void {
    for (const hpa of this.listed(T.hpa, scope)) {
      const ref = hpa.spec?.scaleTargetRef ?? {};
      const namespace: string = hpa.metadata.namespace;
      const utilization = this.facts.cpuUtilization[`${namespace}/${ref.name}`];
      if (ref.kind !== 'Deployment' || utilization === undefined) continue;
      const target = this.store.get(T.deploy, namespace, ref.name) as Any;
      if (!target) continue;
      const metric = (hpa.spec.metrics ?? []).find(
        (m: Any) => m.type === 'Resource' && m.resource?.name === 'cpu',
      );
      const goal: number = metric?.resource?.target?.averageUtilization ?? 80;
      const current: number = target.spec.replicas ?? 1;
      const min: number = hpa.spec.minReplicas ?? 1;
      const max: number = hpa.spec.maxReplicas;
      const raw = Math.ceil((current * utilization) / goal);
      const desired = Math.min(max, Math.max(min, raw));
      const now = this.clock.iso();
      const previous: Any[] = hpa.status?.conditions ?? [];
      const condition = (type: string, status: string, reason: string, message: string): Any => {
        const prior = previous.find((c) => c.type === type);
        return {
          type,
          status,
          reason,
          message,
          lastTransitionTime: prior?.status === status ? prior.lastTransitionTime : now,
        };
      };
      const limited =
        raw > max
          ? condition(
              'ScalingLimited',
              'True',
              'TooManyReplicas',
              'the desired replica count is more than the maximum replica count',
            )
          : raw < min
            ? condition(
                'ScalingLimited',
                'True',
                'TooFewReplicas',
                'the desired replica count is less than the minimum replica count',
              )
            : condition(
                'ScalingLimited',
                'False',
                'DesiredWithinRange',
                'the desired count is within the acceptable range',
              );
      if (desired !== current) {
        target.spec.replicas = desired;
        this.store.update(T.deploy, target);
        this.event(
          hpa,
          'Normal',
          'SuccessfulRescale',
          `New size: ${desired}; reason: cpu resource utilization (percentage of request) ${desired > current ? 'above' : 'below'} target`,
          'horizontal-pod-autoscaler',
        );
      }
      const status = {
        currentReplicas: current,
        desiredReplicas: desired,
        currentMetrics: [
          {
            type: 'Resource',
            resource: { name: 'cpu', current: { averageUtilization: utilization } },
          },
        ],
        conditions: [
          condition(
            'AbleToScale',
            'True',
            'ReadyForNewScale',
            'recommended size matches current size',
          ),
          condition(
            'ScalingActive',
            'True',
            'ValidMetricFound',
            'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)',
          ),
          limited,
        ],
      };
      if (JSON.stringify(hpa.status) === JSON.stringify(status)) continue;
      hpa.status = status;
      this.store.update(T.hpa, hpa);
    }
  }

  /** The scheduler: the first node that is schedulable, tolerated and has room for the requests. */
  private schedule(scope: Scope | undefined): void {
    // Every unbound pod, whatever the scope: room freed anywhere may let one in.
    const unbound = [...this.index.unboundPods()];
    if (scope && unbound.length === 0) return;
    // Read, not copied (the scheduler changes no node), in the store's order: first fit.
    const nodes = [...this.store.peekAll(T.node)].sort(byKey) as Any[];
    const pods = scope
      ? (unbound
          .map((ref) => this.store.get(T.pod, ref.namespace, ref.name))
          .filter((p) => p !== undefined)
          .sort(byKey) as Any[])
      : // Only the unbound are copied (they are written); the bound are most of the cluster.
        ((this.store.peekAll(T.pod) as Any[])
          .filter((p) => !p.spec.nodeName && !p.metadata.deletionTimestamp)
          .sort(byKey)
          .map((p) => clone(p)) as Any[]);
    // What a node's pods request, from the index, live: the pods bound in this pass count,
    // and a node with a thousand pods is not summed again for every pod placed.
    const usedOn = (node: string, resource: 'cpu' | 'memory'): number =>
      this.index.requestedOn(node, resource);
    for (const pod of pods.filter((p) => !p.spec.nodeName && !p.metadata.deletionTimestamp)) {
      const reasons = new Map<string, number>();
      const note = (reason: string): void =>
        void reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
      // A claim still Pending holds the pod back before any node is tried, in the
      // scheduler's words (VolumeBinding's PreFilter); a bound or missing-phase claim passes.
      const unbound = (pod.spec.volumes ?? []).some((v: Any) => {
        const name = v.persistentVolumeClaim?.claimName;
        return (
          name &&
          (this.store.get(T.pvc, pod.metadata.namespace, name) as Any)?.status?.phase === 'Pending'
        );
      });
      const fit = unbound
        ? undefined
        : nodes.find((node) => {
            if (node.spec?.unschedulable) return (note('node(s) were unschedulable'), false);
            const taint = (node.spec?.taints ?? []).find(
              (t: Any) =>
                (t.effect === 'NoSchedule' || t.effect === 'NoExecute') &&
                !tolerates(pod.spec.tolerations ?? [], t),
            );
            if (taint)
              return (
                note(`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`),
                false
              );
            const selector = pod.spec.nodeSelector ?? {};
            if (Object.entries(selector).some(([k, v]) => node.metadata.labels?.[k] !== v))
              return (note("node(s) didn't match Pod's node affinity/selector"), false);
            for (const resource of ['cpu', 'memory'] as const) {
              const allocatable = parseQuantity(node.status?.allocatable?.[resource]) ?? Infinity;
              const used = usedOn(node.metadata.name, resource);
              if (used + requests(pod, resource) > allocatable)
                return (note(`Insufficient ${resource}`), false);
            }
            return true;
          });
      if (fit) {
        pod.spec.nodeName = fit.metadata.name;
        pod.status = {
          ...pod.status,
          phase: 'Pending',
          conditions: [
            { type: 'PodScheduled', status: 'True', lastTransitionTime: this.clock.iso() },
          ],
        };
        this.store.update(T.pod, pod);
        this.event(
          pod,
          'Normal',
          'Scheduled',
          `Successfully assigned ${pod.metadata.namespace}/${pod.metadata.name} to ${fit.metadata.name}`,
          'default-scheduler',
        );
      } else {
        const detail = unbound
          ? 'pod has unbound immediate PersistentVolumeClaims'
          : [...reasons.entries()]
              .map(([reason, n]) => `${n} ${reason}`)
              .sort()
              .join(', ');
        const message = `0/${nodes.length} nodes are available: ${detail}. preemption: 0/${nodes.length} nodes are available: ${nodes.length} Preemption is not helpful for scheduling.`;
        const condition = {
          type: 'PodScheduled',
          status: 'False',
          reason: 'Unschedulable',
          message,
        };
        if (
          JSON.stringify(pod.status?.conditions) !==
          JSON.stringify([
            { ...condition, lastTransitionTime: pod.status?.conditions?.[0]?.lastTransitionTime },
          ])
        ) {
          pod.status = {
            ...pod.status,
            phase: 'Pending',
            conditions: [
              {
                ...condition,
                lastTransitionTime:
                  pod.status?.conditions?.[0]?.lastTransitionTime ?? this.clock.iso(),
              },
            ],
          };
          this.store.update(T.pod, pod);
        }
        this.event(pod, 'Warning', 'FailedScheduling', message, 'default-scheduler');
      }
    }
  }

  private kubelets(scope: Scope | undefined): void {
    // The pods uncopied: the store replaces an object on a write and never changes one in
    // place, so each is a snapshot; a pod is copied only to be written.
    const pods = scope
      ? (scope.list(T.pod) as Any[])
      : ([...this.store.peekAll(T.pod)].sort(byKey) as Any[]);
    for (const pod of pods) {
      if (!pod.spec.nodeName || pod.metadata.deletionTimestamp) continue;
      // A node that stopped posting status posts none for its pods either: the node
      // lifecycle controller marks them not ready (MarkPodsNotReady) and nothing else moves.
      if (this.nodeNotReady(pod.spec.nodeName)) {
        const conditions: Any[] = pod.status?.conditions ?? [];
        const ready = conditions.find((c) => c.type === 'Ready');
        if (ready && ready.status !== 'False') {
          const written = clone(pod);
          const marked = (written.status.conditions as Any[]).find((c) => c.type === 'Ready');
          marked.status = 'False';
          marked.lastTransitionTime = this.clock.iso();
          this.store.update(T.pod, written);
        }
        continue;
      }
      const startTime: string = pod.status?.startTime ?? this.clock.iso();
      const withStart = { ...pod, status: { ...pod.status, startTime } };
      // Init containers run one after the other before the others: one that fails keeps
      // the pod in Init (Init:CrashLoopBackOff, Init:Error) and the others waiting.
      const inits = ((pod.spec.initContainers ?? []) as Any[]).map((c) => ({
        c,
        v: this.initView(withStart, c),
      }));
      const blocked = inits.some(({ v }) => !v.state.terminated || v.state.terminated.exitCode);
      const views = (pod.spec.containers as Any[]).map((c) => ({
        c,
        v: blocked
          ? {
              state: { waiting: { reason: 'PodInitializing' } },
              lastState: {},
              restartCount: 0,
              ready: false,
              started: false,
              events: [],
              logs: [],
              previousLogs: undefined,
            }
          : this.containerView(withStart, c),
      }));
      const running = views.some(({ v }) => v.state.running);
      const allReady = views.every(({ v }) => v.ready);
      const anyStarted = views.some(({ v }) => v.restartCount > 0 || v.state.running);
      const scheduled = (pod.status?.conditions ?? []).find(
        (c: Any) => c.type === 'PodScheduled',
      ) ?? { type: 'PodScheduled', status: 'True', lastTransitionTime: startTime };
      const previous: Any[] = pod.status?.conditions ?? [];
      const condition = (kind: string, ok: boolean, reason?: string): Any => {
        const prior = previous.find((c) => c.type === kind);
        const status = ok ? 'True' : 'False';
        return {
          type: kind,
          status,
          ...(reason && !ok ? { reason } : {}),
          lastTransitionTime:
            prior?.status === status ? prior.lastTransitionTime : this.clock.iso(),
        };
      };
      // Every container ended and none will restart: the pod succeeded or failed.
      const ended = !blocked && views.every(({ v }) => v.state.terminated);
      const phase = ended
        ? views.every(({ v }) => v.state.terminated.exitCode === 0)
          ? 'Succeeded'
          : 'Failed'
        : running || anyStarted
          ? 'Running'
          : 'Pending';
      const status = {
        phase,
        conditions: [
          condition('PodReadyToStartContainers', true),
          condition('Initialized', !blocked, 'ContainersNotInitialized'),
          condition('Ready', allReady, ended ? 'PodCompleted' : 'ContainersNotReady'),
          condition('ContainersReady', allReady, ended ? 'PodCompleted' : 'ContainersNotReady'),
          scheduled,
        ],
        hostIP: '10.0.0.1',
        podIP: podIp(pod.metadata.uid),
        podIPs: [{ ip: podIp(pod.metadata.uid) }],
        startTime,
        qosClass: pod.status?.qosClass ?? qosClass(pod.spec),
        ...(inits.length
          ? {
              initContainerStatuses: inits.map(({ c, v }) => ({
                name: c.name,
                image: c.image,
                imageID: v.started ? `${normaliseImage(c.image)}@sha256:${shaOf(c.image)}` : '',
                ready: Boolean(v.state.terminated && !v.state.terminated.exitCode),
                started: v.state.running !== undefined,
                restartCount: v.restartCount,
                state: v.state,
                lastState: v.lastState,
              })),
            }
          : {}),
        containerStatuses: views.map(({ c, v }) => ({
          name: c.name,
          image: c.image,
          imageID:
            v.started || v.restartCount > 0
              ? `${normaliseImage(c.image)}@sha256:${shaOf(c.image)}`
              : '',
          ready: v.ready,
          started: v.state.running !== undefined,
          restartCount: v.restartCount,
          state: v.state,
          lastState: v.lastState,
          ...(v.started || v.restartCount > 0
            ? {
                containerID: `containerd://${shaOf(`${pod.metadata.uid}/${c.name}/${v.restartCount}`)}`,
              }
            : {}),
        })),
      };
      // Compared without serialising: most steps change nothing.
      if (!sameJson(pod.status, status))
        this.store.update(T.pod, { ...pod, status: JSON.parse(JSON.stringify(status)) });
      for (const { v } of [...inits, ...views])
        for (const e of v.events) this.event(pod, e.type, e.reason, e.message, 'kubelet', e.count);
    }
  }

  /**
   * An init container: as any container, except that one whose image does not crash
   * runs to completion (exit 0) after a second, and one that crashes is restarted (the
   * pod's restartPolicy Always or OnFailure) in the same back-off.
   */
  private initView(pod: Any, container: Any): ContainerView {
    const view = this.containerView(pod, container);
    if (!view.state.running) return view;
    const facts = this.facts.images[container.image] ?? {};
    if (facts.crash || facts.liveness) return view;
    const started: string = view.state.running.startedAt;
    return {
      ...view,
      state: {
        terminated: {
          exitCode: 0,
          reason: 'Completed',
          startedAt: started,
          finishedAt: started,
        },
      },
      ready: false,
    };
  }

  /** Whether a node's kubelet stopped posting status (Ready Unknown or False). */
  private nodeNotReady(name: string): boolean {
    const node = this.store.peek(T.node, undefined, name) as Any;
    const ready = (node?.status?.conditions ?? []).find((c: Any) => c.type === 'Ready');
    return ready !== undefined && ready.status !== 'True';
  }

  /** A container's state at the clock's now, derived from the facts and the pod's start time. */
  containerView(pod: Any, container: Any): ContainerView {
    const podStart = Date.parse(pod.status?.startTime ?? this.clock.iso());
    const image: string = container.image;
    // A pull that failed is tried again only when its back-off ends (10 s doubling to
    // 5 min), however soon the registry is back: only a new pod pulls at once.
    const key = `${pod.metadata.uid}/${container.name}`;
    let pullError = this.pullError(image, pod.spec.nodeName);
    const failed = this.failedPulls.get(key);
    let start = podStart;
    if (pullError)
      this.failedPulls.set(key, { image, at: this.clock.now(), error: pullError, podStart });
    else if (failed?.image === image && failed.pulledAt === undefined) {
      const retry = podStart + nextPullAttempt((failed.at - podStart) / 1000) * 1000;
      if (this.clock.now() < retry) pullError = failed.error;
      else failed.pulledAt = retry;
    }
    if (!pullError && failed?.image === image && failed.pulledAt !== undefined)
      start = failed.pulledAt;
    let elapsed = Math.max(0, (this.clock.now() - (pullError ? podStart : start)) / 1000);
    const facts = this.facts.images[image] ?? {};
    const at = (seconds: number): string =>
      new Date(start + seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const view: ContainerView = {
      state: {},
      lastState: {},
      restartCount: 0,
      ready: false,
      started: false,
      events: [],
      logs: [],
      previousLogs: undefined,
    };
    // Volumes are mounted before any image is pulled: a Secret or ConfigMap volume whose
    // object is missing (not optional) keeps every container in ContainerCreating.
    const mountError = this.volumeError(pod);
    if (mountError) {
      view.state = { waiting: { reason: 'ContainerCreating' } };
      view.events.push({
        type: 'Warning',
        reason: 'FailedMount',
        message: `MountVolume.SetUp failed for volume "${mountError.volume}" : ${mountError.message}`,
        count: 1 + Math.floor(elapsed / 120),
      });
      return view;
    }
    if (pullError) {
      const attempts = 1 + backoffCount(elapsed);
      view.events.push(
        { type: 'Normal', reason: 'Pulling', message: `Pulling image "${image}"`, count: attempts },
        {
          type: 'Warning',
          reason: 'Failed',
          message: `Failed to pull image "${image}": ${pullError}`,
          count: attempts,
        },
        { type: 'Warning', reason: 'Failed', message: 'Error: ErrImagePull', count: attempts },
      );
      if (elapsed < 10)
        view.state = {
          waiting: {
            reason: 'ErrImagePull',
            message: `failed to pull and unpack image "${normaliseImage(image)}": ${pullError}`,
          },
        };
      else {
        view.state = {
          waiting: {
            reason: 'ImagePullBackOff',
            message: `Back-off pulling image "${image}": ErrImagePull: ${pullError}`,
          },
        };
        view.events.push(
          {
            type: 'Normal',
            reason: 'BackOff',
            message: `Back-off pulling image "${image}"`,
            count: attempts,
          },
          {
            type: 'Warning',
            reason: 'Failed',
            message: 'Error: ImagePullBackOff',
            count: attempts,
          },
        );
      }
      return view;
    }
    view.events.push({
      type: 'Normal',
      reason: 'Pulled',
      message: `Successfully pulled image "${image}" in 1.2s (1.2s including waiting). Image size: 52428800 bytes.`,
      count: 1,
    });
    // The kubelet builds the container's environment after the pull: a ConfigMap or
    // Secret it names (not optional) that is missing keeps the container from being
    // created, and the kubelet tries again on each sync until the object exists.
    const configError = this.configRefError(pod, container);
    if (configError) {
      this.configWaits.set(key, this.clock.now());
      view.state = { waiting: { reason: 'CreateContainerConfigError', message: configError } };
      view.events.push({
        type: 'Warning',
        reason: 'Failed',
        message: `Error: ${configError}`,
        count: 1 + backoffCount(elapsed),
      });
      return view;
    }
    const waitedUntil = this.configWaits.get(key);
    if (waitedUntil !== undefined && waitedUntil > start) {
      // Created at the kubelet's first sync after the object appeared.
      start = waitedUntil;
      elapsed = Math.max(0, (this.clock.now() - start) / 1000);
    }
    const limit = parseQuantity(container.resources?.limits?.memory);
    const need = parseQuantity(facts.memory);
    const oom = limit !== undefined && need !== undefined && need > limit;
    // An image built for another CPU: the runtime's exec of the entrypoint fails at once.
    const nodeArch = (this.store.peek(T.node, undefined, pod.spec.nodeName) as Any)?.metadata
      ?.labels?.['kubernetes.io/arch'];
    const wrongArch = facts.arch !== undefined && nodeArch !== undefined && facts.arch !== nodeArch;
    const liveness = !oom && !wrongArch && !facts.crash && facts.liveness;
    const probe = container.livenessProbe ?? {};
    const crash = oom
      ? { exitCode: 137, runSeconds: 3, reason: 'OOMKilled' }
      : wrongArch
        ? { exitCode: 1, runSeconds: 0, reason: 'Error' }
        : liveness
          ? {
              exitCode: 137,
              runSeconds:
                (probe.initialDelaySeconds ?? 0) +
                (probe.periodSeconds ?? 10) * (probe.failureThreshold ?? 3),
              reason: 'Error',
            }
          : facts.crash
            ? {
                exitCode: facts.crash.exitCode,
                runSeconds: facts.crash.runSeconds ?? 5,
                // A process that ends cleanly and is restarted anyway (a Deployment's
                // one-shot command): the kubelet says Completed.
                reason: facts.crash.exitCode === 0 ? 'Completed' : 'Error',
              }
            : undefined;
    const baseLogs = wrongArch
      ? [`exec ${container.command?.[0] ?? `/usr/local/bin/${container.name}`}: exec format error`]
      : (facts.logs ?? [`starting ${image}`]);
    if (!crash) {
      view.state = { running: { startedAt: at(1) } };
      view.started = true;
      view.ready = !facts.unready;
      view.logs = baseLogs;
      view.events.push(
        {
          type: 'Normal',
          reason: 'Created',
          message: `Created container: ${container.name}`,
          count: 1,
        },
        {
          type: 'Normal',
          reason: 'Started',
          message: `Started container ${container.name}`,
          count: 1,
        },
      );
      if (facts.unready)
        view.events.push({
          type: 'Warning',
          reason: 'Unhealthy',
          message: `Readiness probe failed: ${probeFailure(container.readinessProbe, podIp(pod.metadata.uid), 503)}`,
          count: 1 + Math.floor(elapsed / (container.readinessProbe?.periodSeconds ?? 10)),
        });
      return view;
    }
    // A pod that is not restarted (restartPolicy Never, or OnFailure and a clean exit):
    // the container runs once and stays terminated, as a Job's pods do.
    const policy: string = pod.spec.restartPolicy ?? 'Always';
    if (policy === 'Never' || (policy === 'OnFailure' && crash.exitCode === 0)) {
      const ends = 1 + crash.runSeconds;
      view.started = true;
      if (elapsed < ends) {
        view.state = { running: { startedAt: at(1) } };
        view.logs = baseLogs;
      } else {
        view.state = {
          terminated: {
            exitCode: crash.exitCode,
            reason: crash.exitCode === 0 ? 'Completed' : crash.reason,
            startedAt: at(1),
            finishedAt: at(ends),
            containerID: `containerd://${sha(`${pod.metadata.uid}/${container.name}/0`)}`,
          },
        };
        view.logs = crash.exitCode === 0 ? baseLogs : crashLogsOf(oom, baseLogs, facts);
      }
      view.events.push({
        type: 'Normal',
        reason: 'Started',
        message: `Started container ${container.name}`,
        count: 1,
      });
      return view;
    }
    // Run, crash, wait out the back-off (10 s doubling to 5 min), run again.
    const crashLogs = crashLogsOf(oom, baseLogs, facts);
    let t = 1;
    let crashes = 0;
    let lastCrash: { startedAt: string; finishedAt: string } | undefined;
    const times = oom ? undefined : facts.crash?.times;
    for (;;) {
      const ends = t + crash.runSeconds;
      if (elapsed < ends || (times !== undefined && crashes >= times)) {
        view.state = { running: { startedAt: at(t) } };
        view.started = true;
        view.logs = baseLogs;
        break;
      }
      crashes++;
      lastCrash = { startedAt: at(t), finishedAt: at(ends) };
      const wait = Math.min(10 * 2 ** (crashes - 1), 300);
      if (elapsed < ends + wait) {
        view.state = {
          waiting: {
            reason: 'CrashLoopBackOff',
            message: `back-off ${formatBackoff(wait)} restarting failed container=${container.name} pod=${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`,
          },
        };
        view.logs = crashLogs;
        view.started = true;
        break;
      }
      t = ends + wait;
    }
    view.restartCount = view.state.running
      ? crashes
      : Math.max(0, crashes - 1) + (crashes > 0 ? 1 : 0);
    if (lastCrash) {
      view.lastState = {
        terminated: {
          exitCode: crash.exitCode,
          reason: crash.reason,
          ...lastCrash,
          containerID: `containerd://${sha(`${pod.metadata.uid}/${container.name}/${crashes}`)}`,
        },
      };
      view.previousLogs = crashLogs;
      if (liveness)
        view.events.push(
          {
            type: 'Warning',
            reason: 'Unhealthy',
            message: `Liveness probe failed: ${probeFailure(probe, podIp(pod.metadata.uid), 500)}`,
            count: crashes * (probe.failureThreshold ?? 3),
          },
          {
            type: 'Normal',
            reason: 'Killing',
            message: `Container ${container.name} failed liveness probe, will be restarted`,
            count: crashes,
          },
        );
      view.events.push({
        type: 'Warning',
        reason: 'BackOff',
        message: `Back-off restarting failed container ${container.name} in pod ${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`,
        count: crashes,
      });
    }
    view.events.push({
      type: 'Normal',
      reason: 'Started',
      message: `Started container ${container.name}`,
      count: crashes + (view.state.running ? 1 : 0),
    });
    return view;
  }

  /**
   * What keeps a container's environment from being built, in the kubelet's words
   * (kubelet_pods.go makeEnvironmentVariables; its ConfigMap and Secret managers name
   * the resource in the singular), or undefined.
   */
  private configRefError(pod: Any, container: Any): string | undefined {
    const namespace: string = pod.metadata.namespace;
    const lookup = (kind: 'configmap' | 'secret', name: string): Any =>
      this.store.peek(kind === 'configmap' ? T.configMap : T.secret, namespace, name);
    const missing = (kind: 'configmap' | 'secret', name: string) => `${kind} "${name}" not found`;
    for (const from of (container.envFrom ?? []) as Any[]) {
      const ref = from.configMapRef ?? from.secretRef;
      if (!ref?.name || ref.optional) continue;
      const kind = from.configMapRef ? 'configmap' : 'secret';
      if (!lookup(kind, ref.name)) return missing(kind, ref.name);
    }
    for (const env of (container.env ?? []) as Any[]) {
      const ref = env.valueFrom?.configMapKeyRef ?? env.valueFrom?.secretKeyRef;
      if (!ref?.name || ref.optional) continue;
      const kind = env.valueFrom.configMapKeyRef ? 'configmap' : 'secret';
      const object = lookup(kind, ref.name);
      if (!object) return missing(kind, ref.name);
      const data = { ...object.data, ...object.binaryData, ...object.stringData };
      if (ref.key !== undefined && !(ref.key in data))
        return `couldn't find key ${ref.key} in ${kind === 'configmap' ? 'ConfigMap' : 'Secret'} ${namespace}/${ref.name}`;
    }
    return undefined;
  }

  /** A Secret or ConfigMap volume whose object is missing, in the kubelet's words, or undefined. */
  private volumeError(pod: Any): { volume: string; message: string } | undefined {
    for (const v of (pod.spec.volumes ?? []) as Any[]) {
      const source = v.secret ?? v.configMap;
      const name: string | undefined = v.secret ? source.secretName : source?.name;
      if (!source || !name || source.optional) continue;
      const kind = v.secret ? 'secret' : 'configmap';
      if (!this.store.peek(v.secret ? T.secret : T.configMap, pod.metadata.namespace, name))
        return { volume: v.name, message: `${kind} "${name}" not found` };
    }
    return undefined;
  }

  /** The error a node gets pulling an image from its registry, in containerd's words, or undefined. */
  private pullError(image: string, nodeName: string): string | undefined {
    const ref = normaliseImage(image);
    const host = ref.split('/')[0]!;
    const endpoint = host === 'docker.io' ? 'registry-1.docker.io' : host;
    const [repository, tag] = splitReference(ref);
    const manifest = `https://${endpoint}/v2/${repository.slice(host.length + 1)}/manifests/${tag}`;
    const skew = this.facts.nodeClockSkew[nodeName] ?? 0;
    if (Math.abs(skew) > 300) {
      const nodeNow = new Date(this.clock.now() + skew * 1000)
        .toISOString()
        .replace(/\.\d{3}Z$/, 'Z');
      const notBefore = new Date(this.clock.now() - 30 * 86400_000)
        .toISOString()
        .replace(/\.\d{3}Z$/, 'Z');
      return `failed to resolve reference "${ref}": failed to do request: Head "${manifest}": tls: failed to verify certificate: x509: certificate has expired or is not yet valid: current time ${nodeNow} is ${skew < 0 ? `before ${notBefore}` : 'after the certificate expiry'}`;
    }
    switch (this.facts.registries[host] ?? 'ok') {
      case 'unreachable':
        return `failed to resolve reference "${ref}": failed to do request: Head "${manifest}": dial tcp: lookup ${endpoint}: no such host`;
      case 'timeout':
        return `failed to resolve reference "${ref}": failed to do request: Head "${manifest}": dial tcp 44.205.64.79:443: i/o timeout`;
      case 'rate-limited':
        return `failed to copy: httpReadSeeker: failed open: unexpected status code ${manifest}: 429 Too Many Requests - Server message: toomanyrequests: You have reached your unauthenticated pull rate limit. https://www.docker.com/increase-rate-limit`;
      case 'unauthorized':
        return `failed to resolve reference "${ref}": pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed`;
      default:
        return this.facts.images[image]?.missing
          ? `failed to resolve reference "${ref}": ${ref}: not found`
          : undefined;
    }
  }

  private budgetStatus(pdb: Any): {
    desiredHealthy: number;
    currentHealthy: number;
    disruptionsAllowed: number;
    expectedPods: number;
  } {
    // Read, not copied: a budget's count must not cost a copy of its whole namespace.
    const pods = (this.store.peekAll(T.pod, pdb.metadata.namespace) as Any[]).filter(
      (p) =>
        !p.metadata.deletionTimestamp &&
        matchesLabelSelectorObject(pdb.spec?.selector, p.metadata.labels),
    );
    const healthy = pods.filter(isReady).length;
    const expected = pods.length;
    const desired =
      pdb.spec.minAvailable !== undefined
        ? resolveIntOrPercent(pdb.spec.minAvailable, expected, true)
        : expected - resolveIntOrPercent(pdb.spec.maxUnavailable ?? 0, expected, true);
    return {
      desiredHealthy: desired,
      currentHealthy: healthy,
      disruptionsAllowed: Math.max(0, healthy - desired),
      expectedPods: expected,
    };
  }

  /**
   * Kubelets report MemoryPressure when less than a tenth of a node's allocatable memory
   * is left (a common hard-eviction threshold), counting what each running container
   * uses: its image's `memory` fact. The node lifecycle controller mirrors the condition
   * as the memory-pressure NoSchedule taint. The sim's kubelet evicts nothing itself, so
   * only moving pods away (a drain) relieves a node.
   */
  private memoryPressure(scope: Scope | undefined): void {
    const nodes = this.listed(T.node, scope);
    const used = new Map<string, number>();
    // Only images with a `memory` fact use any: without one, no pod counts, and a node's
    // thousand pods are not read on every write that reaches it.
    const counts =
      Object.values(this.facts.images).some((f) => f?.memory !== undefined) ||
      Object.keys(this.facts.nodeConditions).length > 0;
    const pods = !counts
      ? []
      : scope
        ? nodes.flatMap((n) => this.index.podsOnNode(n.metadata.name) as Any[])
        : (this.store.list(T.pod) as Any[]);
    for (const pod of pods) {
      if (pod.status?.phase !== 'Running' || pod.metadata.deletionTimestamp) continue;
      const node: string = pod.spec.nodeName;
      for (const status of pod.status.containerStatuses ?? []) {
        if (!status.state?.running) continue;
        const container = (pod.spec.containers ?? []).find((c: Any) => c.name === status.name);
        const need = parseQuantity(this.facts.images[container?.image ?? '']?.memory) ?? 0;
        used.set(node, (used.get(node) ?? 0) + need);
      }
    }
    const TAINT = 'node.kubernetes.io/memory-pressure';
    for (const node of nodes) {
      const conditions: Any[] = node.status?.conditions ?? [];
      const condition = conditions.find((c) => c.type === 'MemoryPressure');
      const ready = conditions.find((c) => c.type === 'Ready');
      if (!condition || ready?.status !== 'True') continue;
      const allocatable = parseQuantity(node.status?.allocatable?.memory) ?? Infinity;
      const pressure =
        allocatable - (used.get(node.metadata.name) ?? 0) < allocatable / 10 ||
        this.imposed(node).includes('MemoryPressure');
      const taints: Any[] = node.spec?.taints ?? [];
      const tainted = taints.some((t) => t.key === TAINT);
      if ((condition.status === 'True') === pressure && tainted === pressure) continue;
      Object.assign(condition, {
        status: pressure ? 'True' : 'False',
        reason: pressure ? 'KubeletHasInsufficientMemory' : 'KubeletHasSufficientMemory',
        message: pressure
          ? 'kubelet has insufficient memory available'
          : 'kubelet has sufficient memory available',
        lastTransitionTime: this.clock.iso(),
      });
      const rest = taints.filter((t) => t.key !== TAINT);
      const next = pressure ? [...rest, { key: TAINT, effect: 'NoSchedule' }] : rest;
      node.spec = { ...node.spec, taints: next.length ? next : undefined };
      if (!node.spec.taints) delete node.spec.taints;
      this.store.update(T.node, node);
    }
  }

  private disruptionBudgets(scope: Scope | undefined): void {
    for (const pdb of this.listed(T.pdb, scope)) {
      const status = { ...this.budgetStatus(pdb), observedGeneration: pdb.metadata.generation };
      if (JSON.stringify(pdb.status ?? {}) === JSON.stringify({ ...pdb.status, ...status }))
        continue;
      pdb.status = { ...pdb.status, ...status };
      this.store.update(T.pdb, pdb);
    }
  }

  /**
   * Argo CD: an app manages the Deployments of its destination namespace and, in any
   * namespace, those with its tracking label (app.kubernetes.io/instance: <app>); its
   * health follows them. Sync operations and hard refreshes are processed.
   */
  private applications(scope: Scope | undefined): void {
    if (scope && !scope.has(T.app)) return;
    const all = this.store.list(T.deploy) as Any[];
    for (const app of this.listed(T.app, scope)) {
      const namespace = app.spec?.destination?.namespace;
      const deployments = all.filter(
        (d) =>
          (namespace !== undefined && d.metadata.namespace === namespace) ||
          d.metadata.labels?.['app.kubernetes.io/instance'] === app.metadata.name,
      );
      const healths = deployments.map((d) => ({ d, health: argoDeploymentHealth(d) }));
      // The application is as healthy as its least healthy resource, in Argo CD's order.
      const worst = healths.reduce<{ d: Any; health: ArgoHealth } | undefined>(
        (w, h) =>
          !w ||
          ARGO_HEALTH_ORDER.indexOf(h.health.status) > ARGO_HEALTH_ORDER.indexOf(w.health.status)
            ? h
            : w,
        undefined,
      );
      const next = structuredClone(app);
      next.status ??= {};
      next.status.health =
        worst && worst.health.status !== 'Healthy'
          ? {
              status: worst.health.status,
              ...(worst.health.message ? { message: worst.health.message } : {}),
            }
          : { status: 'Healthy' };
      next.status.sync ??= {
        status: 'Synced',
        revision: '0000000000000000000000000000000000000000',
      };
      next.status.resources = healths.map(({ d, health }) => ({
        group: 'apps',
        version: 'v1',
        kind: 'Deployment',
        namespace: d.metadata.namespace,
        name: d.metadata.name,
        status: 'Synced',
        health,
      }));
      if (next.operation?.sync) {
        const revision: string = next.operation.sync.revision ?? next.status.sync.revision;
        next.status.operationState = {
          operation: next.operation,
          phase: 'Succeeded',
          message: 'successfully synced (all tasks run)',
          startedAt: this.clock.iso(),
          finishedAt: this.clock.iso(),
          syncResult: { revision },
        };
        next.status.sync.status = 'Synced';
        next.status.sync.revision = revision;
        // Argo CD records each sync in the history, newest last, ids counting up.
        const history: Any[] = next.status.history ?? [];
        next.status.history = [
          ...history,
          {
            id: (history.at(-1)?.id ?? -1) + 1,
            revision,
            deployStartedAt: this.clock.iso(),
            deployedAt: this.clock.iso(),
            ...(next.spec?.source ? { source: next.spec.source } : {}),
          },
        ].slice(-10);
        delete next.operation;
      }
      if (next.metadata.annotations?.['argocd.argoproj.io/refresh']) {
        delete next.metadata.annotations['argocd.argoproj.io/refresh'];
        next.status.reconciledAt = this.clock.iso();
      }
      if (JSON.stringify(next) !== JSON.stringify(app)) this.store.update(T.app, next);
    }
  }

  /** Records an event the way the event recorder does: repeats raise count and lastTimestamp. */
  private event(
    object: Any,
    kind: string,
    reason: string,
    message: string,
    component: string,
    count = 1,
  ): void {
    const namespace = object.metadata.namespace ?? 'default';
    const name = `${object.metadata.name}.${eventSuffix(`${object.metadata.uid}/${reason}/${message}`)}`;
    // Most calls repeat an event already counted: read it uncopied, copy only to write.
    const stored = this.store.peek(T.event, namespace, name) as Any | undefined;
    if (stored) {
      if (stored.count >= count) return;
      const existing = clone(stored);
      existing.count = count;
      existing.lastTimestamp = this.clock.iso();
      this.store.update(T.event, existing);
      return;
    }
    this.store.create(T.event, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: {
        apiVersion: object.apiVersion ?? apiVersionOf(T.pod),
        kind: object.kind,
        namespace: object.metadata.namespace,
        name: object.metadata.name,
        uid: object.metadata.uid,
        resourceVersion: object.metadata.resourceVersion,
      },
      reason,
      message,
      source: { component, ...(component === 'kubelet' ? { host: object.spec?.nodeName } : {}) },
      firstTimestamp: this.clock.iso(),
      lastTimestamp: this.clock.iso(),
      count,
      type: kind,
      reportingComponent: component,
      reportingInstance: component === 'kubelet' ? (object.spec?.nodeName ?? '') : '',
    } as unknown as KObject);
  }
}

/** The tolerations the DaemonSet controller adds to its pods. */
interface ArgoHealth {
  status: 'Healthy' | 'Suspended' | 'Progressing' | 'Missing' | 'Degraded' | 'Unknown';
  message?: string;
}

/** Argo CD's order of health, best first (gitops-engine health.IsWorse). */
const ARGO_HEALTH_ORDER = ['Healthy', 'Suspended', 'Progressing', 'Missing', 'Degraded', 'Unknown'];

/** A Deployment's health as Argo CD (gitops-engine's getAppsv1DeploymentHealth) words it. */
export function argoDeploymentHealth(d: Any): ArgoHealth {
  if (d.spec?.paused) return { status: 'Suspended', message: 'Deployment is paused' };
  const status = d.status ?? {};
  if ((d.metadata.generation ?? 0) > (status.observedGeneration ?? 0))
    return {
      status: 'Progressing',
      message:
        'Waiting for rollout to finish: observed deployment generation less than desired generation',
    };
  const progressing = (status.conditions ?? []).find((c: Any) => c.type === 'Progressing');
  const replicas: number | undefined = d.spec?.replicas;
  const updated: number = status.updatedReplicas ?? 0;
  if (progressing?.reason === 'ProgressDeadlineExceeded')
    return {
      status: 'Degraded',
      message: `Deployment "${d.metadata.name}" exceeded its progress deadline`,
    };
  if (replicas !== undefined && updated < replicas)
    return {
      status: 'Progressing',
      message: `Waiting for rollout to finish: ${updated} out of ${replicas} new replicas have been updated...`,
    };
  if ((status.replicas ?? 0) > updated)
    return {
      status: 'Progressing',
      message: `Waiting for rollout to finish: ${(status.replicas ?? 0) - updated} old replicas are pending termination...`,
    };
  if ((status.availableReplicas ?? 0) < updated)
    return {
      status: 'Progressing',
      message: `Waiting for rollout to finish: ${status.availableReplicas ?? 0} of ${updated} updated replicas are available...`,
    };
  return { status: 'Healthy' };
}

const DAEMONSET_TOLERATIONS = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
];

/**
 * A pod's QoS class by the Kubernetes rules: Guaranteed when every container has CPU and
 * memory limits and its requests (defaulted to the limits) equal them; BestEffort when no
 * container requests or limits either; Burstable otherwise.
 */
export function qosClass(spec: Any): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const containers: Any[] = [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])];
  const COMPUTE = ['cpu', 'memory'];
  let any = false;
  let guaranteed = containers.length > 0;
  for (const c of containers) {
    const limits = c.resources?.limits ?? {};
    const requests = c.resources?.requests ?? {};
    for (const name of COMPUTE) {
      if (limits[name] !== undefined || requests[name] !== undefined) any = true;
      const limit = parseQuantity(limits[name]);
      const request = parseQuantity(requests[name] ?? limits[name]);
      if (limit === undefined || request !== limit) guaranteed = false;
    }
  }
  return guaranteed ? 'Guaranteed' : any ? 'Burstable' : 'BestEffort';
}

/** A cluster IP in 10.96.0.0/12 derived from the service's key; 10.96.0.1 is the API server's. */
function serviceIp(key: string): string {
  const h = createHash('sha256').update(key).digest();
  return `10.${96 + (h[0]! % 16)}.${h[1]}.${2 + (h[2]! % 250)}`;
}

export function isReady(pod: Any): boolean {
  return (pod.status?.conditions ?? []).some((c: Any) => c.type === 'Ready' && c.status === 'True');
}

const requests = podRequests;

function tolerates(tolerations: Any[], taint: Any): boolean {
  return tolerations.some((t) => {
    const keyMatches =
      t.operator === 'Exists'
        ? !t.key || t.key === taint.key
        : t.key === taint.key && (t.value ?? '') === (taint.value ?? '');
    return keyMatches && (!t.effect || t.effect === taint.effect);
  });
}

function resolveIntOrPercent(value: number | string, total: number, roundUp: boolean): number {
  if (typeof value === 'number') return value;
  const percent = /^(\d+)%$/.exec(value);
  if (!percent)
    throw new KubeError(422, 'Invalid', `invalid value for IntOrString: invalid value "${value}"`);
  const exact = (Number(percent[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/** docker.io/library/ is what a bare image name means. */
export function normaliseImage(image: string): string {
  let ref = image;
  const first = ref.split('/')[0]!;
  if (
    !ref.includes('/') ||
    !(first.includes('.') || first.includes(':') || first === 'localhost')
  ) {
    ref = `docker.io/${ref.includes('/') ? ref : `library/${ref}`}`;
  }
  if (!/[:@][^/]+$/.test(ref)) ref = `${ref}:latest`;
  return ref;
}

function splitReference(ref: string): [string, string] {
  const at = ref.lastIndexOf('@');
  if (at > 0) return [ref.slice(0, at), ref.slice(at + 1)];
  const colon = ref.lastIndexOf(':');
  return [ref.slice(0, colon), ref.slice(colon + 1)];
}

/** Seconds after the pod started of the kubelet's first pull attempt after `after`. */
function nextPullAttempt(after: number): number {
  let t = 0;
  for (let n = 0; t <= after && n < 1000; n++) t += Math.min(10 * 2 ** n, 300);
  return t;
}

function backoffCount(elapsed: number): number {
  let t = 0;
  let n = 0;
  while (t <= elapsed && n < 1000) {
    t += Math.min(10 * 2 ** n, 300);
    n++;
  }
  return n - 1;
}

function formatBackoff(seconds: number): string {
  return seconds >= 60 ? `${Math.floor(seconds / 60)}m${seconds % 60}s` : `${seconds}s`;
}

/** What a container that exited printed: an OOM kill leaves no last word. */
function crashLogsOf(oom: boolean, baseLogs: string[], facts: ImageFacts): string[] {
  return oom ? baseLogs : [...baseLogs, ...(facts.crash?.message ? [facts.crash.message] : [])];
}

/** A failed probe in the prober's words (pkg/probe/http, tcp, exec), by the probe's kind. */
function formatBytes(n: number): string {
  for (const [unit, size] of [
    ['Gi', 2 ** 30],
    ['Mi', 2 ** 20],
    ['Ki', 2 ** 10],
  ] as const)
    if (n % size === 0 && n >= size) return `${n / size}${unit}`;
  return String(n);
}

function formatCpu(n: number): string {
  return Number.isInteger(n) ? String(n) : `${Math.round(n * 1000)}m`;
}

function probeFailure(probe: Any, ip: string, status: number): string {
  if (probe?.tcpSocket)
    return `dial tcp ${ip}:${probe.tcpSocket.port}: connect: connection refused`;
  if (probe?.exec)
    return `command ${JSON.stringify((probe.exec.command ?? []).join(' '))} exited with 1`;
  return `HTTP probe failed with statuscode: ${status}`;
}

const sha = (text: string): string => createHash('sha256').update(text).digest('hex');

/**
 * An event's name suffix, remembered: the kubelets re-record the same events every step,
 * and hashing each again was a tenth of the simulator's time. Bounded, as a long-running
 * emulator records ever new messages.
 */
const eventSuffixes = new Map<string, string>();
const shas = new Map<string, string>();
/** sha, remembered: image and container IDs are hashed again for every pod every step. */
const shaOf = (text: string): string => remembered(shas, text, sha);
const eventSuffix = (key: string): string =>
  remembered(eventSuffixes, key, (text) => sha(text).slice(0, 16));

/** `derive(key)`, remembered in `cache`; bounded, as a long-running emulator sees ever more keys. */
function remembered(
  cache: Map<string, string>,
  key: string,
  derive: (key: string) => string,
): string {
  let found = cache.get(key);
  if (found === undefined) {
    if (cache.size >= 50_000) cache.clear();
    found = derive(key);
    cache.set(key, found);
  }
  return found;
}

/**
 * The pod-template-hash: stable for a template, as the Deployment controller computes
 * one. The real controller hashes the typed object, so null, empty and key-order
 * differences (kubectl sends `creationTimestamp: null` and `resources: {}`) do not count.
 */
function templateHash(template: unknown): string {
  return remembered(templateHashes, JSON.stringify(canonical(template) ?? {}), hashTemplate);
}

const templateHashes = new Map<string, string>();
function hashTemplate(text: string): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  const digest = createHash('sha256').update(text).digest();
  return Array.from(digest.subarray(0, 10), (b) => alphabet[b % alphabet.length]).join('');
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(canonical).filter((v) => v !== undefined);
    return items.length > 0 ? items : undefined;
  }
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const v = canonical((value as Record<string, unknown>)[key]);
    if (v !== undefined) out[key] = v;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function suffix(): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  return Array.from(randomBytes(5), (b) => alphabet[b % alphabet.length]).join('');
}

function podIp(uid: string): string {
  const digest = createHash('sha256').update(uid).digest();
  return `10.244.${digest[0]! % 8}.${(digest[1]! % 250) + 2}`;
}
