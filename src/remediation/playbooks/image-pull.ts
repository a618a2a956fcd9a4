// The image-pull playbook: find the pods stuck pulling, propose a mirror when one is
// configured, and delete each controller's stuck pods so it recreates them.
import { apiErrorLine } from '../../kube/client.js';
import { settleLimit } from '../../shared/pool.js';
import { checkWorkload } from '../guardrails.js';
import { classifyPullError, clockSkews, findStuckPods, type StuckPod } from '../pull-errors.js';
import { proposeMirrors, stuckPodWorkload } from '../mirror.js';
import { formatTargetRef, isTargetKind, type TargetRef } from '../../incidents/target-ref.js';
import { subjectName } from '../subjects.js';
import type { ActionRecord, Outcome, RemediationResult } from '../result.js';
import { Run, type RemediationContext, type RemediationJob } from '../run.js';

export interface ImagePullOptions {
  /** Registry → the mirror proposals rewrite its images to. */
  mirrors: Record<string, string>;
}

export async function runImagePull(
  job: RemediationJob,
  ctx: RemediationContext,
  options: ImagePullOptions = { mirrors: {} },
): Promise<RemediationResult> {
  const run = new Run(job, ctx);
  const stop = await run.preflight();
  if (stop) return stop;
  const { decisions, actions, findings } = run;
  const live = run.live;
  // The diagnosis is about the namespace, not one workload: each workload acted on below
  // is named as it is acted on.
  run.about(undefined);

  // Diagnosis.
  const scope = job.targets.namespace ? { namespace: job.targets.namespace } : {};
  const stuck = await findStuckPods(ctx.client, scope);
  const classes = new Map<string, StuckPod[]>();
  for (const pod of stuck)
    classes.set(pod.errorClass, [...(classes.get(pod.errorClass) ?? []), pod]);
  for (const [errorClass, pods] of classes) {
    const registries = [...new Set(pods.map((p) => p.registry))].join(', ');
    findings.push(
      `${pods.length} pod(s) cannot pull from ${registries}: ${errorClass} (${classifyPullError(pods[0]?.message ?? '').hint})`,
    );
  }
  for (const skew of await clockSkews(ctx.client))
    findings.push(
      `node ${skew.node}'s clock is ${Math.round(Math.abs(skew.skewSeconds) / 60)} minutes ${skew.skewSeconds > 0 ? 'behind' : 'ahead of'} the API server: TLS to registries fails with x509 "not yet valid" there`,
    );
  if (stuck.length === 0)
    return run.finish('resolved', 'no pod is stuck pulling an image', {
      before: 0,
      after: 0,
      polls: 0,
    });

  if (job.mode === 'notify') {
    decisions.push({ guardrail: 'mode', allowed: false, reason: 'mode notify: diagnosis only' });
    return run.finish('skipped', 'mode notify: diagnosis only', {
      before: stuck.length,
      after: null,
      polls: 0,
    });
  }

  // A mirror changes desired state: proposed for review (or shown), never patched live.
  if (job.mode === 'propose' || Object.keys(options.mirrors).length > 0)
    await proposeMirrors(run, stuck, options.mirrors);

  // Actions: per controller, delete its stuck pods so it recreates them (never a bare pod).
  const byController = new Map<string, StuckPod[]>();
  for (const pod of stuck) {
    if (!pod.controller) {
      decisions.push({
        guardrail: 'bare-pod',
        allowed: false,
        reason: 'a pod no controller owns would be gone for good; kubemend never deletes one',
        target: `${pod.namespace}/Pod/${pod.name}`,
      });
      continue;
    }
    const key = `${pod.namespace}/${pod.controller.kind}/${pod.controller.name}`;
    byController.set(key, [...(byController.get(key) ?? []), pod]);
  }
  // Each controller's workload as a person's manifest declares it; one the incident did not
  // name is a subject of its own, with why.
  const covered = new Set((job.subjects ?? [job.targets]).map(subjectName));
  const resolved: { target: string; pods: StuckPod[]; ref: TargetRef }[] = [];
  for (const [target, pods] of byController) {
    const first = pods[0] as StuckPod;
    const owner = await stuckPodWorkload(run, first);
    const kind = isTargetKind(owner.kind) ? owner.kind : 'Workload';
    resolved.push({ target, pods, ref: { kind, namespace: first.namespace, name: owner.name } });
  }
  const incidentRegistries = new Set(
    resolved
      .filter((w) => covered.has(formatTargetRef(w.ref)))
      .flatMap((w) => w.pods.map((p) => p.registry)),
  );
  let acted = 0;
  for (const { target, pods, ref } of resolved) {
    const registries = [...new Set(pods.map((p) => p.registry))];
    const shared = registries.filter((r) => incidentRegistries.has(r));
    run.about(
      ref,
      shared.length
        ? `its pods were stuck pulling from the same registry (${shared.join(', ')})`
        : `its pods were stuck pulling images in namespace ${ref.namespace} (${registries.join(', ')})`,
    );
    if (acted >= ctx.maxTargets) {
      decisions.push({
        guardrail: 'max-targets',
        allowed: false,
        reason: `at most ${ctx.maxTargets} workloads per job (guardrails.max-targets)`,
        target,
      });
      continue;
    }
    const first = pods[0] as StuckPod;
    const checks = await checkWorkload(ctx.client, ctx.guardrails, {
      namespace: first.namespace,
      labels: undefined,
    });
    decisions.push(...checks.map((d) => ({ ...d, target })));
    if (checks.some((d) => !d.allowed)) continue;
    if (!(await run.reserve(target))) continue;
    acted++;
    // In flight together; recorded in the order the pods were found. After a failure no
    // deletion starts, and every one that reached the API server is recorded as it ended.
    const settled = await settleLimit(pods, ctx.concurrency, (pod) => deletePod(ctx, pod));
    settled.forEach((outcome, i) => {
      const pod = pods[i] as StuckPod;
      actions.push(
        outcome.status === 'fulfilled'
          ? outcome.value
          : { ...podAction(ctx, pod), diff: [], error: apiErrorLine(outcome.reason) },
      );
    });
    const failure = settled.find((outcome) => outcome.status === 'rejected');
    if (failure)
      return run.finish(
        'failed',
        `deleting ${target}'s pods failed: ${apiErrorLine(failure.reason)}; ${settled.length} of ${pods.length} deletion(s) started, none after the failure, and no further workload was acted on`,
        { before: stuck.length, after: null, polls: 0 },
      );
  }
  if (!live)
    return run.finish(
      'skipped',
      `mode ${job.mode}: the API server accepted ${actions.length} dry-run deletion(s); nothing changed`,
      {
        before: stuck.length,
        after: null,
        polls: 0,
      },
    );
  if (actions.length === 0)
    return run.finish('skipped', 'every action was refused by a guardrail', {
      before: stuck.length,
      after: null,
      polls: 0,
    });

  // Verification: the cluster says whether it worked.
  const verified = await run.poll(
    async () => (await findStuckPods(ctx.client, scope)).length,
    (left) => left === 0,
  );
  const after = verified.last ?? stuck.length;
  const { polls, ms: verifyMs } = verified;
  const outcome: Outcome =
    after === 0 ? 'resolved' : after < stuck.length ? 'improved' : 'unchanged';
  const reason =
    outcome === 'resolved'
      ? `no pod is stuck pulling after ${polls} check(s)`
      : `${after} of ${stuck.length} pod(s) still cannot pull after ${Math.round(verifyMs / 1000)}s: ${findings[0] ?? ''}`;
  return run.finish(outcome, reason, { before: stuck.length, after, polls }, verifyMs);
}

function podAction(ctx: RemediationContext, pod: StuckPod): Omit<ActionRecord, 'diff'> {
  return {
    verb: 'delete',
    object: `${pod.namespace}/Pod/${pod.name}`,
    dryRun: ctx.client.dryRun,
    detail: `stuck in ${pod.reason} (${pod.errorClass}); ${pod.controller?.kind} ${pod.controller?.name} recreates it`,
  };
}

async function deletePod(ctx: RemediationContext, pod: StuckPod): Promise<ActionRecord> {
  const answer = (await ctx.client.delete(
    { apiVersion: 'v1', kind: 'Pod', namespace: pod.namespace, name: pod.name },
    { uid: pod.uid },
  )) as { metadata?: { deletionTimestamp?: unknown } } | undefined;
  // client-node reads the answer as a Status, so the pod's deletionTimestamp may be gone.
  const at = answer?.metadata?.deletionTimestamp;
  return {
    ...podAction(ctx, pod),
    diff: [
      at
        ? `metadata.deletionTimestamp: (none) → ${String(at)}`
        : 'deleted: the API server accepted the deletion',
    ],
  };
}
