// The all-in-one action (the repository's root action.yml): intake → triage → each
// playbook in turn → report, in one step, for the one-job quick start. It calls the same
// stage functions as the stage actions, and shows each stage's summary as they do; the
// reusable workflow runs the stages as parallel jobs.
import * as core from '@actions/core';
import { loadConfig } from '../../config/config.js';
import { createGitHubClient, pacingFromEnv } from '../../github/client.js';
import { retryRequest } from '../../incidents/retry.js';
import { runIntake } from '../../incidents/stage.js';
import { vetKubeconfig } from '../../kube/credentials.js';
import { loadKubeconfig } from '../../kube/kubeconfig.js';
import type { RemediationResult } from '../../remediation/result.js';
import { remediate } from '../../remediation/stage.js';
import { report } from '../../report/stage.js';
import { INCIDENT_MODES, PLAYBOOK_MODES, PLAYBOOKS } from '../../shared/constants.js';
import { getErrorMessage, oneLine } from '../../shared/errors.js';
import { redact } from '../../shared/redact.js';
import { sweep } from '../../sweep/stage.js';
import { triage } from '../../triage/stage.js';
import { readEvent, requiredRepository, runUrl, serverUrl } from '../event.js';
import {
  booleanInput,
  enumInput,
  optionalInput,
  secretInput,
  workspacePathInput,
} from '../inputs.js';
import { baseInput, payloadInput } from '../intake/inputs.js';
import { freeTextRedacted, summarizeIntake } from '../intake/outputs.js';
import { clusterNameInput } from '../name-inputs.js';
import { summarizeRemediation } from '../remediate/outputs.js';
import { notifierFor, notifyOf, readNotifyInputs } from '../notify-inputs.js';
import { summarizeReport } from '../report/index.js';
import { summarizeTriage, triageOutputs } from '../triage/outputs.js';
import { Defaults, Inputs, Outputs } from './constants.js';

export async function run(): Promise<void> {
  const rawKubeconfig = secretInput(
    Inputs.Kubeconfig,
    'pass the kubeconfig of the kubemend-remediate identity from a secret',
  );
  const allowExec = booleanInput(
    Inputs.AllowExecCredentials,
    Defaults[Inputs.AllowExecCredentials],
  );
  // Refused before intake records anything: every playbook would be refused alike.
  vetKubeconfig(rawKubeconfig, {
    kubeconfigInput: Inputs.Kubeconfig,
    allowInput: Inputs.AllowExecCredentials,
    allowExec,
  });
  const kubeconfig = loadKubeconfig(rawKubeconfig, {
    kubeconfigInput: Inputs.Kubeconfig,
    context: optionalInput(Inputs.Context),
    contextInput: Inputs.Context,
    allowExec,
    allowInput: Inputs.AllowExecCredentials,
  });
  const token = secretInput(Inputs.GitHubToken, 'pass ${{ github.token }} or a token');
  const notifyInputs = readNotifyInputs();
  const configPath = workspacePathInput(Inputs.Config, Defaults[Inputs.Config]);
  const mode = enumInput(Inputs.Mode, PLAYBOOK_MODES, undefined);
  const incidentMode = enumInput(
    Inputs.IncidentMode,
    INCIDENT_MODES,
    Defaults[Inputs.IncidentMode],
  );
  const cluster = clusterNameInput(Inputs.Cluster);
  const payload = payloadInput(Inputs.Payload);
  const repository = requiredRepository();
  const config = loadConfig(configPath);
  const notify = notifierFor(config, notifyInputs);
  const pacing = pacingFromEnv();
  const github = {
    ...createGitHubClient({
      token,
      ...pacing,
      maxRateLimitWaitSeconds: config.intake.rateLimitWaitMs / 1000,
    }),
    ...repository,
  };
  // Each stage's summary counts its own requests, as its own action would.
  const requestsSince = (start: number) => github.stats.total - start;

  let start = github.stats.total;
  const intake = await core.group('kubemend intake', async () => {
    const outcome = await runIntake(
      { payload, retry: retryRequest(readEvent()), cluster, config: config.intake },
      {
        ...github,
        mode: incidentMode,
        base: baseInput(undefined),
        config: config.intake,
        labels: [],
        serverUrl: serverUrl(),
        backoffMs: pacing.backoffMs,
        receivedAt: Date.now(),
        log: { info: core.info, warning: core.warning },
      },
    );
    await summarizeIntake(outcome, incidentMode, requestsSince(start));
    return outcome;
  });
  const [first] = intake.results;
  core.setOutput(Outputs.IncidentNumber, first?.number ?? '');
  core.setOutput(Outputs.IncidentUrl, first?.url ?? '');
  if (intake.alerts.length === 0) {
    core.info('Intake recorded no alert to act on: no triage, remediation or report.');
    return;
  }

  start = github.stats.total;
  const triaged = await core.group('kubemend triage', async () => {
    const outcome = await triage({
      // As the triage action reads them from intake's output: free text redacted.
      alerts: intake.alerts.map(freeTextRedacted),
      numbers: new Map(
        intake.results.flatMap((r) => (r.number === null ? [] : [[r.key, r.number] as const])),
      ),
      incidentNumber: first?.number ?? undefined,
      config,
      github,
    });
    await summarizeTriage(outcome, requestsSince(start));
    return outcome;
  });
  core.setOutput(Outputs.Matrix, triageOutputs(triaged).matrix ?? '');

  // One playbook after another: the ledger's budgets hold across them as across jobs.
  const results: RemediationResult[] = [];
  for (const entry of triaged.matrix.include) {
    const playbook = PLAYBOOKS.find((p) => p === entry.playbook);
    await core.group(`kubemend remediate ${entry.playbook}`, async () => {
      try {
        if (!playbook) throw new Error(`triage's matrix names no playbook ${entry.playbook}`);
        const { result } = await remediate({
          playbook,
          entry: { ...entry },
          mode,
          incident: undefined,
          config,
          kubeconfig,
          contextChosen: optionalInput(Inputs.Context) !== '',
          github,
          log: core.info,
        });
        results.push(result);
        await summarizeRemediation(result);
        if (result.outcome === 'failed') {
          core.error(`${result.playbook}: ${result.reason}`);
          process.exitCode = 1;
        }
      } catch (error) {
        // As a failed matrix job would: the others still run, and report says what happened.
        core.error(`remediate ${entry.playbook}: ${oneLine(redact(getErrorMessage(error)))}`);
        process.exitCode = 1;
      }
    });
  }

  const reported: { number: number; state: string; merged: string; 'comment-url': string }[] = [];
  for (const { number } of triaged.triaged) {
    if (number === null) continue;
    start = github.stats.total;
    const outcome = await core.group(`kubemend report #${number}`, async () => {
      const done = await report({
        github: { ...github, number },
        config,
        results,
        skipped: [],
        ...notifyOf(notify),
        runUrl: runUrl(repository),
        trigger: process.env.GITHUB_EVENT_NAME ?? 'workflow',
        serverUrl: serverUrl(),
      });
      await summarizeReport(done, number, requestsSince(start));
      return done;
    });
    reported.push({
      number,
      state: outcome.state,
      merged: String(outcome.merged),
      'comment-url': outcome.commentUrl,
    });
  }
  // An alert resolved at the source with no stable window to wait out (intake.stable-window
  // 0) is finished at once when the cluster shows it healthy, as the next sweep would.
  const finished = intake.results.flatMap((r) =>
    r.stablyResolved && r.number !== null ? [r.number] : [],
  );
  if (finished.length) {
    const swept = await core.group('kubemend sweep', () =>
      sweep({
        github,
        config,
        kubeconfig,
        ...notifyOf(notify),
        log: core.info,
        runUrl: runUrl(repository),
        trigger: process.env.GITHUB_EVENT_NAME ?? 'workflow',
        only: finished,
      }),
    );
    for (const warning of swept.warnings) core.warning(warning, { title: 'kubemend sweep' });
    for (const change of swept.changed) {
      const entry = reported.find((r) => r.number === change.number);
      if (entry) {
        entry.state = change.to;
        entry.merged = String(/^Merged/.test(change.ending ?? ''));
      }
    }
  }
  const [head] = reported;
  core.setOutput(Outputs.State, head?.state ?? '');
  core.setOutput(Outputs.Merged, head?.merged ?? 'false');
  core.setOutput(Outputs.CommentUrl, head?.['comment-url'] ?? '');
  core.setOutput(Outputs.Incidents, JSON.stringify(reported));
}
