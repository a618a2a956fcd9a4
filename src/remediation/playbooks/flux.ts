// The flux playbook: ask Flux to reconcile a Kustomization or HelmRelease again, the way
// `flux reconcile` does (the reconcile.fluxcd.io/requestedAt annotation set to a fresh
// token, so no Flux CLI or token is needed), then wait, within a bound, for the object's
// controller to handle that request and say Ready. A reconcile applies whatever the source
// holds now wherever the object writes, so the guardrails cover every namespace it writes to.
import type { KubernetesObject } from '@kubernetes/client-node';
import { FLUX_KINDS, isFluxKind, type FluxKind } from '../../alerts/flux.js';
import { PatchStrategy } from '../../kube/client.js';
import { checkFluxObject, type FluxObject } from '../guardrails.js';
import type { RemediationResult } from '../result.js';
import { Run, type RemediationContext, type RemediationJob } from '../run.js';
import { workloadOf } from '../targets.js';

/** What the controllers read (fluxcd/pkg/apis/meta): the request, and the one that forces a retry. */
export const REQUESTED_AT = 'reconcile.fluxcd.io/requestedAt';
export const RESET_AT = 'reconcile.fluxcd.io/resetAt';

/**
 * Annotations set beside requestedAt, per kind and condition, as `flux reconcile` would
 * with a flag: a HelmRelease that exhausted its install or upgrade retries is Stalled and
 * retries nothing until its failure counts are reset (`flux reconcile hr --reset`).
 */
const ALSO: { kind: FluxKind; condition: string; annotation: string; why: string }[] = [
  {
    kind: 'HelmRelease',
    condition: 'Stalled',
    annotation: RESET_AT,
    why: 'its retries are exhausted (Stalled)',
  },
];

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  observedGeneration?: number;
}

interface Flux extends FluxObject {
  metadata?: FluxObject['metadata'] & { generation?: number };
  spec?: FluxObject['spec'] & { suspend?: boolean };
  status?: FluxObject['status'] & {
    conditions?: Condition[];
    lastHandledReconcileAt?: string;
    lastAppliedRevision?: string;
  };
}

const conditionOf = (o: Flux | undefined, type: string) =>
  o?.status?.conditions?.find((c) => c.type === type);

/** Ready for the object's current generation: what `flux get` shows as READY True. */
function ready(o: Flux | undefined): boolean {
  const c = conditionOf(o, 'Ready');
  return c?.status === 'True' && (c.observedGeneration ?? 0) >= (o?.metadata?.generation ?? 0);
}

function state(o: Flux | undefined): string {
  const c = conditionOf(o, 'Ready');
  if (!c) return 'Ready Unknown (no Ready condition yet)';
  return `Ready ${c.status}${c.reason ? ` (${c.reason})` : ''}${c.message && c.status !== 'True' ? `: ${c.message}` : ''}`;
}

export async function runFlux(
  job: RemediationJob,
  ctx: RemediationContext,
): Promise<RemediationResult> {
  const run = new Run(job, ctx);
  const stop = await run.preflight();
  if (stop) return stop;
  const subject = workloadOf(job.targets, Object.keys(FLUX_KINDS));
  if (!subject || !isFluxKind(subject.kind))
    return run.finish('skipped', 'the incident names no Flux Kustomization or HelmRelease');
  const { namespace, name } = subject;
  const kind: FluxKind = subject.kind;
  const ref = { apiVersion: FLUX_KINDS[kind].apiVersion, kind, namespace, name };
  const label = `${kind} ${namespace}/${name}`;
  const object = await ctx.client.get<Flux>(ref);
  if (!object) return run.finish('failed', `${label} does not exist`);
  run.findings.push(
    `${label}: ${state(object)}${object.status?.lastAppliedRevision ? `; last applied revision ${object.status.lastAppliedRevision}` : ''}`,
  );
  if (object.spec?.suspend === true)
    return run.finish(
      'skipped',
      `${label} is suspended: Flux reconciles nothing until it is resumed (flux resume), which kubemend leaves to a person`,
    );
  if (ready(object))
    return run.finish('resolved', `${label} is already Ready`, { before: 0, after: 0, polls: 0 });
  if (job.mode === 'notify') return run.finish('skipped', 'mode notify: diagnosis only');

  const target = `${namespace}/${kind}/${name}`;
  const checks = await checkFluxObject(ctx.client, ctx.guardrails, { ...object, kind });
  run.decisions.push(...checks.map((d) => ({ ...d, target })));
  if (checks.some((d) => !d.allowed))
    return run.finish('skipped', checks.find((d) => !d.allowed)?.reason ?? 'refused');
  if (!(await run.reserve(target)))
    return run.finish('skipped', run.decisions.at(-1)?.reason ?? 'refused');

  // A fresh token each time, as `flux reconcile` stamps one: the controller copies the
  // one it handled to status.lastHandledReconcileAt, which is how verification knows.
  const token = new Date(ctx.clusterNow()).toISOString();
  const also = ALSO.filter(
    (a) => a.kind === kind && conditionOf(object, a.condition)?.status === 'True',
  );
  const annotations: Record<string, string> = { [REQUESTED_AT]: token };
  for (const a of also) annotations[a.annotation] = token;
  await run.patch(
    ref,
    object as KubernetesObject,
    { metadata: { annotations } },
    `request a reconcile (${REQUESTED_AT}: ${token})${also.map((a) => `, and ${a.annotation} since ${a.why}`).join('')}`,
    PatchStrategy.MergePatch,
  );
  if (!run.live)
    return run.finish(
      'skipped',
      `mode ${job.mode}: the API server accepted the reconcile request as a dry run; nothing changed`,
    );

  // Done once the controller handled this request and settled Ready for this generation.
  const handled = (o: Flux | undefined) => {
    const c = conditionOf(o, 'Ready');
    return (
      o?.status?.lastHandledReconcileAt === token &&
      (c?.status === 'True' || c?.status === 'False') &&
      (c.observedGeneration ?? 0) >= (o.metadata?.generation ?? 0)
    );
  };
  const verified = await run.poll(() => ctx.client.get<Flux>(ref), handled);
  const latest = verified.last ?? object;
  const { polls, ms: verifyMs } = verified;
  const seconds = Math.round(verifyMs / 1000);
  if (!handled(latest))
    return run.finish(
      'unchanged',
      `Flux did not handle the reconcile request for ${label} within ${seconds}s (status.lastHandledReconcileAt is ${latest.status?.lastHandledReconcileAt ?? 'unset'}): is its controller running?`,
      { before: 1, after: 1, polls },
      verifyMs,
    );
  const done = ready(latest);
  return run.finish(
    done ? 'resolved' : 'unchanged',
    done
      ? `${label} is Ready after the reconcile`
      : `${label} is still ${state(latest)} after the reconcile`,
    { before: 1, after: done ? 0 : 1, polls },
    verifyMs,
  );
}
