// Which code runs each playbook, with its options from the config, as one table; and the
// enrichment every playbook's result carries. Playbooks with no safe action diagnose.
import type { KubemendConfig } from '../../config/config.js';
import type { Playbook } from '../../shared/constants.js';
import { runArgo } from './argocd.js';
import { runCrashLoop } from './crash-loop.js';
import { runFlux } from './flux.js';
import { enrich } from '../enrich.js';
import { checkWorkload } from '../guardrails.js';
import { runNode } from './node.js';
import { runOom } from './oom.js';
import { runStorage } from './storage.js';
import type { RemediationResult } from '../result.js';
import { runImagePull } from './image-pull.js';
import { Run, type RemediationContext, type RemediationJob } from '../run.js';
import { AXES, foldResults, subjectName, subjectRuns } from '../subjects.js';

type Runner = (
  job: RemediationJob,
  ctx: RemediationContext,
  config: KubemendConfig,
) => Promise<RemediationResult>;

/** What each diagnose-only playbook tells the reader to look at, since it changes nothing. */
const DIAGNOSE_ONLY: Partial<Record<Playbook, string>> = {
  scheduling:
    'pods cannot be scheduled: compare their requests, node selectors and tolerations with the nodes below',
  probe:
    'a readiness or liveness probe fails: the events and the last log lines below show why; a restart would hide it',
  certificate:
    'a certificate expires or has expired: renew it (cert-manager: `cmctl renew`) and check the issuer',
  workload:
    'a workload is not at its desired state: the owner chain, events and container states below show where it stops',
  unknown: 'no playbook matches this alert: the cluster state below is what kubemend could read',
};

export const RUNNERS: Record<Playbook, Runner> = {
  'image-pull': (job, ctx, config) =>
    runImagePull(job, ctx, { mirrors: config.playbooks['image-pull'].mirrors }),
  'crash-loop': (job, ctx, config) =>
    runCrashLoop(job, ctx, { rollback: config.playbooks['crash-loop'].rollback }),
  oom: (job, ctx, config) =>
    runOom(job, ctx, { percent: config.playbooks.oom.percent, cap: config.playbooks.oom.cap }),
  argocd: (job, ctx, config) =>
    runArgo(job, ctx, {
      namespace: config.playbooks.argocd.namespace,
      prune: config.playbooks.argocd.prune,
    }),
  flux: (job, ctx) => runFlux(job, ctx),
  storage: (job, ctx, config) => runStorage(job, ctx, config.playbooks.storage),
  node: (job, ctx, config) => runNode(job, ctx, config.playbooks.node),
  scheduling: diagnoseOnly,
  probe: diagnoseOnly,
  certificate: diagnoseOnly,
  workload: diagnoseOnly,
  unknown: diagnoseOnly,
};

/**
 * Runs the playbook once per subject along its axis (AXES), one after another with the
 * job's one client and ledger, so each target is decided and explained on its own: the
 * control plane refused does not stop the workers. A run that stops at the job's own
 * gates (mode off, identity) stops the job. The runs fold into the job's one result.
 */
async function runSubjects(
  playbook: Playbook,
  job: RemediationJob,
  ctx: RemediationContext,
  config: KubemendConfig,
): Promise<RemediationResult> {
  const subjects = job.subjects?.length ? job.subjects : [job.targets];
  const runs = subjectRuns(AXES[playbook], subjects);
  if (runs.length === 0) runs.push({ targets: job.targets, covered: [job.targets] });
  const results: RemediationResult[] = [];
  for (const { targets, covered } of runs) {
    const result = await RUNNERS[playbook]({ ...job, targets, subjects: covered }, ctx, config);
    results.push(result);
    if (stoppedByJob(result)) break;
  }
  const named = subjects.map(subjectName).filter((n): n is string => n !== undefined);
  return foldResults(results, named);
}

/** The job's own gates refused: no further subject can get past them. */
function stoppedByJob(result: RemediationResult): boolean {
  return (
    result.mode === 'off' ||
    result.decisions.some((d) => d.guardrail === 'identity' && !d.allowed) ||
    result.identity.status === 'uncertain'
  );
}

/**
 * Runs the playbook on every subject, then reads the enrichment for its targets (never on the wrong
 * cluster). The result file is an artifact anyone who can read the run downloads, so the
 * enrichment reads only namespaces that pass the workload guardrails (not protected,
 * opted in): a refused one's pods, logs and events are never read, and `withheld` says why.
 */
export async function runPlaybook(
  playbook: Playbook,
  job: RemediationJob,
  ctx: RemediationContext,
  config: KubemendConfig,
): Promise<RemediationResult> {
  const result = await runSubjects(playbook, job, ctx, config);
  if (result.identity.status === 'uncertain' || job.mode === 'off') return result;
  const { namespace, node, pods = [], workload } = job.subjects?.[0] ?? job.targets;
  if (!namespace && !node) return result;
  const refusals = new Map<string, Promise<string | undefined>>();
  const refusal = (ns: string) => {
    let known = refusals.get(ns);
    if (!known) {
      known = checkWorkload(ctx.client, ctx.guardrails, { namespace: ns, labels: undefined }).then(
        (checks) => checks.find((d) => !d.allowed)?.reason,
      );
      refusals.set(ns, known);
    }
    return known;
  };
  const withheld = async () => {
    const reasons: string[] = [];
    for (const known of refusals.values()) {
      const reason = await known;
      if (reason) reasons.push(`${reason}; none of its pods, logs or events are read`);
    }
    return reasons;
  };
  if (namespace && (await refusal(namespace))) {
    result.withheld = await withheld();
  } else {
    result.enrichment = await enrich(ctx.client, {
      namespace,
      pods,
      ...(workload && namespace ? { workload } : {}),
      ...(node ? { node } : {}),
      readable: async (pod) => !(await refusal(pod.metadata?.namespace ?? '')),
    });
    const reasons = await withheld();
    if (reasons.length) result.withheld = reasons;
  }
  result.requests = ctx.client.stats.total;
  return result;
}

async function diagnoseOnly(
  job: RemediationJob,
  ctx: RemediationContext,
): Promise<RemediationResult> {
  const run = new Run(job, ctx);
  const stop = await run.preflight();
  if (stop) return stop;
  run.findings.push(DIAGNOSE_ONLY[job.playbook as Playbook] ?? 'diagnosis only');
  return run.finish('skipped', `${job.playbook}: diagnose only; kubemend changes nothing`);
}
