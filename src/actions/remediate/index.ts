import * as core from '@actions/core';
import { loadConfig } from '../../config/config.js';
import { findApproval } from '../../commands/approvals.js';
import { createGitHubClient, pacingFromEnv } from '../../github/client.js';
import { proposeChange } from '../../remediation/proposals.js';
import { readRecord } from '../../incidents/records.js';
import { controlsOf, isSnoozed } from '../../incidents/controls.js';
import { KubeClient } from '../../kube/client.js';
import { Ledger } from '../../kube/ledger.js';
import { GUARDRAIL_DEFAULTS } from '../../remediation/guardrails.js';
import type { ManifestChange } from '../../remediation/manifest.js';
import { runPlaybook } from '../../remediation/playbooks/index.js';
import type { Decision } from '../../remediation/result.js';
import { Run, type RemediationContext } from '../../remediation/run.js';
import { getErrorMessage, oneLine, UsageError } from '../../shared/errors.js';
import { repositoryFromEnv } from '../event.js';
import { redact, redactDeep } from '../../shared/redact.js';
import { getRemediateInputs } from './inputs.js';
import { jobFromMatrix } from '../../remediation/job.js';
import { writeRemediateOutputs, writeResult } from './outputs.js';

export const LEDGER_NAME = 'kubemend-ledger';

export async function run(): Promise<void> {
  const inputs = getRemediateInputs();
  const config = loadConfig(inputs.configPath);
  const configured = inputs.mode ?? config.playbooks[inputs.playbook].mode;
  const job = jobFromMatrix(inputs.targets, inputs.playbook, configured);
  const g = config.guardrails;
  const repository = repositoryFromEnv();
  const github =
    inputs.token && repository
      ? { ...createGitHubClient({ token: inputs.token, ...pacingFromEnv() }), ...repository }
      : undefined;
  const incident = inputs.incident ?? job.incident ?? undefined;

  // What people said on the incident (/kubemend snooze, /kubemend dry-run) binds every run.
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
            Date.now(),
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
  // Only auto writes; every other mode's client sends mutations with dryRun=All or not at all.
  const client = new KubeClient(inputs.kubeconfig, { dryRun: job.mode !== 'auto' });
  const ctx: RemediationContext = {
    kubeconfig: inputs.kubeconfig,
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
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    log: (line) => core.info(redact(line)),
    ...(job.mode === 'propose' && github && incident
      ? {
          propose: (change: ManifestChange) =>
            proposeChange({ ...github, incident, id: job.id, paths: config.gitops.paths }, change),
        }
      : {}),
  };
  let result;
  try {
    if (controls && isSnoozed(controls, Date.now())) {
      const run = new Run(job, ctx);
      const reason = `snoozed until ${controls.snoozedUntil} (/kubemend snooze on #${incident}): no playbook runs`;
      run.decisions.push({ guardrail: 'snooze', allowed: false, reason });
      result = run.finish('skipped', reason);
    } else result = await runPlaybook(inputs.playbook, job, ctx, config);
    if (approval) result.decisions.unshift(approval);
    if (forced) result.decisions.unshift(forced);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    // The cluster could not be read or written: report gets a failed result, not silence.
    result = new Run(job, ctx).finish('failed', oneLine(getErrorMessage(error)));
  }
  // Findings, reasons and enrichment carry cluster text: redacted before anything shows them.
  result = redactDeep(result);
  const path = writeResult(result, job.id);
  await writeRemediateOutputs(result, path);
  if (result.outcome === 'failed') core.setFailed(`${job.playbook}: ${result.reason}`);
}
