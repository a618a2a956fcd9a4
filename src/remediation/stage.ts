// The remediate stage: one matrix entry in, one verified (or refused) result out. The
// people's word on the incident binds every run: `/kubemend snooze` stops it,
// `/kubemend dry-run` makes it a dry run, and mode `approve` acts only after an allowed
// `/kubemend approve`. Called by the remediate action and by everything that composes
// stages (the all-in-one action runs one entry after another).
import type { KubeConfig } from '@kubernetes/client-node';
import { findApproval } from '../commands/approvals.js';
import type { KubemendConfig } from '../config/config.js';
import type { GitHubClient } from '../github/client.js';
import { controlsOf, isSnoozed } from '../incidents/controls.js';
import { readRecord } from '../incidents/records.js';
import { KubeClient } from '../kube/client.js';
import { credentialsFor, missingCredentials } from '../kube/kubeconfig.js';
import { Ledger } from '../kube/ledger.js';
import type { Playbook, PlaybookMode } from '../shared/constants.js';
import { getErrorMessage, oneLine, UsageError } from '../shared/errors.js';
import { redact, redactDeep } from '../shared/redact.js';
import { GUARDRAIL_DEFAULTS } from './guardrails.js';
import { jobFromMatrix } from './job.js';
import type { ManifestChange } from './manifest.js';
import { runPlaybook } from './playbooks/index.js';
import { proposeChange } from './proposals.js';
import type { Decision, RemediationResult } from './result.js';
import { Run, type RemediationContext, type RemediationJob } from './run.js';

/** The ConfigMap holding the guardrails' budgets, in the configured ledger namespace. */
export const LEDGER_NAME = 'kubemend-ledger';

export interface RemediateRequest {
  playbook: Playbook;
  /** One entry of triage's matrix, untrusted: it came through workflow expressions. */
  entry: Record<string, unknown>;
  /** Overrides the config's mode for this playbook when set. */
  mode: PlaybookMode | undefined;
  /** The incident, when the entry does not carry it. */
  incident: number | undefined;
  config: KubemendConfig;
  kubeconfig: KubeConfig;
  /**
   * The context was chosen by the caller: used whatever the incident's cluster. Otherwise
   * a kubeconfig with several contexts gives the one named as the incident's cluster.
   */
  contextChosen?: boolean;
  /** Reads the incident's record and comments, and pushes proposals; none: no approvals. */
  github: (GitHubClient & { owner: string; repo: string }) | undefined;
  /** A line for the log; the stage redacts it. */
  log: (line: string) => void;
}

export interface RemediateOutcome {
  job: RemediationJob;
  /** Redacted: findings, reasons and enrichment carry cluster text. */
  result: RemediationResult;
}

export async function remediate(request: RemediateRequest): Promise<RemediateOutcome> {
  const { config, github } = request;
  const configured = request.mode ?? config.playbooks[request.playbook].mode;
  const job = jobFromMatrix(request.entry, request.playbook, configured);
  const incident = request.incident ?? job.incident ?? undefined;

  const record = github && incident ? await readRecord({ ...github, number: incident }) : undefined;
  const controls = record ? controlsOf(record) : undefined;
  let forced: Decision | undefined;
  if (controls?.dryRun && !['off', 'notify', 'dry-run'].includes(job.mode)) {
    forced = {
      guardrail: 'mode',
      allowed: false,
      reason: `/kubemend dry-run on #${incident}: dry run only`,
    };
    job.mode = 'dry-run';
  }

  // Approve: auto once someone the permission rule allows said so on the incident, else a dry run.
  let approval: Decision | undefined;
  if (configured === 'approve') {
    const verdict =
      github && incident
        ? await findApproval(
            { ...github, incident },
            job.playbook,
            githubNow(github),
            config.commands,
            record,
          )
        : {
            approved: false as const,
            reason:
              'mode approve needs the incident number and a token to read its comments; dry run only',
          };
    approval = verdict.approved
      ? {
          guardrail: 'approval',
          allowed: true,
          reason: `approved by ${verdict.by} at ${verdict.at} (/kubemend approve)`,
        }
      : { guardrail: 'approval', allowed: false, reason: verdict.reason };
    job.mode = verdict.approved ? 'auto' : 'dry-run';
  }
  const kubeconfig = request.contextChosen
    ? request.kubeconfig
    : credentialsFor(request.kubeconfig, job.cluster);
  const ctx = context({ ...request, kubeconfig: kubeconfig ?? request.kubeconfig }, job, incident);
  let result: RemediationResult;
  try {
    if (!kubeconfig) {
      // Another cluster's credentials are never tried on this one: nothing is attempted.
      // Its own guardrail, so report tells a person how to add them (report/state.ts).
      const run = new Run(job, ctx);
      const reason = `${missingCredentials(request.kubeconfig, job.cluster)} to act on it`;
      run.decisions.push({ guardrail: 'context', allowed: false, reason });
      result = run.finish('skipped', reason);
    } else if (controls && isSnoozed(controls, githubNow(github))) {
      const run = new Run(job, ctx);
      const reason = `snoozed until ${controls.snoozedUntil} (/kubemend snooze on #${incident}): no playbook runs`;
      run.decisions.push({ guardrail: 'snooze', allowed: false, reason });
      result = run.finish('skipped', reason);
    } else result = await runPlaybook(request.playbook, job, ctx, config);
    if (approval) result.decisions.unshift(approval);
    if (forced) result.decisions.unshift(forced);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    // The cluster could not be read or written: report gets a failed result, not silence.
    result = new Run(job, ctx).finish('failed', oneLine(getErrorMessage(error)));
  }
  return { job, result: redactDeep(result) };
}

/** The playbook's world: only mode auto gets a client that writes. */
function context(
  request: RemediateRequest,
  job: RemediationJob,
  incident: number | undefined,
): RemediationContext {
  const { config, github } = request;
  const g = config.guardrails;
  // Every other mode's client sends mutations with dryRun=All or not at all.
  const client = new KubeClient(request.kubeconfig, { dryRun: job.mode !== 'auto' });
  return {
    kubeconfig: request.kubeconfig,
    client,
    ledger: new Ledger(
      client,
      { namespace: g.ledgerNamespace, name: LEDGER_NAME },
      {
        perHour: g.rateLimit,
        perPlaybookPerHour: g.playbookRateLimit,
        cooldownMs: g.cooldownMs,
        stormIncidents: g.stormIncidents,
        stormWindowMs: g.stormWindowMs,
        recurrenceLimit: g.recurrenceLimit,
        recurrenceWindowMs: g.recurrenceWindowMs,
      },
    ),
    guardrails: {
      ...GUARDRAIL_DEFAULTS,
      optInLabel: g.optInLabel,
      protectedNamespaces: g.protectedNamespaces,
      minSchedulableShare: g.minHealthyNodes,
    },
    expectedIdentity: config.clusters[job.cluster],
    maxTargets: g.maxTargets,
    concurrency: g.concurrency,
    verify: { timeoutMs: g.verifyTimeoutMs, intervalMs: g.verifyIntervalMs },
    now: () => Date.now(),
    clusterNow: () => client.stats.serverTime ?? Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    log: (line) => request.log(redact(line)),
    ...(job.mode === 'propose' && github && incident
      ? {
          propose: (change: ManifestChange) =>
            proposeChange({ ...github, incident, id: job.id, paths: config.gitops.paths }, change),
        }
      : {}),
  };
}

/**
 * GitHub's time, for what GitHub dated (approvals, a snooze): the Date of its latest
 * answer, as incident times are; the runner's clock before it has answered.
 */
function githubNow(github: { stats: { serverTime: number | undefined } } | undefined): number {
  return github?.stats.serverTime ?? Date.now();
}
