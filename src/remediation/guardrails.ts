// Guardrails read from the cluster before any mutation (docs/architecture.md, Guardrails).
// Each check answers with a decision the result records, allowed or refused, with the
// reason; the defaults are data, so a config overrides a value and never a branch of code.
import type { V1Namespace, V1Node } from '@kubernetes/client-node';
import type { KubeClient } from '../kube/client.js';

export interface GuardrailSettings {
  /** The label that opts a workload or its namespace in (value "true"). */
  optInLabel: string;
  protectedNamespaces: string[];
  /** Node labels that mark the control plane. */
  controlPlaneLabels: string[];
  /** Share of nodes that must stay schedulable after a cordon, 0 to 1. */
  minSchedulableShare: number;
}

export const GUARDRAIL_DEFAULTS: GuardrailSettings = {
  optInLabel: 'kubemend.io/remediate',
  protectedNamespaces: ['kube-system', 'kube-public', 'kube-node-lease'],
  controlPlaneLabels: ['node-role.kubernetes.io/control-plane', 'node-role.kubernetes.io/master'],
  minSchedulableShare: 0.51,
};

export interface GuardrailDecision {
  guardrail: 'protected-namespace' | 'opt-in' | 'control-plane' | 'min-healthy-nodes';
  allowed: boolean;
  reason: string;
}

/** Never in a protected namespace: the first rule for anything kubemend would write to. */
export function checkNamespace(settings: GuardrailSettings, namespace: string): GuardrailDecision {
  return settings.protectedNamespaces.includes(namespace)
    ? {
        guardrail: 'protected-namespace',
        allowed: false,
        reason: `namespace ${namespace} is protected (guardrails.protected-namespaces); kubemend changes nothing there`,
      }
    : {
        guardrail: 'protected-namespace',
        allowed: true,
        reason: `namespace ${namespace} is not protected`,
      };
}

/** May kubemend change this workload? Never in a protected namespace; only when opted in. */
export async function checkWorkload(
  client: KubeClient,
  settings: GuardrailSettings,
  target: { namespace: string; labels: Record<string, string> | undefined },
): Promise<GuardrailDecision[]> {
  const protectedOk = checkNamespace(settings, target.namespace);
  if (!protectedOk.allowed) return [protectedOk];
  if (target.labels?.[settings.optInLabel] === 'true')
    return [
      protectedOk,
      {
        guardrail: 'opt-in',
        allowed: true,
        reason: `the workload has ${settings.optInLabel}=true`,
      },
    ];
  const namespace = await client.get<V1Namespace>({
    apiVersion: 'v1',
    kind: 'Namespace',
    name: target.namespace,
  });
  const optedIn = namespace?.metadata?.labels?.[settings.optInLabel] === 'true';
  return [
    protectedOk,
    {
      guardrail: 'opt-in',
      allowed: optedIn,
      reason: optedIn
        ? `namespace ${target.namespace} has ${settings.optInLabel}=true`
        : `neither the workload nor namespace ${target.namespace} has ${settings.optInLabel}=true; label one to opt in`,
    },
  ];
}

/** An Argo CD Application as far as its guardrails read it. */
export interface ArgoApplication {
  metadata?: {
    name?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec?: { project?: string; destination?: { namespace?: string } };
  /** What Argo CD reports it manages, each with its namespace when it has one. */
  status?: { resources?: { namespace?: string }[] };
}

/** Every namespace a sync of the Application writes to: its destination, then what Argo CD reports. */
export function managedNamespaces(app: ArgoApplication): string[] {
  const reported = (app.status?.resources ?? []).map((r) => r.namespace);
  return [
    ...new Set(
      [app.spec?.destination?.namespace, ...reported.sort()].filter((n): n is string => !!n),
    ),
  ];
}

/**
 * May kubemend sync this Argo CD Application? A sync writes wherever the Application's
 * manifests say, not only to its destination: every namespace it manages must be
 * unprotected. And it must opt in by the label or annotation on itself or on its
 * AppProject; without a destination namespace only its own opt-in counts, since nothing
 * else bounds where it writes.
 */
export async function checkApplication(
  client: KubeClient,
  settings: GuardrailSettings,
  app: ArgoApplication,
  argoNamespace: string,
): Promise<GuardrailDecision[]> {
  const name = app.metadata?.name ?? '';
  const namespaces = managedNamespaces(app).map((namespace) => {
    const decision = checkNamespace(settings, namespace);
    return decision.allowed
      ? decision
      : {
          ...decision,
          reason: `Application ${name} writes to namespace ${namespace}, which is protected (guardrails.protected-namespaces); kubemend syncs nothing that writes there`,
        };
  });
  if (namespaces.some((d) => !d.allowed)) return namespaces;
  const label = settings.optInLabel;
  const optedIn = (meta: ArgoApplication['metadata']) =>
    meta?.labels?.[label] === 'true' || meta?.annotations?.[label] === 'true';
  if (optedIn(app.metadata))
    return [
      ...namespaces,
      { guardrail: 'opt-in', allowed: true, reason: `Application ${name} has ${label}=true` },
    ];
  if (!app.spec?.destination?.namespace)
    return [
      ...namespaces,
      {
        guardrail: 'opt-in',
        allowed: false,
        reason: `Application ${name} has no destination namespace: only ${label}=true on the Application itself (label or annotation) opts it in`,
      },
    ];
  const projectName = app.spec.project || 'default';
  const project = await client.get<{ metadata?: ArgoApplication['metadata'] }>({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AppProject',
    namespace: argoNamespace,
    name: projectName,
  });
  return [
    ...namespaces,
    optedIn(project?.metadata)
      ? {
          guardrail: 'opt-in',
          allowed: true,
          reason: `AppProject ${projectName} of Application ${name} has ${label}=true`,
        }
      : {
          guardrail: 'opt-in',
          allowed: false,
          reason: `neither Application ${name} nor its AppProject ${projectName} has ${label}=true; set it as a label or annotation on one to opt in`,
        },
  ];
}

/** A Flux Kustomization or HelmRelease as far as its guardrails read it. */
export interface FluxObject {
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec?: { targetNamespace?: string; storageNamespace?: string };
  /** A Kustomization's inventory: `<namespace>_<name>_<group>_<kind>` per object it applied. */
  status?: { inventory?: { entries?: { id?: string }[] } };
}

/**
 * Every namespace a reconcile of the object writes to, and whether that list is bounded.
 * A HelmRelease installs into its target namespace (else its own) and keeps its release
 * in its storage namespace; a Kustomization writes to its target namespace when it sets
 * one, else wherever its manifests say, which its inventory lists once it has applied.
 */
export function fluxNamespaces(object: FluxObject): { namespaces: string[]; bounded: boolean } {
  const own = object.metadata?.namespace;
  const { targetNamespace, storageNamespace } = object.spec ?? {};
  if (object.kind === 'HelmRelease') {
    const names = [targetNamespace ?? own, storageNamespace ?? own];
    return { namespaces: [...new Set(names.filter((n): n is string => !!n))], bounded: true };
  }
  if (targetNamespace) return { namespaces: [targetNamespace], bounded: true };
  const entries = object.status?.inventory?.entries ?? [];
  // Cluster-scoped objects have an empty namespace field: `_name_group_Kind`.
  const listed = entries.map((e) => (e.id ?? '').split('_')[0]).filter((n): n is string => !!n);
  return { namespaces: [...new Set(listed)].sort(), bounded: entries.length > 0 };
}

/**
 * May kubemend ask Flux to reconcile this Kustomization or HelmRelease? A reconcile
 * applies whatever its source holds now, wherever it writes: every namespace it writes to
 * must be unprotected. And it must opt in by the label or annotation on itself, or by the
 * label on its own namespace when where it writes is known (a target namespace, an
 * inventory); without that bound only its own opt-in counts, as for an Argo CD
 * Application with no destination.
 */
export async function checkFluxObject(
  client: KubeClient,
  settings: GuardrailSettings,
  object: FluxObject,
): Promise<GuardrailDecision[]> {
  const what = `${object.kind ?? 'Flux object'} ${object.metadata?.name ?? ''}`;
  const { namespaces, bounded } = fluxNamespaces(object);
  const own = object.metadata?.namespace ?? '';
  const decisions = [...new Set([own, ...namespaces])].map((namespace) => {
    const decision = checkNamespace(settings, namespace);
    return decision.allowed
      ? decision
      : {
          ...decision,
          reason: `${what} ${namespace === own ? 'lives in' : 'writes to'} namespace ${namespace}, which is protected (guardrails.protected-namespaces); kubemend reconciles nothing that writes there`,
        };
  });
  if (decisions.some((d) => !d.allowed)) return decisions;
  const label = settings.optInLabel;
  const meta = object.metadata;
  if (meta?.labels?.[label] === 'true' || meta?.annotations?.[label] === 'true')
    return [
      ...decisions,
      { guardrail: 'opt-in', allowed: true, reason: `${what} has ${label}=true` },
    ];
  if (!bounded)
    return [
      ...decisions,
      {
        guardrail: 'opt-in',
        allowed: false,
        reason: `${what} sets no target namespace and has applied nothing yet, so where it writes is unknown: only ${label}=true on the ${object.kind ?? 'object'} itself (label or annotation) opts it in`,
      },
    ];
  const namespace = await client.get<V1Namespace>({
    apiVersion: 'v1',
    kind: 'Namespace',
    name: own,
  });
  const optedIn = namespace?.metadata?.labels?.[label] === 'true';
  return [
    ...decisions,
    {
      guardrail: 'opt-in',
      allowed: optedIn,
      reason: optedIn
        ? `namespace ${own} of ${what} has ${label}=true`
        : `neither ${what} nor its namespace ${own} has ${label}=true; set it on one to opt in`,
    },
  ];
}

/**
 * May kubemend cordon this node? Never the control plane; never below the share of
 * workers (nodes the control-plane labels do not mark) that must stay schedulable and
 * Ready. `cordoned` names nodes cordoned earlier in the same job, dry runs included, so
 * each cordon of a job is checked against what the ones before it left.
 */
export async function checkCordon(
  client: KubeClient,
  settings: GuardrailSettings,
  nodeName: string,
  cordoned: ReadonlySet<string> = new Set(),
): Promise<GuardrailDecision[]> {
  const nodes = await client.list<V1Node>('v1', 'Node');
  const node = nodes.find((n) => n.metadata?.name === nodeName);
  const isControlPlane = (n: V1Node) =>
    settings.controlPlaneLabels.some((l) => n.metadata?.labels?.[l] !== undefined);
  if (!node)
    return [
      { guardrail: 'control-plane', allowed: false, reason: `node ${nodeName} does not exist` },
    ];
  if (isControlPlane(node))
    return [
      {
        guardrail: 'control-plane',
        allowed: false,
        reason: `node ${nodeName} is a control-plane node; kubemend never cordons one`,
      },
    ];
  // The control plane takes no workloads: only workers count, on both sides.
  const workers = nodes.filter((n) => !isControlPlane(n));
  const schedulable = workers.filter(
    (n) => !n.spec?.unschedulable && !cordoned.has(n.metadata?.name ?? '') && ready(n),
  );
  const after = schedulable.filter((n) => n.metadata?.name !== nodeName).length;
  const needed = Math.ceil(settings.minSchedulableShare * workers.length);
  return [
    { guardrail: 'control-plane', allowed: true, reason: `node ${nodeName} is a worker` },
    after >= needed
      ? {
          guardrail: 'min-healthy-nodes',
          allowed: true,
          reason: `${after} of ${workers.length} workers stay schedulable and Ready (at least ${needed} must)`,
        }
      : {
          guardrail: 'min-healthy-nodes',
          allowed: false,
          reason: `cordoning ${nodeName} would leave ${after} of ${workers.length} workers schedulable and Ready; at least ${needed} must stay (guardrails.min-healthy-nodes ${Math.round(settings.minSchedulableShare * 100)}%)`,
        },
  ];
}

function ready(node: V1Node): boolean {
  return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}
