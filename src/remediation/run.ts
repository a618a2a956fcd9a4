// One remediation job: cluster identity, then the playbook's diagnosis, then each action
// through the guardrails and the ledger, then verification from what the cluster shows.
// Every refusal is a decision in the result; nothing is written when identity is
// uncertain, and only dry runs are sent while it is not configured.
import type { KubeConfig } from '@kubernetes/client-node';
import type { ExpectedIdentity } from '../config/config.js';
import type { KubeClient } from '../kube/client.js';
import { checkIdentity, identityYaml, observeIdentity } from '../kube/identity.js';
import type { Ledger } from '../kube/ledger.js';
import type { PlaybookMode } from '../shared/constants.js';
import { checkWorkload, type GuardrailSettings } from './guardrails.js';
import { findStuckPods, classifyPullError, clockSkews, type StuckPod } from './image-pull.js';
import { settleLimit } from '../shared/pool.js';
import { proposeMirrors } from './mirror.js';
import type { KubernetesObject } from '@kubernetes/client-node';
import { apiErrorLine, type ObjectRef, type PatchStrategy } from '../kube/client.js';
import { objectDiff } from './diff.js';
import type { ManifestChange } from './manifest.js';
import type { ActionRecord, Decision, Outcome, RemediationResult } from './result.js';

export interface RemediationJob {
  playbook: string;
  category: string;
  incident: number | null;
  /** The incident key's hash, naming the incident in the ledger. */
  id: string;
  cluster: string;
  targets: { namespace?: string; [key: string]: unknown };
  mode: PlaybookMode;
}

export interface RemediationContext {
  kubeconfig: KubeConfig;
  client: KubeClient;
  ledger: Ledger;
  guardrails: GuardrailSettings;
  expectedIdentity: ExpectedIdentity | undefined;
  /** Most workloads one job acts on. */
  maxTargets: number;
  /** Most requests in flight at once when acting on many objects. */
  concurrency: number;
  verify: { timeoutMs: number; intervalMs: number };
  now: () => number;
  /** Waits between verification polls (the simulated clock moves in tests). */
  sleep: (ms: number) => Promise<void>;
  log: (line: string) => void;
  /** Commits a manifest change for review (mode propose); absent without an incident. */
  propose?: (change: ManifestChange) => Promise<Proposal>;
}

/** What a proposal did: committed to the incident's branch, or why not. */
export interface Proposal {
  committed: boolean;
  /** The file changed, relative to the repository root. */
  path?: string;
  detail: string;
  /** The changed lines, `-old` / `+new`. */
  diff?: string[];
}

/** What every playbook shares: the result being built, and how it ends. */
export class Run {
  readonly job: RemediationJob;
  readonly ctx: RemediationContext;
  readonly decisions: Decision[] = [];
  readonly actions: ActionRecord[] = [];
  readonly findings: string[] = [];
  identity: RemediationResult['identity'] = { status: 'not checked' };
  private readonly started: number;

  constructor(job: RemediationJob, ctx: RemediationContext) {
    this.job = job;
    this.ctx = ctx;
    this.started = ctx.now();
  }

  get live(): boolean {
    return this.job.mode === 'auto';
  }

  finish(
    outcome: Outcome,
    reason: string,
    verification: RemediationResult['verification'] = { before: 0, after: null, polls: 0 },
    verifyMs = 0,
  ): RemediationResult {
    const { job, ctx } = this;
    return {
      version: 1,
      playbook: job.playbook,
      category: job.category,
      incident: job.incident,
      cluster: job.cluster,
      mode: job.mode,
      targets: job.targets,
      identity: this.identity,
      findings: this.findings,
      decisions: this.decisions,
      actions: this.actions,
      verification,
      outcome,
      reason,
      requests: ctx.client.stats.total,
      durations: { totalMs: ctx.now() - this.started, verifyMs },
    };
  }

  /**
   * Mode and cluster identity, before anything else: a kubeconfig for the wrong cluster
   * is not read further. Answers the result to end with, or undefined to go on.
   */
  async preflight(): Promise<RemediationResult | undefined> {
    const { job, ctx } = this;
    // Only mode auto changes the cluster, and then only through a live client.
    if ((job.mode === 'auto') === ctx.client.dryRun)
      throw new Error(
        `mode ${job.mode} needs a ${job.mode === 'auto' ? 'live' : 'dry-run'} Kubernetes client`,
      );
    if (job.mode === 'off') return this.finish('skipped', 'the playbook is off');
    const observed = await observeIdentity(ctx.kubeconfig, ctx.client);
    const verdict = checkIdentity(observed, ctx.expectedIdentity);
    this.identity =
      verdict.status === 'unconfigured'
        ? { status: 'unconfigured', observed: identityYaml(job.cluster, observed) }
        : { status: verdict.status, matched: verdict.matched, mismatched: verdict.mismatched };
    if (verdict.status === 'uncertain') {
      this.decisions.push({ guardrail: 'identity', allowed: false, reason: verdict.reason });
      return this.finish('skipped', verdict.reason);
    }
    if (verdict.status === 'unconfigured' && this.live) {
      const reason = `cluster identity is not configured for ${job.cluster}: nothing is written; paste the observed values into .github/kubemend.yml`;
      this.decisions.push({ guardrail: 'identity', allowed: false, reason });
      ctx.log(this.identity.observed ?? '');
      return this.finish('skipped', reason);
    }
    this.decisions.push({
      guardrail: 'identity',
      allowed: true,
      reason:
        verdict.status === 'confirmed'
          ? `cluster identity confirmed (${verdict.matched.join(', ')})`
          : 'cluster identity not configured: dry run only',
    });
    return undefined;
  }

  /**
   * Verification: reads what the cluster shows every interval until `done` or the
   * timeout (the simulated clock moves in tests), and answers the last reading.
   */
  async poll<T>(
    read: () => Promise<T>,
    done: (value: T) => boolean,
  ): Promise<{ last: T | undefined; polls: number; ms: number }> {
    const { ctx } = this;
    const start = ctx.now();
    let last: T | undefined;
    let polls = 0;
    while (ctx.now() - start < ctx.verify.timeoutMs) {
      await ctx.sleep(ctx.verify.intervalMs);
      polls++;
      last = await read();
      if (done(last)) break;
    }
    return { last, polls, ms: ctx.now() - start };
  }

  /**
   * One patch through the client (dry-run enforced there), recorded with the fields it
   * changes as the API server answered: for a dry run, the diff the server accepted.
   */
  async patch(
    ref: ObjectRef,
    before: KubernetesObject | undefined,
    patch: object,
    detail: string,
    strategy?: PatchStrategy,
  ): Promise<KubernetesObject> {
    const answer = await this.ctx.client.patch(ref, patch, strategy);
    const object = `${ref.namespace ? `${ref.namespace}/` : ''}${ref.kind}/${ref.name}`;
    this.actions.push({
      verb: 'patch',
      object,
      dryRun: this.ctx.client.dryRun,
      detail,
      diff: before ? objectDiff(before, answer) : [],
    });
    return answer;
  }

  /** The ledger's budgets for one target; the refusal is recorded. */
  async reserve(target: string): Promise<boolean> {
    const reservation = await this.ctx.ledger.reserve({
      playbook: this.job.playbook,
      target,
      incident: this.job.id,
      now: this.ctx.now(),
    });
    if (!reservation.granted) {
      this.decisions.push({
        guardrail: reservation.guardrail,
        allowed: false,
        reason: reservation.reason,
        target,
      });
      return false;
    }
    this.decisions.push({
      guardrail: 'rate-limit',
      allowed: true,
      reason: 'within the ledger budgets',
      target,
    });
    return true;
  }
}

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
  let acted = 0;
  for (const [target, pods] of byController) {
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
