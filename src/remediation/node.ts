// The node playbook: cordon a worker in trouble (never the control plane, never below the
// schedulable share), then, when the config allows it, drain it through evictions, which
// the API server refuses when a PodDisruptionBudget would break.
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { checkCordon } from './guardrails.js';
import type { RemediationResult } from './result.js';
import { Run, type RemediationContext, type RemediationJob } from './run.js';

export interface NodeOptions {
  /** Evict the node's pods after the cordon (design.md: optional). */
  drain: boolean;
}

export async function runNode(
  job: RemediationJob,
  ctx: RemediationContext,
  options: NodeOptions,
): Promise<RemediationResult> {
  const run = new Run(job, ctx);
  const stop = await run.preflight();
  if (stop) return stop;
  const name = typeof job.targets.node === 'string' ? job.targets.node : undefined;
  if (!name) return run.finish('skipped', 'the incident names no node');

  const node = await ctx.client.get<V1Node>({ apiVersion: 'v1', kind: 'Node', name });
  if (!node) return run.finish('failed', `node ${name} does not exist`);
  const conditions = (node.status?.conditions ?? []).filter(
    (c) => (c.type === 'Ready') !== (c.status === 'True'),
  );
  run.findings.push(
    conditions.length
      ? `node ${name}: ${conditions.map((c) => `${c.type}=${c.status}${c.reason ? ` (${c.reason})` : ''}`).join(', ')}`
      : `node ${name} reports no failing condition`,
  );
  if (job.mode === 'notify') return run.finish('skipped', 'mode notify: diagnosis only');

  const checks = await checkCordon(ctx.client, ctx.guardrails, name);
  run.decisions.push(...checks.map((d) => ({ ...d, target: `Node/${name}` })));
  if (checks.some((d) => !d.allowed))
    return run.finish('skipped', checks.find((d) => !d.allowed)?.reason ?? 'refused');
  if (!(await run.reserve(`Node/${name}`)))
    return run.finish('skipped', run.decisions.at(-1)?.reason ?? 'refused');

  if (!node.spec?.unschedulable) {
    await run.patch(
      { apiVersion: 'v1', kind: 'Node', name },
      node,
      { spec: { unschedulable: true } },
      'cordon: spec.unschedulable=true',
    );
  }
  let refused = 0;
  if (options.drain) {
    const pods = await ctx.client.list<V1Pod>('v1', 'Pod', {
      fieldSelector: `spec.nodeName=${name}`,
    });
    for (const pod of pods) {
      const owner = pod.metadata?.ownerReferences?.find((r) => r.controller);
      // A DaemonSet's pod comes straight back; a mirror pod belongs to the kubelet.
      if (owner?.kind === 'DaemonSet' || pod.metadata?.annotations?.['kubernetes.io/config.mirror'])
        continue;
      if (['Succeeded', 'Failed'].includes(pod.status?.phase ?? '')) continue;
      const object = `${pod.metadata?.namespace}/Pod/${pod.metadata?.name}`;
      const answer = await ctx.client.evict({
        namespace: pod.metadata?.namespace ?? '',
        name: pod.metadata?.name ?? '',
        uid: pod.metadata?.uid,
      });
      if (answer === 'refused') {
        refused++;
        run.decisions.push({
          guardrail: 'pdb',
          allowed: false,
          reason: 'evicting it would break its PodDisruptionBudget',
          target: object,
        });
      } else
        run.actions.push({
          verb: 'evict',
          object,
          dryRun: ctx.client.dryRun,
          detail: `drain ${name}`,
        });
    }
  }
  if (!run.live)
    return run.finish(
      'skipped',
      `mode ${job.mode}: the API server accepted ${run.actions.length} dry-run change(s); nothing changed`,
    );

  // What the cluster shows now: the node out of scheduling, and what is left on it.
  const after = await ctx.client.get<V1Node>({ apiVersion: 'v1', kind: 'Node', name });
  const cordoned = after?.spec?.unschedulable === true;
  return run.finish(
    cordoned ? 'improved' : 'failed',
    cordoned
      ? `node ${name} is cordoned${options.drain ? `; ${run.actions.filter((a) => a.verb === 'evict').length} pod(s) evicted, ${refused} kept by PodDisruptionBudgets` : ''}; it stays cordoned until a person uncordons it (kubectl uncordon ${name})`
      : `node ${name} is still schedulable`,
  );
}
