// The node playbook: cordon a worker in trouble (never the control plane, never below the
// schedulable share), then, when the config allows it, drain it through evictions, which
// the API server refuses when a PodDisruptionBudget would break. The conditions that
// failed are then watched; once they are healthy the node is uncordoned when the config
// says so, and only when kubemend cordoned it: a node a person cordoned stays cordoned.
import type { V1Node, V1NodeCondition, V1Pod } from '@kubernetes/client-node';
import { checkCordon } from '../guardrails.js';
import type { RemediationResult } from '../result.js';
import { Run, type RemediationContext, type RemediationJob } from '../run.js';

export interface NodeOptions {
  /** Evict the node's pods after the cordon (off by default). */
  drain: boolean;
  /** Uncordon the node once its failing conditions are healthy again. */
  uncordon?: boolean;
}

/** Marks a cordon as kubemend's (the incident's id), so only kubemend's cordons are undone. */
export const CORDONED_BY = 'kubemend.io/cordoned-by';

/** A condition in trouble: Ready that is not True, or a pressure condition that is not False. */
const failing = (c: V1NodeCondition): boolean => (c.type === 'Ready') !== (c.status === 'True');
const describe = (conditions: V1NodeCondition[]): string =>
  conditions.map((c) => `${c.type}=${c.status}${c.reason ? ` (${c.reason})` : ''}`).join(', ');

export async function runNode(
  job: RemediationJob,
  ctx: RemediationContext,
  options: NodeOptions,
): Promise<RemediationResult> {
  const run = new Run(job, ctx);
  const stop = await run.preflight();
  if (stop) return stop;
  const name = job.targets.node;
  if (!name) return run.finish('skipped', 'the incident names no node');
  run.about({ kind: 'Node', name });
  const ref = { apiVersion: 'v1', kind: 'Node', name };

  const node = await ctx.client.get<V1Node>(ref);
  if (!node) return run.finish('failed', `node ${name} does not exist`);
  const troubled = (node.status?.conditions ?? []).filter(failing);
  run.findings.push(
    troubled.length
      ? `node ${name}: ${describe(troubled)}`
      : `node ${name} reports no failing condition`,
  );
  if (job.mode === 'notify') return run.finish('skipped', 'mode notify: diagnosis only');

  const checks = await checkCordon(ctx.client, ctx.guardrails, name, run.memory.cordoned);
  run.decisions.push(...checks.map((d) => ({ ...d, target: `Node/${name}` })));
  if (checks.some((d) => !d.allowed))
    return run.finish('skipped', checks.find((d) => !d.allowed)?.reason ?? 'refused');
  if (!(await run.reserve(`Node/${name}`)))
    return run.finish('skipped', run.decisions.at(-1)?.reason ?? 'refused');

  // A cordon kubemend did not make is someone's decision: kept, and never undone here.
  const cordonedBy = node.metadata?.annotations?.[CORDONED_BY];
  const ours = !node.spec?.unschedulable || cordonedBy !== undefined;
  if (!node.spec?.unschedulable) {
    await run.patch(
      ref,
      node,
      { metadata: { annotations: { [CORDONED_BY]: job.id } }, spec: { unschedulable: true } },
      'cordon: spec.unschedulable=true',
    );
    // The job's next cordon is checked as if this one (even a dry run) had been made.
    run.memory.cordoned.add(name);
  } else if (!ours) {
    run.findings.push(
      `node ${name} was already cordoned, not by kubemend: it is left cordoned whatever happens`,
    );
  }
  let refused = 0;
  if (options.drain) refused = await drain(run, name);
  if (!run.live)
    return run.finish(
      'skipped',
      `mode ${job.mode}: the API server accepted ${run.actions.length} dry-run change(s); nothing changed`,
    );

  const evicted = run.actions.filter((a) => a.verb === 'evict').length;
  const drained = options.drain
    ? `; ${evicted} pod(s) evicted, ${refused} kept by PodDisruptionBudgets`
    : '';
  const after = await ctx.client.get<V1Node>(ref);
  if (after?.spec?.unschedulable !== true)
    return run.finish('failed', `node ${name} is still schedulable`);
  const byHand = `it stays cordoned until a person uncordons it (kubectl uncordon ${name})`;
  // Without a failing condition (an alert on CPU, say), the node's status cannot show a
  // recovery, so kubemend has nothing to wait for and never uncordons on a guess: the
  // cordon holds the problem back, and the alert's source and the sweep tell when it ends.
  if (troubled.length === 0)
    return run.finish(
      'contained',
      `node ${name} is cordoned${drained}; it reported no failing condition to watch, so ${
        options.uncordon && ours
          ? 'the sweep uncordons it once the alert has resolved and the node is healthy'
          : byHand
      }`,
    );

  // Verification: the conditions that failed, read until they are healthy or time runs out.
  const watched = new Set(troubled.map((c) => c.type));
  const still = (n: V1Node | undefined) =>
    (n?.status?.conditions ?? []).filter((c) => watched.has(c.type) && failing(c));
  const verified = await run.poll(
    () => ctx.client.get<V1Node>(ref),
    (n) => still(n).length === 0,
  );
  const left = still(verified.last);
  const verification = { before: troubled.length, after: left.length, polls: verified.polls };
  if (left.length > 0)
    return run.finish(
      'improved',
      `node ${name} is cordoned${drained}; still ${describe(left)} after ${Math.round(verified.ms / 1000)}s, so ${byHand}`,
      verification,
      verified.ms,
    );
  const recovered = `node ${name} recovered (${[...watched].join(', ')} healthy again after ${verified.polls} check(s))${drained}`;
  if (!options.uncordon || !ours)
    return run.finish(
      'improved',
      `${recovered}; ${ours ? 'playbooks.node.uncordon is off, so ' : ''}${byHand}`,
      verification,
      verified.ms,
    );
  const uncordoned = await run.patch(
    ref,
    verified.last,
    { metadata: { annotations: { [CORDONED_BY]: null } }, spec: { unschedulable: null } },
    'uncordon after recovery: spec.unschedulable removed',
  );
  const schedulable = (uncordoned as V1Node).spec?.unschedulable !== true;
  return run.finish(
    schedulable ? 'resolved' : 'improved',
    schedulable
      ? `${recovered}; uncordoned, it takes new pods again`
      : `${recovered}; the uncordon did not take, ${byHand}`,
    verification,
    verified.ms,
  );
}

/**
 * Evicts the node's pods as `kubectl drain` would: DaemonSet and mirror pods stay (they
 * come straight back), finished pods are left, and a pod no controller owns is kept,
 * since nothing would recreate it. Answers how many evictions a budget refused.
 */
async function drain(run: Run, name: string): Promise<number> {
  const { ctx } = run;
  const pods = await ctx.client.list<V1Pod>('v1', 'Pod', {
    fieldSelector: `spec.nodeName=${name}`,
  });
  let refused = 0;
  for (const pod of pods) {
    const owner = pod.metadata?.ownerReferences?.find((r) => r.controller);
    if (owner?.kind === 'DaemonSet' || pod.metadata?.annotations?.['kubernetes.io/config.mirror'])
      continue;
    if (['Succeeded', 'Failed'].includes(pod.status?.phase ?? '')) continue;
    const object = `${pod.metadata?.namespace}/Pod/${pod.metadata?.name}`;
    if (!owner) {
      run.decisions.push({
        guardrail: 'bare-pod',
        allowed: false,
        reason: 'no controller owns this pod: evicted, nothing would recreate it',
        target: object,
      });
      continue;
    }
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
  return refused;
}
