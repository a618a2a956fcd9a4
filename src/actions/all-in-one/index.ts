// The all-in-one action (the repository's root action.yml): intake → triage → each
// playbook in turn → report, in one step, for the one-job quick start. Each stage is the
// code its own action runs; the reusable workflow runs the same stages as parallel jobs.
import * as core from '@actions/core';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { actions } from '../loaders.js';
import { getErrorMessage, oneLine } from '../../shared/errors.js';
import { vetKubeconfig } from '../../kube/credentials.js';
import { booleanInput, optionalInput, optionalSecretInput, secretInput } from '../inputs.js';
import { redact } from '../../shared/redact.js';
import { Defaults, Inputs, Outputs } from './constants.js';
import { runStage } from './stage.js';

interface MatrixEntry {
  playbook: string;
  id: string;
}

export async function run(): Promise<void> {
  const kubeconfig = secretInput(
    Inputs.Kubeconfig,
    'pass the kubeconfig of the kubemend-remediate identity from a secret',
  );
  const allowExec = booleanInput(
    Inputs.AllowExecCredentials,
    Defaults[Inputs.AllowExecCredentials],
  );
  // Refused before intake records anything: every playbook would be refused alike.
  vetKubeconfig(kubeconfig, {
    kubeconfigInput: Inputs.Kubeconfig,
    allowInput: Inputs.AllowExecCredentials,
    allowExec,
  });
  const token = secretInput(Inputs.GitHubToken, 'pass ${{ github.token }} or a token');
  const webhook = optionalSecretInput(Inputs.NotifyWebhook);
  const config = optionalInput(Inputs.Config, Defaults[Inputs.Config]);
  const mode = optionalInput(Inputs.Mode, '');
  const context = optionalInput(Inputs.Context, '');
  const incidentMode = optionalInput(Inputs.IncidentMode, Defaults[Inputs.IncidentMode]);
  const cluster = optionalInput(Inputs.Cluster, '');
  const payload = optionalInput(Inputs.Payload, '');
  // Results of this run only: a second all-in-one step in the job starts from nothing.
  const scratch = mkdtempSync(join(process.env.RUNNER_TEMP || tmpdir(), 'kubemend-'));
  const load = async (name: keyof typeof actions) => (await actions[name]()).run;

  const intake = await runStage(
    {
      name: 'intake',
      inputs: {
        'github-token': token,
        mode: incidentMode,
        cluster,
        config,
        payload,
      },
      run: await load('intake'),
    },
    scratch,
  );
  core.setOutput(Outputs.IncidentNumber, intake['incident-number'] ?? '');
  core.setOutput(Outputs.IncidentUrl, intake['incident-url'] ?? '');
  if (!intake.alerts) {
    core.info('Intake recorded no alert to act on: no triage, remediation or report.');
    return;
  }

  const triage = await runStage(
    {
      name: 'triage',
      inputs: {
        'github-token': token,
        alerts: intake.alerts,
        incidents: intake.incidents ?? '',
        config,
      },
      run: await load('triage'),
    },
    scratch,
  );
  core.setOutput(Outputs.Matrix, triage.matrix ?? '');
  const matrix = JSON.parse(triage.matrix ?? '{"include":[]}') as { include: MatrixEntry[] };

  // One playbook after another: the ledger's budgets hold across them as across jobs.
  const resultsRoot = join(scratch, 'remediate');
  mkdirSync(resultsRoot, { recursive: true });
  const remediate = await load('remediate');
  for (const entry of matrix.include) {
    try {
      await runStage(
        {
          name: `remediate ${entry.playbook}`,
          inputs: {
            kubeconfig,
            context,
            'allow-exec-credentials': String(allowExec),
            playbook: entry.playbook,
            targets: JSON.stringify(entry),
            mode,
            config,
            'github-token': token,
          },
          env: { RUNNER_TEMP: resultsRoot },
          run: remediate,
        },
        scratch,
      );
    } catch (error) {
      // As a failed matrix job would: the others still run, and report says what happened.
      core.error(`remediate ${entry.playbook}: ${oneLine(redact(getErrorMessage(error)))}`);
      process.exitCode = 1;
    }
  }

  const report = (await actions.report()).run;
  const reported: { number: number; state: string; merged: string; 'comment-url': string }[] = [];
  const incidents = JSON.parse(triage.incidents ?? '[]') as { number: number | null }[];
  for (const { number } of incidents) {
    if (number === null) continue;
    const out = await runStage(
      {
        name: `report #${number}`,
        inputs: {
          'github-token': token,
          'incident-number': String(number),
          config,
          ...(webhook ? { 'notify-webhook': webhook } : {}),
        },
        run: () => report(join(resultsRoot, 'kubemend-results')),
      },
      scratch,
    );
    reported.push({
      number,
      state: out.state ?? '',
      merged: out.merged ?? 'false',
      'comment-url': out['comment-url'] ?? '',
    });
  }
  const [first] = reported;
  core.setOutput(Outputs.State, first?.state ?? '');
  core.setOutput(Outputs.Merged, first?.merged ?? 'false');
  core.setOutput(Outputs.CommentUrl, first?.['comment-url'] ?? '');
  core.setOutput(Outputs.Incidents, JSON.stringify(reported));
}
