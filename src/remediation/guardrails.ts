// Guardrails read from the cluster before any mutation (design.md, Guardrails). Each
// check answers with a decision the result records, allowed or refused, with the reason;
// the defaults are data, so a config overrides a value and never a branch of code.
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

/** May kubemend change this workload? Never in a protected namespace; only when opted in. */
export async function checkWorkload(
  client: KubeClient,
  settings: GuardrailSettings,
  target: { namespace: string; labels: Record<string, string> | undefined },
): Promise<GuardrailDecision[]> {
  if (settings.protectedNamespaces.includes(target.namespace))
    return [
      {
        guardrail: 'protected-namespace',
        allowed: false,
        reason: `namespace ${target.namespace} is protected (guardrails.protected-namespaces); kubemend changes nothing there`,
      },
    ];
  const protectedOk: GuardrailDecision = {
    guardrail: 'protected-namespace',
    allowed: true,
    reason: `namespace ${target.namespace} is not protected`,
  };
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

/** May kubemend cordon this node? Never the control plane; never below the schedulable share. */
export async function checkCordon(
  client: KubeClient,
  settings: GuardrailSettings,
  nodeName: string,
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
  const schedulable = nodes.filter((n) => !n.spec?.unschedulable && ready(n));
  const after = schedulable.filter((n) => n.metadata?.name !== nodeName).length;
  const needed = Math.ceil(settings.minSchedulableShare * nodes.length);
  return [
    { guardrail: 'control-plane', allowed: true, reason: `node ${nodeName} is a worker` },
    after >= needed
      ? {
          guardrail: 'min-healthy-nodes',
          allowed: true,
          reason: `${after} of ${nodes.length} nodes stay schedulable (at least ${needed} must)`,
        }
      : {
          guardrail: 'min-healthy-nodes',
          allowed: false,
          reason: `cordoning ${nodeName} would leave ${after} of ${nodes.length} nodes schedulable; at least ${needed} must stay (guardrails.min-healthy-nodes ${Math.round(settings.minSchedulableShare * 100)}%)`,
        },
  ];
}

function ready(node: V1Node): boolean {
  return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}
