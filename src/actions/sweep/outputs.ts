// What a sweep leaves behind: the outputs, a job summary of what changed (one line when
// nothing did), an annotation per warning, and one log line with the request counts.
// Endings can quote text from GitHub or the cluster: redacted, and escaped for Markdown.
import * as core from '@actions/core';
import { inline } from '../../incidents/markdown.js';
import { oneLine } from '../../shared/errors.js';
import { redact, redactDeep } from '../../shared/redact.js';
import type { SweepOutcome } from '../../sweep/stage.js';
import { Outputs as IntakeOutputs } from '../intake/constants.js';
import { intakeOutputs } from '../intake/outputs.js';
import type { SweepCluster } from '../../sweep/clusters.js';
import { writeScanFile } from '../scan-files.js';
import { Outputs } from './constants.js';

/** The action's outputs, by name. */
export function sweepOutputs(outcome: SweepOutcome): Record<string, string> {
  const fed = outcome.scan?.intake ? intakeOutputs(outcome.scan.intake) : undefined;
  return {
    [Outputs.Incidents]: String(outcome.incidents),
    [Outputs.Changed]: JSON.stringify(redactDeep(outcome.changed)),
    [Outputs.Closed]: String(outcome.closed),
    [Outputs.GitHubRequests]: String(outcome.githubRequests),
    [Outputs.KubeRequests]: String(outcome.kubeRequests),
    [Outputs.Findings]: String(outcome.scan?.findings ?? 0),
    // What triage reads, as intake's own outputs: empty when the scan fed nothing.
    [Outputs.Alerts]: fed?.[IntakeOutputs.Alerts] ?? '',
    [Outputs.ScanIncidents]: fed?.[IntakeOutputs.Incidents] ?? '',
  };
}

export function writeSweepOutputs(outcome: SweepOutcome): void {
  const outputs = sweepOutputs(outcome);
  for (const [name, value] of Object.entries(outputs)) core.setOutput(name, value);
  // The same for a sweep job of a matrix, whose outputs another job would overwrite.
  const alerts = outputs[Outputs.Alerts];
  const incidents = outputs[Outputs.ScanIncidents];
  core.setOutput(Outputs.ScanPath, alerts && incidents ? writeScanFile(alerts, incidents) : '');
}

/** `list-clusters`: the clusters to sweep, for `strategy.matrix.include`. */
export function writeClusters(clusters: SweepCluster[]): void {
  core.setOutput(Outputs.Clusters, JSON.stringify(clusters));
  core.info(
    `Clusters to sweep: ${clusters.map((c) => c.cluster || "(the kubeconfig's)").join(', ')}.`,
  );
}

/** Warnings as annotations, one log line, and the job summary. */
export async function summarizeSweep(outcome: SweepOutcome): Promise<void> {
  for (const warning of outcome.warnings)
    core.warning(oneLine(redact(warning)), { title: 'kubemend sweep' });
  core.info(
    `Swept ${outcome.incidents} incident(s), ${outcome.targets} target(s): ${outcome.changed.length} changed, ${outcome.closed} closed. GitHub API requests: ${outcome.githubRequests}, Kubernetes requests: ${outcome.kubeRequests}.`,
  );
  await core.summary.addRaw(summaryMarkdown(outcome), true).write();
}

export function summaryMarkdown(outcome: SweepOutcome): string {
  const scan = outcome.scan;
  if (outcome.skipped)
    return ['### kubemend sweep', '', inline(outcome.skipped, 500), ''].join('\n');
  const heading = [
    '### kubemend sweep',
    '',
    ...(scan
      ? [
          `Scanned ${inline(scan.cluster, 63)}: ${scan.findings} finding(s); ${scan.fed} alert(s) fed to intake (${scan.resolved} resolved), ${scan.unchanged} unchanged, ${scan.ignored} ignored, ${scan.belowFloor} below the severity floor.`,
          '',
        ]
      : []),
  ].join('\n');
  if (outcome.changed.length === 0)
    return [heading, `${outcome.incidents} incident(s) looked at, nothing to change.`, ''].join(
      '\n',
    );
  return [
    heading,
    `${outcome.incidents} incident(s) looked at, ${outcome.targets} target(s) observed; ${outcome.changed.length} changed, ${outcome.closed} closed.`,
    '',
    '| incident | from | to | ending |',
    '|---|---|---|---|',
    ...outcome.changed.map(
      (c) =>
        `| #${c.number} | ${inline(c.from, 40)} | ${inline(c.to, 40)} | ${inline(redact(c.ending ?? ''), 300) || '—'} |`,
    ),
    '',
  ].join('\n');
}
