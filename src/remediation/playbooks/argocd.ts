// The argocd playbook: a hard refresh and a sync through the Application's `.operation`
// (what the Argo CD UI does, so no Argo CD token is needed), then wait, within a bound,
// for the application to be Healthy and Synced. A sync writes wherever the Application's
// manifests say, so the guardrails cover every namespace Argo CD reports it manages.
import type { KubernetesObject } from '@kubernetes/client-node';
import { PatchStrategy } from '../../kube/client.js';
import { checkApplication, type ArgoApplication } from '../guardrails.js';
import type { RemediationResult } from '../result.js';
import { Run, type RemediationContext, type RemediationJob } from '../run.js';

export interface ArgoOptions {
  /** Namespace of the Application objects. */
  namespace: string;
  /** Whether the sync deletes resources no longer in Git. */
  prune: boolean;
}

interface Application extends ArgoApplication {
  status?: ArgoApplication['status'] & {
    health?: { status?: string; message?: string };
    sync?: { status?: string };
    operationState?: { phase?: string; message?: string };
  };
}

const ref = (namespace: string, name: string) => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Application',
  namespace,
  name,
});

export async function runArgo(
  job: RemediationJob,
  ctx: RemediationContext,
  options: ArgoOptions,
): Promise<RemediationResult> {
  const run = new Run(job, ctx);
  const stop = await run.preflight();
  if (stop) return stop;
  const name = job.targets.app;
  if (!name) return run.finish('skipped', 'the incident names no Argo CD application');
  const app = await ctx.client.get<Application>(ref(options.namespace, name));
  if (!app) return run.finish('failed', `Application ${options.namespace}/${name} does not exist`);
  const state = (a: Application | undefined) =>
    `health ${a?.status?.health?.status ?? 'Unknown'}, sync ${a?.status?.sync?.status ?? 'Unknown'}`;
  run.findings.push(
    `Application ${name}: ${state(app)}${app.status?.health?.message ? ` (${app.status.health.message})` : ''}${app.status?.operationState?.phase ? `; last operation ${app.status.operationState.phase}` : ''}`,
  );
  if (healthy(app))
    return run.finish('resolved', `Application ${name} is already Healthy and Synced`, {
      before: 0,
      after: 0,
      polls: 0,
    });
  if (job.mode === 'notify') return run.finish('skipped', 'mode notify: diagnosis only');

  const target = `${options.namespace}/Application/${name}`;
  const checks = await checkApplication(ctx.client, ctx.guardrails, app, options.namespace);
  run.decisions.push(...checks.map((d) => ({ ...d, target })));
  if (checks.some((d) => !d.allowed))
    return run.finish('skipped', checks.find((d) => !d.allowed)?.reason ?? 'refused');
  if (!(await run.reserve(target)))
    return run.finish('skipped', run.decisions.at(-1)?.reason ?? 'refused');

  const refreshed = await run.patch(
    ref(options.namespace, name),
    app as KubernetesObject,
    { metadata: { annotations: { 'argocd.argoproj.io/refresh': 'hard' } } },
    'hard refresh (argocd.argoproj.io/refresh: hard)',
    PatchStrategy.MergePatch,
  );
  await run.patch(
    ref(options.namespace, name),
    // A dry run persisted no refresh: the sync's diff is measured from the object as read.
    ctx.client.dryRun ? (app as KubernetesObject) : refreshed,
    {
      operation: {
        initiatedBy: { username: 'kubemend' },
        sync: { prune: options.prune, syncStrategy: { hook: {} } },
      },
    },
    `sync through .operation (prune: ${options.prune})`,
    PatchStrategy.MergePatch,
  );
  if (!run.live)
    return run.finish(
      'skipped',
      `mode ${job.mode}: the API server accepted the refresh and the sync as dry runs; nothing changed`,
    );

  const verified = await run.poll(
    () => ctx.client.get<Application>(ref(options.namespace, name)),
    healthy,
  );
  const latest = verified.last ?? app;
  const { polls, ms: verifyMs } = verified;
  const done = healthy(latest);
  return run.finish(
    done ? 'resolved' : 'unchanged',
    done
      ? `Application ${name} is Healthy and Synced after the sync`
      : `Application ${name} is still ${state(latest)} after ${Math.round(verifyMs / 1000)}s${latest?.status?.health?.message ? `: ${latest.status.health.message}` : ''}`,
    { before: 1, after: done ? 0 : 1, polls },
    verifyMs,
  );
}

function healthy(app: Application | undefined): boolean {
  return app?.status?.health?.status === 'Healthy' && app.status.sync?.status === 'Synced';
}
