// What the cluster says, now, about each open incident's targets: healthy, unhealthy, or
// cannot tell, with one line in the cluster's own words. The sweep closes an incident on
// it, so the cost must not grow with the incidents: objects are read by list calls, one
// per (kind, namespace) that has targets (and one of pods per such namespace for the kinds
// judged by their pods), never a GET per target. KubeClient.list pages by 500, so a large
// namespace costs one request per 500 objects, still independent of the incident count.
// What "healthy" means for each kind is the table RULES below.
import type {
  KubernetesObject,
  V1Condition,
  V1DaemonSet,
  V1Deployment,
  V1Job,
  V1Node,
  V1PersistentVolumeClaim,
  V1Pod,
  V1ReplicaSet,
  V1StatefulSet,
} from '@kubernetes/client-node';
import { FLUX_KINDS, type FluxKind } from '../alerts/flux.js';
import { apiErrorLine, type KubeClient } from '../kube/client.js';
import { formatTargetRef, type TargetKind, type TargetRef } from '../incidents/target-ref.js';
import { CORDONED_BY } from '../remediation/playbooks/node.js';
import { mapLimit } from '../shared/pool.js';
import { isLive, podTrouble } from '../kube/pod-health.js';

export { podTrouble };

export interface Observation {
  /** null: cannot tell (kind not observed, API not installed, forbidden, API error). */
  healthy: boolean | null;
  /** One line in the cluster's own words, starting with the target. */
  detail: string;
  /** The object no longer exists; `healthy` is then true (see `gone` below). */
  gone?: boolean;
  /** Nodes: the `kubemend.io/cordoned-by` annotation's value (the incident id), when set. */
  cordonedBy?: string;
  /** Nodes: spec.unschedulable (cordoned by anyone). */
  unschedulable?: boolean;
}

export interface ObserveOptions {
  /** Where Argo CD's Applications live (playbooks.argocd.namespace). */
  argocdNamespace: string;
  /** Lists in flight at once (default 4): a sweep is background work. */
  concurrency?: number;
}

/** A list the rules need: one kind in one namespace (none for cluster-scoped kinds). */
interface Source {
  apiVersion: string;
  kind: string;
  /** `deployments.apps`: how RBAC names it, for the line saying what to grant. */
  resource: string;
}

interface Rule {
  /** The objects of the kind; absent when the kind is judged by its pods alone. */
  source?: Source;
  /** Whether the target's pods (from one pod list per namespace) take part. */
  pods: boolean;
  /** The verdict on an object that exists (for `Workload`, `object` is undefined). */
  judge: (name: string, object: KubernetesObject | undefined, pods: V1Pod[]) => Verdict;
  /** The target's pods among the namespace's. */
  owns?: (name: string, pod: V1Pod) => boolean;
}

type Verdict = Pick<Observation, 'healthy' | 'detail' | 'cordonedBy' | 'unschedulable' | 'gone'>;

const POD: Source = { apiVersion: 'v1', kind: 'Pod', resource: 'pods' };

const live = isLive;

/** The first troubled pod, and how many more, as `pod NAME: REASON (+N more)`. */
function troubles(pods: V1Pod[]): string | undefined {
  const bad = pods
    .filter(live)
    .map((p) => [p.metadata?.name ?? '?', podTrouble(p)] as const)
    .filter(([, t]) => t !== undefined);
  const [first] = bad;
  if (!first) return undefined;
  return `pod ${first[0]}: ${first[1]}${bad.length > 1 ? ` (+${bad.length - 1} more)` : ''}`;
}

const controlledBy =
  (kind: string) =>
  (name: string, pod: V1Pod): boolean =>
    (pod.metadata?.ownerReferences ?? []).some(
      (r) => r.controller && r.kind === kind && r.name === name,
    );

/** A Deployment's pods belong to its ReplicaSets, each named `<deployment>-<pod-template-hash>`. */
const ownedByDeployment = (name: string, pod: V1Pod): boolean => {
  const hash = pod.metadata?.labels?.['pod-template-hash'];
  return hash !== undefined && controlledBy('ReplicaSet')(`${name}-${hash}`, pod);
};

interface Rollout {
  observed: boolean;
  desired: number;
  ready: number;
  /** Pods of the current template; undefined for kinds without revisions (ReplicaSet). */
  updated: number | undefined;
  /** All pods, old ones included: more than desired while a rollout still runs. */
  total: number;
  /** A reason the controller gave up, e.g. ProgressDeadlineExceeded. */
  stalled?: string;
}

/** Rolled out (the controller saw the latest spec, every pod current and ready) and no pod in trouble. */
function judgeRollout(label: string, r: Rollout, pods: V1Pod[]): Verdict {
  const rolledOut =
    r.observed &&
    r.ready === r.desired &&
    r.total === r.desired &&
    (r.updated === undefined || r.updated === r.desired);
  const trouble = troubles(pods);
  const progress = !r.observed
    ? 'the controller has not seen the latest spec'
    : rolledOut
      ? 'rolled out'
      : r.updated !== undefined
        ? `${r.updated}/${r.desired} updated${r.total > r.desired ? `, ${r.total - r.desired} old pod(s) left` : ''}`
        : `${r.total}/${r.desired} pods`;
  const parts = [
    `${r.ready}/${r.desired} ready`,
    progress,
    ...(r.stalled ? [r.stalled] : []),
    ...(trouble ? [trouble] : []),
  ];
  return { healthy: rolledOut && !trouble, detail: `${label}: ${parts.join(', ')}` };
}

const generationSeen = (o: { metadata?: { generation?: number }; status?: object }): boolean =>
  ((o.status as { observedGeneration?: number } | undefined)?.observedGeneration ?? 0) >=
  (o.metadata?.generation ?? 0);

const condition = (
  conditions: { type: string; status: string; reason?: string; message?: string }[] | undefined,
  type: string,
) => conditions?.find((c) => c.type === type);

const RULES: Partial<Record<TargetKind, Rule>> = {
  Deployment: {
    source: { apiVersion: 'apps/v1', kind: 'Deployment', resource: 'deployments.apps' },
    pods: true,
    owns: ownedByDeployment,
    judge: (label, object, pods) => {
      const d = object as V1Deployment;
      const progressing = condition(d.status?.conditions, 'Progressing');
      return judgeRollout(
        label,
        {
          observed: generationSeen(d),
          desired: d.spec?.replicas ?? 1,
          ready: d.status?.readyReplicas ?? 0,
          updated: d.status?.updatedReplicas ?? 0,
          total: d.status?.replicas ?? 0,
          ...(progressing?.status === 'False' && progressing.reason
            ? { stalled: progressing.reason }
            : {}),
        },
        pods,
      );
    },
  },
  StatefulSet: {
    source: { apiVersion: 'apps/v1', kind: 'StatefulSet', resource: 'statefulsets.apps' },
    pods: true,
    owns: controlledBy('StatefulSet'),
    judge: (label, object, pods) => {
      const s = object as V1StatefulSet;
      return judgeRollout(
        label,
        {
          observed: generationSeen(s),
          desired: s.spec?.replicas ?? 1,
          ready: s.status?.readyReplicas ?? 0,
          updated: s.status?.updatedReplicas ?? 0,
          total: s.status?.replicas ?? 0,
        },
        pods,
      );
    },
  },
  DaemonSet: {
    source: { apiVersion: 'apps/v1', kind: 'DaemonSet', resource: 'daemonsets.apps' },
    pods: true,
    owns: controlledBy('DaemonSet'),
    judge: (label, object, pods) => {
      const s = (object as V1DaemonSet).status;
      return judgeRollout(
        label,
        {
          observed: generationSeen(object as V1DaemonSet),
          desired: s?.desiredNumberScheduled ?? 0,
          ready: s?.numberReady ?? 0,
          updated: s?.updatedNumberScheduled ?? 0,
          total: s?.currentNumberScheduled ?? 0,
        },
        pods,
      );
    },
  },
  ReplicaSet: {
    source: { apiVersion: 'apps/v1', kind: 'ReplicaSet', resource: 'replicasets.apps' },
    pods: true,
    owns: controlledBy('ReplicaSet'),
    judge: (label, object, pods) => {
      const r = object as V1ReplicaSet;
      return judgeRollout(
        label,
        {
          observed: generationSeen(r),
          desired: r.spec?.replicas ?? 1,
          ready: r.status?.readyReplicas ?? 0,
          updated: undefined,
          total: r.status?.replicas ?? 0,
        },
        pods,
      );
    },
  },
  Job: {
    source: { apiVersion: 'batch/v1', kind: 'Job', resource: 'jobs.batch' },
    pods: true,
    owns: controlledBy('Job'),
    judge: (label, object, pods) => judgeJob(label, object as V1Job, pods),
  },
  // An owner whose kind nothing told: its pods are the only evidence, matched by name.
  Workload: {
    pods: true,
    owns: (name, pod) => (pod.metadata?.name ?? '').startsWith(`${name}-`),
    judge: (label, _object, pods) => judgeWorkloadPods(label, pods),
  },
  Node: {
    source: { apiVersion: 'v1', kind: 'Node', resource: 'nodes' },
    pods: false,
    judge: (label, object) => judgeNode(label, object as V1Node),
  },
  Application: {
    source: {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      resource: 'applications.argoproj.io',
    },
    pods: false,
    judge: (label, object) => {
      const status = (
        object as {
          status?: { health?: { status?: string; message?: string }; sync?: { status?: string } };
        }
      ).status;
      const health = status?.health?.status ?? 'Unknown';
      const sync = status?.sync?.status ?? 'Unknown';
      const message = status?.health?.message;
      return {
        healthy: health === 'Healthy' && sync === 'Synced',
        detail: `${label}: health ${health}, sync ${sync}${message ? `: ${message}` : ''}`,
      };
    },
  },
  PersistentVolumeClaim: {
    source: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', resource: 'persistentvolumeclaims' },
    pods: false,
    judge: (label, object) => {
      const pvc = object as V1PersistentVolumeClaim;
      const phase = pvc.status?.phase ?? 'Pending';
      // A claim stuck terminating is still Bound: the storage playbook's problem, not healed.
      const deleting = pvc.metadata?.deletionTimestamp;
      return {
        healthy: phase === 'Bound' && !deleting,
        detail: `${label}: ${phase}${deleting ? `, terminating since ${new Date(deleting).toISOString()} (finalizers: ${(pvc.metadata?.finalizers ?? []).join(', ') || 'none'})` : ''}`,
      };
    },
  },
  Certificate: {
    source: {
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      resource: 'certificates.cert-manager.io',
    },
    pods: false,
    judge: (label, object) => {
      const ready = condition(
        (object as { status?: { conditions?: V1Condition[] } }).status?.conditions,
        'Ready',
      );
      return {
        healthy: ready?.status === 'True',
        detail: `${label}: Ready=${ready?.status ?? 'Unknown'}${ready?.reason ? ` (${ready.reason})` : ''}${ready?.message && ready.status !== 'True' ? `: ${ready.message}` : ''}`,
      };
    },
  },
  Kustomization: fluxRule('Kustomization'),
  HelmRelease: fluxRule('HelmRelease'),
  // CronJob and Rollout are not observed (healthy null): a CronJob's health is its next
  // Job's, and Argo Rollouts is rarely installed; the sweep leaves those to the source.
};

/**
 * A Flux object is healthy when its Ready condition is True for its current generation;
 * a suspended one is left to the source (Flux reconciles nothing while suspended).
 */
function fluxRule(kind: FluxKind): Rule {
  const { apiVersion, resource } = FLUX_KINDS[kind];
  return {
    source: { apiVersion, kind, resource },
    pods: false,
    judge: (label, object) => {
      const o = object as {
        metadata?: { generation?: number };
        spec?: { suspend?: boolean };
        status?: { conditions?: V1Condition[] };
      };
      if (o.spec?.suspend === true) return { healthy: null, detail: `${label}: suspended` };
      const ready = o.status?.conditions?.find((c) => c.type === 'Ready');
      const current = (ready?.observedGeneration ?? 0) >= (o.metadata?.generation ?? 0);
      return {
        healthy: ready?.status === 'True' && current,
        detail: `${label}: Ready=${ready?.status ?? 'Unknown'}${ready?.reason ? ` (${ready.reason})` : ''}${ready?.message && ready.status !== 'True' ? `: ${ready.message}` : ''}${current ? '' : ', a newer generation not yet reconciled'}`,
      };
    },
  };
}

/**
 * Complete is healthy; Failed is not; a Job still running is healthy while its failures
 * stay within backoffLimit and none of its pods is stuck (it is doing what it should).
 */
function judgeJob(label: string, job: V1Job, pods: V1Pod[]): Verdict {
  const complete = condition(job.status?.conditions, 'Complete');
  const failed = condition(job.status?.conditions, 'Failed');
  const failures = job.status?.failed ?? 0;
  const limit = job.spec?.backoffLimit ?? 6;
  if (complete?.status === 'True')
    return { healthy: true, detail: `${label}: complete, ${job.status?.succeeded ?? 0} succeeded` };
  if (failed?.status === 'True')
    return {
      healthy: false,
      detail: `${label}: failed${failed.reason ? ` (${failed.reason})` : ''}${failed.message ? `: ${failed.message}` : ''}`,
    };
  if (job.spec?.suspend) return { healthy: null, detail: `${label}: suspended` };
  const active = job.status?.active ?? 0;
  const trouble = troubles(pods);
  const running = `${active} active, ${failures} failed of backoffLimit ${limit}`;
  return {
    healthy: active > 0 && failures <= limit && !trouble,
    detail: `${label}: ${active > 0 ? running : `not running, ${failures} failed`}${trouble ? `, ${trouble}` : ''}`,
  };
}

function judgeWorkloadPods(label: string, pods: V1Pod[]): Verdict {
  const running = pods.filter(live);
  if (running.length === 0) {
    const failed = pods.find((p) => p.status?.phase === 'Failed' && !p.metadata?.deletionTimestamp);
    if (failed && !pods.some((p) => p.status?.phase === 'Succeeded'))
      return {
        healthy: false,
        detail: `${label}: pod ${failed.metadata?.name}: Failed${failed.status?.reason ? ` (${failed.status.reason})` : ''}`,
      };
  }
  const ready = running.filter(
    (p) =>
      p.status?.phase === 'Running' && condition(p.status?.conditions, 'Ready')?.status === 'True',
  );
  const trouble = troubles(running);
  return {
    healthy: ready.length === running.length && !trouble,
    detail: `${label}: ${ready.length}/${running.length} pod(s) running and ready${trouble ? `, ${trouble}` : ''}`,
  };
}

const PRESSURES = ['MemoryPressure', 'DiskPressure', 'PIDPressure'];

/** Ready and under no pressure; a cordon is reported beside the verdict, not as trouble. */
function judgeNode(label: string, node: V1Node): Verdict {
  const conditions = node.status?.conditions;
  const ready = condition(conditions, 'Ready');
  const pressures = PRESSURES.filter((t) => condition(conditions, t)?.status === 'True');
  const cordonedBy = node.metadata?.annotations?.[CORDONED_BY];
  const unschedulable = node.spec?.unschedulable === true;
  const readiness =
    ready?.status === 'True'
      ? 'Ready'
      : `${ready?.status === 'False' ? 'NotReady' : `Ready=${ready?.status ?? 'Unknown'}`}${ready?.reason ? ` (${ready.reason})` : ''}`;
  const cordon = !unschedulable
    ? 'schedulable'
    : cordonedBy
      ? `cordoned by kubemend (incident ${cordonedBy})`
      : 'cordoned (not by kubemend)';
  return {
    healthy: ready?.status === 'True' && pressures.length === 0,
    detail: `${label}: ${[readiness, ...pressures, cordon].join(', ')}`,
    unschedulable,
    ...(cordonedBy ? { cordonedBy } : {}),
  };
}

/** Where a target's objects are listed: the Application's namespace is the config's. */
function namespaceOf(ref: TargetRef, options: ObserveOptions): string | undefined {
  if (ref.kind === 'Application') return options.argocdNamespace;
  if (ref.kind === 'Node') return undefined;
  return ref.namespace;
}

type Listed = { items: KubernetesObject[] } | { cannotTell: string };

const listKey = (source: Source, namespace: string | undefined) =>
  `${source.apiVersion}|${source.kind}|${namespace ?? ''}`;

/** Why a list failed, as what a person can act on: the RBAC grant missing, the API absent. */
function whyNot(error: unknown, source: Source, namespace: string | undefined): string {
  const where = namespace ? ` in namespace ${namespace}` : '';
  // client-node's ApiException carries the HTTP status as `code` (its class stays in src/kube/).
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 403)
    return `cannot tell: forbidden, the identity lacks RBAC verb list on ${source.resource}${where}`;
  // A group version the API server does not serve: client-node's discovery answers 404,
  // or the group exists without the kind.
  if (
    code === 404 ||
    (error instanceof Error && error.message.startsWith('Unrecognized API version and kind'))
  )
    return `cannot tell: the cluster does not serve ${source.apiVersion} ${source.kind} (not installed)`;
  return `cannot tell: listing ${source.resource}${where} failed: ${apiErrorLine(error)}`;
}

/**
 * Observes every target with one list per (kind, namespace) and one pod list per
 * namespace whose targets are judged by their pods. Keyed by formatTargetRef; a target
 * that appears twice is observed once.
 */
export async function observeTargets(
  client: KubeClient,
  refs: TargetRef[],
  options: ObserveOptions,
): Promise<Map<string, Observation>> {
  const targets = new Map(refs.map((ref) => [formatTargetRef(ref), ref]));
  const lists = new Map<string, { source: Source; namespace: string | undefined }>();
  const need = (source: Source, namespace: string | undefined) =>
    lists.set(listKey(source, namespace), { source, namespace });
  for (const ref of targets.values()) {
    const rule = RULES[ref.kind];
    const namespace = namespaceOf(ref, options);
    if (!rule || (ref.kind !== 'Node' && !namespace)) continue;
    if (rule.source) need(rule.source, namespace);
    if (rule.pods) need(POD, namespace);
  }

  // client-node learns a group version's resources by discovery, cached once answered:
  // the first list of each group version goes alone, so lists in flight together do not
  // each ask for the same discovery document.
  const entries = [...lists.entries()];
  const seen = new Set<string>();
  const first = entries.filter(
    ([, { source }]) => !seen.has(source.apiVersion) && !!seen.add(source.apiVersion),
  );
  const rest = entries.filter((entry) => !first.includes(entry));
  const listed = new Map<string, Listed>();
  for (const batch of [first, rest]) {
    const answers = await mapLimit(
      batch,
      options.concurrency ?? 4,
      async ([, { source, namespace }]): Promise<Listed> => {
        try {
          return {
            items: await client.list(
              source.apiVersion,
              source.kind,
              namespace ? { namespace } : {},
            ),
          };
        } catch (error) {
          return { cannotTell: whyNot(error, source, namespace) };
        }
      },
    );
    batch.forEach(([key], i) => listed.set(key, answers[i] as Listed));
  }

  const observations = new Map<string, Observation>();
  for (const [key, ref] of targets) {
    const label = `${ref.kind} ${ref.namespace && ref.kind !== 'Application' && ref.kind !== 'Node' ? `${ref.namespace}/` : ''}${ref.name}`;
    observations.set(key, observeOne(ref, label, namespaceOf(ref, options), listed));
  }
  return observations;
}

function observeOne(
  ref: TargetRef,
  label: string,
  namespace: string | undefined,
  listed: Map<string, Listed>,
): Observation {
  const rule = RULES[ref.kind];
  if (!rule) return { healthy: null, detail: `${label}: kubemend does not observe ${ref.kind}s` };
  if (ref.kind !== 'Node' && !namespace)
    return { healthy: null, detail: `${label}: cannot tell, the target names no namespace` };
  let object: KubernetesObject | undefined;
  if (rule.source) {
    const answer = listed.get(listKey(rule.source, namespace));
    if (!answer || 'cannotTell' in answer)
      return { healthy: null, detail: `${label}: ${answer?.cannotTell ?? 'not listed'}` };
    object = answer.items.find((o) => o.metadata?.name === ref.name);
    // Gone since the alert: the problem went with it. An incident about an object nobody
    // can fix any more only waits to be closed by hand, and if the object comes back
    // broken its alert fires again and opens a new incident; so gone counts as healthy,
    // marked `gone` for the sweep to say so when it closes the incident.
    if (!object) return { healthy: true, gone: true, detail: `${label}: no longer exists` };
  }
  let pods: V1Pod[] = [];
  if (rule.pods) {
    const answer = listed.get(listKey(POD, namespace));
    if (!answer || 'cannotTell' in answer) {
      // The object alone may already prove trouble; only health needs the pods too.
      const alone = object ? rule.judge(label, object, []) : undefined;
      if (alone?.healthy === false) return alone;
      return { healthy: null, detail: `${label}: pods ${answer?.cannotTell ?? 'not listed'}` };
    }
    pods = (answer.items as V1Pod[]).filter((p) => rule.owns?.(ref.name, p) ?? false);
    // A Workload is only its pods: none left means it went away (same reasoning as above).
    if (!rule.source && pods.length === 0)
      return {
        healthy: true,
        gone: true,
        detail: `${label}: no longer exists (no pod named ${ref.name}-*)`,
      };
  }
  return rule.judge(label, object, pods);
}
