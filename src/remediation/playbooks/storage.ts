// The storage playbook, for Longhorn: its helper pods (share-manager, instance-manager,
// backing-image and engine-image managers) stuck on an image pull or a crash are deleted,
// since longhorn-manager recreates them; longhorn-manager itself is restarted (the
// rollout-restart annotation) when its own pods are not ready, since a manager that is
// down recreates nothing. Removing a PVC's finalizers can lose data, so it happens only
// when the config enables it, and only for a claim stuck terminating that no pod uses.
import type { V1DaemonSet, V1PersistentVolumeClaim, V1Pod } from '@kubernetes/client-node';
import { PatchStrategy } from '../../kube/client.js';
import { checkWorkload } from '../guardrails.js';
import type { RemediationResult } from '../result.js';
import { Run, type RemediationContext, type RemediationJob } from '../run.js';

export interface StorageOptions {
  longhornNamespace: string;
  restartManager: boolean;
  removePvcFinalizers: boolean;
}

/** Longhorn's helper pods, by their `longhorn.io/component` label. */
export const LONGHORN_HELPERS = [
  'share-manager',
  'instance-manager',
  'backing-image-manager',
  'backing-image-data-source',
  'engine-image',
];
/** Waiting reasons of a helper pod that will not get better by itself soon. */
const STUCK = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'CrashLoopBackOff',
  'CreateContainerError',
  'CreateContainerConfigError',
]);
const MANAGER = 'longhorn-manager';

export async function runStorage(
  job: RemediationJob,
  ctx: RemediationContext,
  options: StorageOptions,
): Promise<RemediationResult> {
  const run = new Run(job, ctx);
  const stop = await run.preflight();
  if (stop) return stop;
  const ns = options.longhornNamespace;
  const stuckHelpers = async () =>
    (
      await ctx.client.list<V1Pod>('v1', 'Pod', {
        namespace: ns,
        labelSelector: `longhorn.io/component in (${LONGHORN_HELPERS.join(',')})`,
      })
    ).filter(
      (p) =>
        !p.metadata?.deletionTimestamp &&
        (p.status?.containerStatuses ?? []).some((s) => STUCK.has(s.state?.waiting?.reason ?? '')),
    );
  const helpers = await stuckHelpers();
  for (const pod of helpers) {
    const waiting = pod.status?.containerStatuses?.find((s) => s.state?.waiting)?.state?.waiting;
    run.findings.push(
      `Longhorn ${pod.metadata?.labels?.['longhorn.io/component']} pod ${pod.metadata?.name} is stuck: ${waiting?.reason} (${(waiting?.message ?? '').slice(0, 200)})`,
    );
  }
  const manager = await ctx.client.get<V1DaemonSet>({
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    namespace: ns,
    name: MANAGER,
  });
  const desired = manager?.status?.desiredNumberScheduled ?? 0;
  const ready = manager?.status?.numberReady ?? 0;
  const managerDown = manager !== undefined && ready < desired;
  if (manager === undefined)
    run.findings.push(
      `no ${MANAGER} DaemonSet in ${ns}: is Longhorn installed there (playbooks.storage.longhorn-namespace)?`,
    );
  else run.findings.push(`${MANAGER}: ${ready} of ${desired} pods ready`);
  const claim = await terminatingClaim(run, job);
  if (helpers.length === 0 && !managerDown && !claim)
    return run.finish('resolved', 'no Longhorn helper pod is stuck and longhorn-manager is ready', {
      before: 0,
      after: 0,
      polls: 0,
    });
  if (job.mode === 'notify') return run.finish('skipped', 'mode notify: diagnosis only');

  const checks = await checkWorkload(ctx.client, ctx.guardrails, {
    namespace: ns,
    labels: manager?.metadata?.labels,
  });
  run.decisions.push(...checks.map((d) => ({ ...d, target: `namespace ${ns}` })));
  const allowed = !checks.some((d) => !d.allowed);

  if (allowed) {
    let acted = 0;
    for (const pod of helpers) {
      const owner = pod.metadata?.ownerReferences?.find((r) => r.controller);
      const target = `${ns}/Pod/${pod.metadata?.name}`;
      if (!owner) {
        run.decisions.push({
          guardrail: 'bare-pod',
          allowed: false,
          reason: 'no controller owns this helper pod: deleted, nothing would recreate it',
          target,
        });
        continue;
      }
      if (acted >= ctx.maxTargets) {
        run.decisions.push({
          guardrail: 'max-targets',
          allowed: false,
          reason: `at most ${ctx.maxTargets} per job (guardrails.max-targets)`,
          target,
        });
        continue;
      }
      if (!(await run.reserve(target))) continue;
      acted++;
      await ctx.client.delete(
        { apiVersion: 'v1', kind: 'Pod', namespace: ns, name: pod.metadata?.name ?? '' },
        { uid: pod.metadata?.uid },
      );
      run.actions.push({
        verb: 'delete',
        object: target,
        dryRun: ctx.client.dryRun,
        detail: `stuck; ${owner.kind} ${owner.name} has longhorn-manager recreate it`,
        diff: ['deleted: the API server accepted the deletion'],
      });
    }
    if (managerDown && options.restartManager) {
      const target = `${ns}/DaemonSet/${MANAGER}`;
      if (await run.reserve(target)) {
        const at = new Date(ctx.now()).toISOString();
        await run.patch(
          { apiVersion: 'apps/v1', kind: 'DaemonSet', namespace: ns, name: MANAGER },
          manager,
          {
            spec: {
              template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': at } } },
            },
          },
          `rollout restart of ${MANAGER}: ${ready} of ${desired} pods ready`,
          PatchStrategy.StrategicMergePatch,
        );
      }
    } else if (managerDown)
      run.decisions.push({
        guardrail: 'mode',
        allowed: false,
        reason: `${MANAGER} is not ready, and playbooks.storage.restart-manager is off`,
      });
  }
  if (claim) await releaseClaim(run, claim, options);

  if (!run.live)
    return run.finish(
      'skipped',
      `mode ${job.mode}: the API server accepted ${run.actions.length} dry-run change(s); nothing changed`,
      { before: helpers.length, after: null, polls: 0 },
    );
  if (run.actions.length === 0)
    return run.finish('skipped', run.decisions.find((d) => !d.allowed)?.reason ?? 'nothing to do', {
      before: helpers.length,
      after: null,
      polls: 0,
    });
  const before = helpers.length + (managerDown ? 1 : 0);
  const verified = await run.poll(
    async () => {
      const stuck = (await stuckHelpers()).length;
      const ds = await ctx.client.get<V1DaemonSet>({
        apiVersion: 'apps/v1',
        kind: 'DaemonSet',
        namespace: ns,
        name: MANAGER,
      });
      const down =
        ds !== undefined &&
        (ds.status?.numberReady ?? 0) < (ds.status?.desiredNumberScheduled ?? 0);
      return stuck + (down ? 1 : 0);
    },
    (left) => left === 0,
  );
  const after = verified.last ?? before;
  const outcome = after === 0 ? 'resolved' : after < before ? 'improved' : 'unchanged';
  return run.finish(
    outcome,
    outcome === 'resolved'
      ? `Longhorn's helper pods run and longhorn-manager is ready after ${verified.polls} check(s)`
      : `${after} Longhorn helper pod(s) or the manager still not running after ${Math.round(verified.ms / 1000)}s: ${run.findings[0] ?? ''}`,
    { before, after, polls: verified.polls },
    verified.ms,
  );
}

/** The incident's PVC when it is stuck terminating (deletion requested, finalizers kept). */
async function terminatingClaim(
  run: Run,
  job: RemediationJob,
): Promise<V1PersistentVolumeClaim | undefined> {
  const { pvc: name, namespace } = job.targets;
  if (!name || !namespace) return undefined;
  const pvc = await run.ctx.client.get<V1PersistentVolumeClaim>({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    namespace,
    name,
  });
  if (!pvc?.metadata?.deletionTimestamp || !(pvc.metadata.finalizers ?? []).length)
    return undefined;
  run.findings.push(
    `PVC ${namespace}/${name} has been terminating since ${String(pvc.metadata.deletionTimestamp)}, held by ${pvc.metadata.finalizers?.join(', ')}`,
  );
  return pvc;
}

async function releaseClaim(
  run: Run,
  pvc: V1PersistentVolumeClaim,
  options: StorageOptions,
): Promise<void> {
  const namespace = pvc.metadata?.namespace ?? '';
  const name = pvc.metadata?.name ?? '';
  const target = `${namespace}/PersistentVolumeClaim/${name}`;
  if (!options.removePvcFinalizers) {
    run.decisions.push({
      guardrail: 'mode',
      allowed: false,
      reason:
        "removing a PVC's finalizers can lose data; set playbooks.storage.remove-pvc-finalizers: true to let kubemend do it",
      target,
    });
    return;
  }
  const users = (await run.ctx.client.list<V1Pod>('v1', 'Pod', { namespace })).filter((p) =>
    (p.spec?.volumes ?? []).some((v) => v.persistentVolumeClaim?.claimName === name),
  );
  if (users.length) {
    run.decisions.push({
      guardrail: 'in-use',
      allowed: false,
      reason: `pod(s) ${users.map((p) => p.metadata?.name).join(', ')} still use the claim; its finalizer protects them`,
      target,
    });
    return;
  }
  const checks = await checkWorkload(run.ctx.client, run.ctx.guardrails, {
    namespace,
    labels: pvc.metadata?.labels,
  });
  run.decisions.push(...checks.map((d) => ({ ...d, target })));
  if (checks.some((d) => !d.allowed) || !(await run.reserve(target))) return;
  await run.patch(
    { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace, name },
    pvc,
    { metadata: { finalizers: null } },
    `remove the finalizers (${pvc.metadata?.finalizers?.join(', ')}) of a claim no pod uses`,
    PatchStrategy.MergePatch,
  );
}
