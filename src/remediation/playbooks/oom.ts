// The oom playbook: a container killed for going over its memory limit gets a higher
// limit (and request), by a share and never past a cap. Raising a limit changes desired
// state, which a GitOps controller reverts when it is made live, so the default is to
// propose the change to the manifest in the repository; auto patches the workload.
import type { V1Container, V1Pod, V1PodTemplateSpec } from '@kubernetes/client-node';
import { PatchStrategy } from '../../kube/client.js';
import { checkWorkload } from '../guardrails.js';
import {
  describeMemoryChanges,
  memoryManifestChange,
  raiseMemory,
  type MemoryChanges,
} from '../memory.js';
import type { RemediationResult } from '../result.js';
import { Run, type RemediationContext, type RemediationJob } from '../run.js';
import { workloadOf } from '../targets.js';

export interface OomOptions {
  /** How much the limit and request rise, in percent. */
  percent: number;
  /** The limit is never raised past this quantity. */
  cap: string;
}

interface Workload {
  metadata?: { name?: string; labels?: Record<string, string>; generation?: number };
  spec?: {
    replicas?: number;
    selector?: { matchLabels?: Record<string, string> };
    template?: V1PodTemplateSpec;
  };
  status?: {
    observedGeneration?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    desiredNumberScheduled?: number;
    updatedNumberScheduled?: number;
    numberReady?: number;
  };
}

const KINDS = ['Deployment', 'StatefulSet', 'DaemonSet'];

export async function runOom(
  job: RemediationJob,
  ctx: RemediationContext,
  options: OomOptions,
): Promise<RemediationResult> {
  const run = new Run(job, ctx);
  const stop = await run.preflight();
  if (stop) return stop;
  const workload = workloadOf(job.targets, KINDS);
  if (!workload)
    return run.finish(
      'skipped',
      `the incident names no ${KINDS.join(', ')}: oom raises the limits of a workload's pod template`,
    );
  const { namespace, kind } = workload;
  const ref = { apiVersion: 'apps/v1', kind, namespace, name: workload.name };
  const object = await ctx.client.get<Workload & { apiVersion?: string; kind?: string }>(ref);
  if (!object) return run.finish('failed', `${kind} ${namespace}/${workload.name} does not exist`);
  const selector = Object.entries(object.spec?.selector?.matchLabels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const podsOf = () => ctx.client.list<V1Pod>('v1', 'Pod', { namespace, labelSelector: selector });

  const killed = oomKilled(await podsOf());
  if (killed.size === 0)
    return run.finish('resolved', `no container of ${kind} ${workload.name} was OOMKilled`, {
      before: 0,
      after: 0,
      polls: 0,
    });
  const containers = object.spec?.template?.spec?.containers ?? [];
  const changes: MemoryChanges = new Map();
  for (const [name, pods] of killed) {
    const container = containers.find((c: V1Container) => c.name === name);
    const current = {
      limit: container?.resources?.limits?.memory,
      request: container?.resources?.requests?.memory,
    };
    run.findings.push(
      `container ${name} was OOMKilled in ${pods} pod(s): memory limit ${current.limit ?? 'none'}, request ${current.request ?? 'none'}`,
    );
    const change = raiseMemory(current, options);
    if ('refused' in change) {
      run.decisions.push({
        guardrail: 'memory-cap',
        allowed: false,
        reason: `${change.refused}; raise it by hand or change playbooks.oom.max-memory`,
        target: `${namespace}/${kind}/${workload.name}`,
      });
      continue;
    }
    changes.set(name, change);
  }
  if (job.mode === 'notify') return run.finish('skipped', 'mode notify: diagnosis only');
  if (changes.size === 0) return run.finish('skipped', run.decisions.at(-1)?.reason ?? 'refused');

  const target = `${namespace}/${kind}/${workload.name}`;
  const described = describeMemoryChanges(changes, options.cap);
  if (job.mode !== 'propose') {
    const checks = await checkWorkload(ctx.client, ctx.guardrails, {
      namespace,
      labels: object.metadata?.labels,
    });
    run.decisions.push(...checks.map((d) => ({ ...d, target })));
    if (checks.some((d) => !d.allowed))
      return run.finish('skipped', checks.find((d) => !d.allowed)?.reason ?? 'refused');
    if (!(await run.reserve(target)))
      return run.finish('skipped', run.decisions.at(-1)?.reason ?? 'refused');
  }
  // Sent in every mode past notify: live in auto, else with dryRun=All, so the API server
  // validates the exact change a proposal makes.
  await run.patch(
    ref,
    object as never,
    {
      spec: {
        template: {
          spec: {
            containers: [...changes].map(([name, c]) => ({
              name,
              resources: {
                limits: { memory: c.limit },
                ...(c.request ? { requests: { memory: c.request } } : {}),
              },
            })),
          },
        },
      },
    },
    `raise memory by ${options.percent}%: ${described}`,
    PatchStrategy.StrategicMergePatch,
  );

  if (job.mode === 'propose') {
    const change = memoryManifestChange({ kind, name: workload.name, namespace }, changes, options);
    if (!ctx.propose) {
      run.decisions.push({
        guardrail: 'mode',
        allowed: false,
        reason:
          'propose needs the incident number and a token with contents: write; the change above was validated as a dry run only',
      });
      return run.finish('skipped', 'mode propose without an incident: dry run only');
    }
    const proposal = await ctx.propose(change);
    run.recordProposal(proposal);
    return run.finish(
      'skipped',
      proposal.committed
        ? `proposed for review: ${proposal.detail}; the cluster changes when it is merged and synced`
        : proposal.detail,
    );
  }
  if (!run.live)
    return run.finish(
      'skipped',
      `mode ${job.mode}: the API server accepted the change as a dry run; nothing changed`,
    );

  const before = [...killed.values()].reduce((a, b) => a + b, 0);
  const verified = await run.poll(
    async () => {
      const current = await ctx.client.get<Workload>(ref);
      const stillKilled = [...oomKilled(await podsOf()).values()].reduce((a, b) => a + b, 0);
      return { stillKilled, rolledOut: rolledOut(current) };
    },
    (state) => state.stillKilled === 0 && state.rolledOut,
  );
  const after = verified.last?.stillKilled ?? before;
  const { polls, ms: verifyMs } = verified;
  const outcome =
    after === 0 && verified.last?.rolledOut
      ? 'resolved'
      : after < before
        ? 'improved'
        : 'unchanged';
  return run.finish(
    outcome,
    outcome === 'resolved'
      ? `${kind} ${workload.name} runs within its new limits after ${polls} check(s); a GitOps controller may revert a live change: commit it to the manifest too`
      : `${after} pod(s) still OOMKilled after ${Math.round(verifyMs / 1000)}s`,
    { before, after, polls },
    verifyMs,
  );
}

/** Container name → pods whose container of that name was last killed by its memory limit. */
function oomKilled(pods: V1Pod[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp) continue;
    for (const s of pod.status?.containerStatuses ?? []) {
      const reason = s.state?.terminated?.reason ?? s.lastState?.terminated?.reason;
      // A container running again since the kill, and ready, has recovered.
      if (reason === 'OOMKilled' && !s.ready) out.set(s.name, (out.get(s.name) ?? 0) + 1);
    }
  }
  return out;
}

function rolledOut(w: Workload | undefined): boolean {
  if (!w) return false;
  if ((w.status?.observedGeneration ?? 0) < (w.metadata?.generation ?? 0)) return false;
  if (w.status?.desiredNumberScheduled !== undefined)
    return (
      w.status.updatedNumberScheduled === w.status.desiredNumberScheduled &&
      w.status.numberReady === w.status.desiredNumberScheduled
    );
  const replicas = w.spec?.replicas ?? 1;
  return w.status?.updatedReplicas === replicas && w.status?.readyReplicas === replicas;
}
