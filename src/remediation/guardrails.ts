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
