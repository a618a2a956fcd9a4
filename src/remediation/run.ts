// One remediation job: cluster identity, then the playbook's diagnosis, then each action
// through the guardrails and the ledger, then verification from what the cluster shows.
// Every refusal is a decision in the result; nothing is written when identity is
// uncertain, and only dry runs are sent while it is not configured.
import type { KubeConfig } from '@kubernetes/client-node';
import type { ExpectedIdentity } from '../config/config.js';
import type { KubeClient } from '../kube/client.js';
import {
  checkIdentity,
  identityYaml,
  observeIdentity,
  type ClusterIdentity,
  type IdentityVerdict,
} from '../kube/identity.js';
import { formatTargetRef, type TargetRef } from '../incidents/target-ref.js';
import type { Ledger } from '../kube/ledger.js';
import type { PlaybookMode } from '../shared/constants.js';
import type { GuardrailSettings } from './guardrails.js';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { ObjectRef, PatchStrategy } from '../kube/client.js';
import { objectDiff } from './diff.js';
import type { ManifestChange } from './manifest.js';
import type { ActionRecord, Decision, Outcome, RemediationResult } from './result.js';
import { subjectName, subjectRows, type Mark } from './subjects.js';
import type { Targets } from './targets.js';

export interface RemediationJob {
  playbook: string;
  category: string;
  incident: number | null;
  /** The incident key's hash, naming the incident in the ledger. */
  id: string;
  cluster: string;
  /** What this run reads: the job's first subject, or the one subject a run is for. */
  targets: Targets;
  /**
   * Every target of the incident, one Targets each (MAX_SUBJECTS at most); a run covers
   * those of them its playbook's axis puts together (subjects.ts). jobFromMatrix always
   * sets it; absent (a job built by hand), the one subject is `targets`.
   */
  subjects?: Targets[];
  mode: PlaybookMode;
}

/**
 * What the runs of one job share as they go subject by subject, kept by the job's
 * context (one KubeClient and Ledger per job): the identity check, made once, and what
 * earlier runs changed or, in a dry run, would have.
 */
export interface JobMemory {
  identity?: Promise<{ observed: ClusterIdentity; verdict: IdentityVerdict }>;
  /** Nodes cordoned earlier in the job (dry runs too): the next cordon's guardrail counts them. */
  cordoned: Set<string>;
}
const memories = new WeakMap<RemediationContext, JobMemory>();

export function jobMemory(ctx: RemediationContext): JobMemory {
  let memory = memories.get(ctx);
  if (!memory) {
    memory = { cordoned: new Set() };
    memories.set(ctx, memory);
  }
  return memory;
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
  /**
   * The cluster's time (the API server's Date), for the ledger: it lives in the cluster
   * and runs on different runners compare its entries, so they share the cluster's clock.
   */
  clusterNow: () => number;
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
  private readonly marks: Mark[] = [];

  constructor(job: RemediationJob, ctx: RemediationContext) {
    this.job = job;
    this.ctx = ctx;
    this.started = ctx.now();
  }

  get live(): boolean {
    return this.job.mode === 'auto';
  }

  get memory(): JobMemory {
    return jobMemory(this.ctx);
  }

  /**
   * From here on, the actions and decisions recorded are about `ref` (undefined: about
   * the job as a whole), and the result lists it as a subject; `why` says why the playbook
   * acted on it when the incident did not name it. Before the first call, they are about
   * the run's own subject (job.targets). Answers the target's name.
   */
  about(ref: TargetRef | undefined, why?: string): string | undefined {
    const target = ref ? formatTargetRef(ref) : undefined;
    this.marks.push({
      target,
      ...(why ? { why } : {}),
      actions: this.actions.length,
      decisions: this.decisions.length,
    });
    return target;
  }

  /** A proposal's commit as an action, or the reason it was not made as the manifest's refusal. */
  recordProposal(proposal: Proposal): void {
    if (proposal.committed)
      this.actions.push({
        verb: 'commit',
        object: proposal.path ?? '',
        dryRun: false,
        detail: proposal.detail,
        ...(proposal.diff ? { diff: proposal.diff } : {}),
      });
    else this.decisions.push({ guardrail: 'manifest', allowed: false, reason: proposal.detail });
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
      subjects: subjectRows({
        covered: (job.subjects ?? [job.targets])
          .map(subjectName)
          .filter((n): n is string => n !== undefined),
        own: subjectName(job.targets),
        marks: this.marks,
        actions: this.actions,
        decisions: this.decisions,
        outcome,
        reason,
      }),
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
    // Once per job: the runs after the first reuse the verdict, and only the first
    // records the identity decision, so the folded result carries it once.
    const memory = this.memory;
    const first = memory.identity === undefined;
    memory.identity ??= observeIdentity(ctx.kubeconfig, ctx.client).then((observed) => ({
      observed,
      verdict: checkIdentity(observed, ctx.expectedIdentity),
    }));
    const { observed, verdict } = await memory.identity;
    const decide = (decision: Decision) => {
      if (first) this.decisions.push(decision);
    };
    this.identity =
      verdict.status === 'unconfigured'
        ? { status: 'unconfigured', observed: identityYaml(job.cluster, observed) }
        : { status: verdict.status, matched: verdict.matched, mismatched: verdict.mismatched };
    if (verdict.status === 'uncertain') {
      decide({ guardrail: 'identity', allowed: false, reason: verdict.reason });
      return this.finish('skipped', verdict.reason);
    }
    if (verdict.status === 'unconfigured' && this.live) {
      const reason = `cluster identity is not configured for ${job.cluster}: nothing is written; paste the observed values into .github/kubemend.yml`;
      decide({ guardrail: 'identity', allowed: false, reason });
      if (first) ctx.log(this.identity.observed ?? '');
      return this.finish('skipped', reason);
    }
    decide({
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
      now: this.ctx.clusterNow(),
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
