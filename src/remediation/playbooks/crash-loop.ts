// The crash-loop playbook: read why the containers crash (exit codes, the previous
// instance's last log lines) and whether the crash began with the latest rollout; then a
// rollout restart, or, when the config opts in and the crash began with the latest
// rollout, a rollback to the previous ReplicaSet's template (as `kubectl rollout undo`).
import type { V1Deployment, V1Pod, V1ReplicaSet } from '@kubernetes/client-node';
import { PatchStrategy } from '../../kube/client.js';
import { redact } from '../../shared/redact.js';
import { checkWorkload } from '../guardrails.js';
import type { RemediationResult } from '../result.js';
import { Run, type RemediationContext, type RemediationJob } from '../run.js';
import { workloadOf } from '../targets.js';

export interface CrashLoopOptions {
  /** Roll back to the previous ReplicaSet when the crash began with the latest rollout (opt-in). */
  rollback: boolean;
}

const REVISION = 'deployment.kubernetes.io/revision';

export async function runCrashLoop(
  job: RemediationJob,
  ctx: RemediationContext,
  options: CrashLoopOptions,
): Promise<RemediationResult> {
  const run = new Run(job, ctx);
  const stop = await run.preflight();
  if (stop) return stop;
  const workload = workloadOf(job.targets, ['Deployment']);
  if (!workload)
    return run.finish(
      'skipped',
      'the incident names no Deployment: crash-loop acts on Deployments',
    );
  const { namespace } = workload;
  const ref = { apiVersion: 'apps/v1', kind: 'Deployment', namespace, name: workload.name };
  const deployment = await ctx.client.get<V1Deployment>(ref);
  if (!deployment)
    return run.finish('failed', `Deployment ${namespace}/${workload.name} does not exist`);

  const selector = Object.entries(deployment.spec?.selector?.matchLabels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const [sets, pods] = await Promise.all([
    ctx.client.list<V1ReplicaSet>('apps/v1', 'ReplicaSet', { namespace, labelSelector: selector }),
    ctx.client.list<V1Pod>('v1', 'Pod', { namespace, labelSelector: selector }),
  ]);
  const revisions = sets
    .filter((rs) => rs.metadata?.ownerReferences?.some((o) => o.uid === deployment.metadata?.uid))
    .sort(
      (a, b) =>
        Number(b.metadata?.annotations?.[REVISION] ?? 0) -
        Number(a.metadata?.annotations?.[REVISION] ?? 0),
    );
  const [latest, previous] = revisions;
  const crashing = (pod: V1Pod) =>
    pod.status?.containerStatuses?.some(
      (s) =>
        s.state?.waiting?.reason === 'CrashLoopBackOff' ||
        (s.lastState?.terminated?.exitCode ?? 0) !== 0,
    );
  const ownedBy = (rs: V1ReplicaSet | undefined) => (pod: V1Pod) =>
    pod.metadata?.ownerReferences?.some((o) => o.uid === rs?.metadata?.uid);
  const crashingPods = pods.filter(crashing);
  if (crashingPods.length === 0)
    return run.finish('resolved', `no pod of Deployment ${workload.name} is crashing`, {
      before: 0,
      after: 0,
      polls: 0,
    });

  const sample = crashingPods[0] as V1Pod;
  const status =
    sample.status?.containerStatuses?.find(
      (s) => s.state?.waiting?.reason === 'CrashLoopBackOff',
    ) ?? sample.status?.containerStatuses?.[0];
  const terminated = status?.lastState?.terminated;
  // The whole tail is redacted before it is cut to lines: a private key spans lines.
  const lastLines = status
    ? redact(
        await ctx.client.logs(
          { namespace, pod: sample.metadata?.name ?? '', container: status.name },
          { previous: true, tailLines: 5, limitBytes: 2000 },
        ),
      )
        .trim()
        .split('\n')
        .slice(-2)
    : [];
  run.findings.push(
    `${crashingPods.length} pod(s) crash-loop; container ${status?.name ?? '?'} last exited ${terminated?.exitCode ?? '?'} (${terminated?.reason ?? 'unknown'})${lastLines.length ? `; last log lines: ${lastLines.join(' | ')}` : ''}`,
  );
  const latestCrashes =
    latest !== undefined &&
    crashingPods.every(ownedBy(latest)) &&
    pods.some((p) => ownedBy(previous)(p) && !crashing(p));
  const imageOf = (rs: V1ReplicaSet | undefined) =>
    rs?.spec?.template?.spec?.containers?.map((c) => c.image).join(', ') ?? '?';
  if (latestCrashes)
    run.findings.push(
      `the crash began with the latest rollout: revision ${latest?.metadata?.annotations?.[REVISION]} (${imageOf(latest)}) crashes while revision ${previous?.metadata?.annotations?.[REVISION]} (${imageOf(previous)}) runs`,
    );
  if (job.mode === 'notify') return run.finish('skipped', 'mode notify: diagnosis only');

  const target = `${namespace}/Deployment/${workload.name}`;
  const checks = await checkWorkload(ctx.client, ctx.guardrails, {
    namespace,
    labels: deployment.metadata?.labels,
  });
  run.decisions.push(...checks.map((d) => ({ ...d, target })));
  if (checks.some((d) => !d.allowed))
    return run.finish('skipped', checks.find((d) => !d.allowed)?.reason ?? 'refused');
  if (!(await run.reserve(target)))
    return run.finish('skipped', run.decisions.at(-1)?.reason ?? 'refused');

  if (latestCrashes && options.rollback && previous?.spec?.template) {
    // The previous ReplicaSet's template, without the hash label its controller added.
    const template = structuredClone(previous.spec.template);
    delete template.metadata?.labels?.['pod-template-hash'];
    await run.patch(
      ref,
      deployment,
      { spec: { template } },
      `rollback to revision ${previous.metadata?.annotations?.[REVISION]} (${imageOf(previous)})`,
      PatchStrategy.StrategicMergePatch,
    );
  } else {
    const at = new Date(ctx.now()).toISOString();
    await run.patch(
      ref,
      deployment,
      {
        spec: {
          template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': at } } },
        },
      },
      `rollout restart (restartedAt ${at})`,
    );
    if (latestCrashes)
      run.decisions.push({
        guardrail: 'mode',
        allowed: false,
        reason: 'rollback is off (playbooks.crash-loop.rollback): restarted instead',
        target,
      });
  }
  if (!run.live)
    return run.finish(
      'skipped',
      `mode ${job.mode}: the API server accepted the change as a dry run; nothing changed`,
    );

  const verified = await run.poll(
    async () => {
      const now = await ctx.client.list<V1Pod>('v1', 'Pod', { namespace, labelSelector: selector });
      const current = await ctx.client.get<V1Deployment>(ref);
      const replicas = current?.spec?.replicas ?? 1;
      const rolledOut =
        (current?.status?.updatedReplicas ?? 0) === replicas &&
        (current?.status?.readyReplicas ?? 0) === replicas;
      return { crashing: now.filter(crashing).length, rolledOut };
    },
    (state) => state.crashing === 0 && state.rolledOut,
  );
  const after = verified.last?.crashing ?? crashingPods.length;
  const { polls, ms: verifyMs } = verified;
  const outcome = after === 0 ? 'resolved' : after < crashingPods.length ? 'improved' : 'unchanged';
  return run.finish(
    outcome,
    outcome === 'resolved'
      ? `Deployment ${workload.name} runs without crashing after ${polls} check(s)`
      : `${after} pod(s) still crash-loop after ${Math.round(verifyMs / 1000)}s: ${run.findings[0] ?? ''}`,
    { before: crashingPods.length, after, polls },
    verifyMs,
  );
}
