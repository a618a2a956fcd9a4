// What the metrics action leaves behind: the report as the job summary, the figures as
// files (JSON, OpenMetrics, Markdown) for later steps to upload or push, a few headline
// figures as outputs, a warning annotation per warning and one log line.
import * as core from '@actions/core';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PublishOutcome } from '../../metrics/publish.js';
import { oneLine } from '../../shared/errors.js';
import { Outputs } from './constants.js';

export interface WrittenFiles {
  json: string;
  openmetrics: string;
  markdown: string;
}

/** The three renderings under `dir` (the runner's temporary directory by default). */
export function writeMetricsFiles(
  outcome: PublishOutcome,
  dir = join(process.env.RUNNER_TEMP || tmpdir(), 'kubemend-metrics'),
): WrittenFiles {
  mkdirSync(dir, { recursive: true });
  const files = {
    json: join(dir, 'metrics.json'),
    openmetrics: join(dir, 'metrics.prom'),
    markdown: join(dir, 'metrics.md'),
  };
  writeFileSync(files.json, outcome.json);
  writeFileSync(files.openmetrics, outcome.openmetrics);
  writeFileSync(files.markdown, outcome.markdown);
  return files;
}

const seconds = (ms: number | null | undefined): string =>
  ms === null || ms === undefined ? '' : String(Math.round(ms / 1000));

/** The action's outputs, by name. */
export function metricsOutputs(
  outcome: PublishOutcome,
  files: WrittenFiles,
): Record<string, string> {
  const { windows } = outcome.figures;
  const week = windows.find((w) => w.days === 7);
  // The report's main window: 30 days when read, else the longest.
  const main = windows.find((w) => w.days === 30) ?? windows[windows.length - 1];
  return {
    [Outputs.JsonPath]: files.json,
    [Outputs.OpenMetricsPath]: files.openmetrics,
    [Outputs.MarkdownPath]: files.markdown,
    [Outputs.Issue]: outcome.issue ? String(outcome.issue.number) : '',
    [Outputs.Incidents]: String(outcome.history.incidents.length),
    [Outputs.IncidentsThisWeek]: week ? String(week.current.all.incidents) : '',
    [Outputs.MttrMedianSeconds]: seconds(main?.current.all.timeToRecoverMs.median),
    [Outputs.MttrP90Seconds]: seconds(main?.current.all.timeToRecoverMs.p90),
    [Outputs.Unknown]: String(outcome.figures.unknown.length),
    [Outputs.GitHubRequests]: String(outcome.requests),
  };
}

export async function reportMetrics(outcome: PublishOutcome, files: WrittenFiles): Promise<void> {
  for (const [name, value] of Object.entries(metricsOutputs(outcome, files)))
    core.setOutput(name, value);
  for (const warning of outcome.warnings)
    core.warning(oneLine(warning), { title: 'kubemend metrics' });
  const issue = outcome.issue
    ? ` Metrics issue #${outcome.issue.number} ${outcome.issue.created ? 'opened' : 'updated'}.`
    : '';
  core.info(
    `Measured ${outcome.history.incidents.length} incident(s), ${outcome.figures.unknown.length} unreadable.${issue} GitHub API requests: ${outcome.requests}.`,
  );
  await core.summary.addRaw(outcome.markdown, true).write();
}
