import * as core from '@actions/core';
import type { Alert } from '../../alerts/model.js';
import type { IntakeOutcome } from '../../incidents/intake.js';
import { inline } from '../../incidents/markdown.js';
import type { UpsertResult } from '../../incidents/upsert.js';
import type { IncidentMode } from '../../shared/constants.js';
import { redact, redactDeep } from '../../shared/redact.js';
import { Outputs } from './constants.js';

/** GitHub keeps at most 1 MB of outputs per job; the alerts share it with other steps. */
const MAX_ALERTS_OUTPUT_BYTES = 256 * 1024;

/** The action's outputs, by name. */
export function intakeOutputs(outcome: IntakeOutcome): Record<string, string> {
  const [first] = outcome.results;
  if (!first) throw new Error('intake produced no incident');
  return {
    [Outputs.IncidentNumber]: String(first.number ?? ''),
    [Outputs.IncidentUrl]: first.url ?? '',
    [Outputs.IncidentKey]: first.key,
    [Outputs.Created]: String(first.created),
    [Outputs.Status]: first.status,
    [Outputs.RecordPath]: first.recordPath,
    [Outputs.Action]: first.action,
    [Outputs.Incidents]: JSON.stringify(outcome.results.map(describe)),
    [Outputs.Alerts]: alertsJson(outcome.alerts.map(freeTextRedacted)),
  };
}

export function setIntakeOutputs(outcome: IntakeOutcome): void {
  for (const [name, value] of Object.entries(intakeOutputs(outcome))) core.setOutput(name, value);
}

/** A log line per incident and the job summary's table. */
export async function summarizeIntake(
  outcome: IntakeOutcome,
  mode: IncidentMode,
  requests: number,
): Promise<void> {
  const kind = mode === 'pr' ? 'pull request' : 'issue';
  for (const r of outcome.results) {
    // Branch names are slugs: safe to log. Payload text is never logged.
    core.info(
      `${r.branch}: ${r.action}, ${kind} ${r.number ? `#${r.number}` : '(being opened)'}, ${r.status}, occurrence ${r.occurrences}${r.notable.length ? `, told: ${r.notable.join(', ')}` : ''}.`,
    );
  }
  core.info(`GitHub API requests: ${requests}.`);
  await core.summary
    .addHeading('kubemend intake', 3)
    .addRaw(
      [
        '| incident | key | action | status | occurrences |',
        '|---|---|---|---|---|',
        ...outcome.results.map(
          (r) =>
            `| ${r.number ? `#${r.number}` : '—'} | ${inline(r.key.replace(/\n/g, ' · '), 120)} | ${r.action} | ${r.status}${r.stablyResolved ? ' (stable)' : ''} | ${r.occurrences} |`,
        ),
        '',
        `${outcome.alerts.length} alert${outcome.alerts.length === 1 ? '' : 's'}, ${requests} GitHub API requests.`,
        '',
      ].join('\n'),
    )
    .write();
}

function describe(r: UpsertResult) {
  return {
    number: r.number,
    url: r.url,
    key: r.key,
    created: r.created,
    action: r.action,
    status: r.status,
    'stably-resolved': r.stablyResolved,
    occurrences: r.occurrences,
    'record-path': r.recordPath,
    branch: r.branch,
    notable: r.notable,
  };
}

/**
 * Triage reads the alerts from this output: their free text is redacted as the record's is,
 * and the labels, names and targets that make the incident's identity are kept.
 */
export function freeTextRedacted(alert: Alert): Alert {
  return {
    ...alert,
    message: alert.message === undefined ? undefined : redact(alert.message),
    annotations: redactDeep(alert.annotations),
    details: redactDeep(alert.details),
    runbookUrl: alert.runbookUrl === undefined ? undefined : redact(alert.runbookUrl),
    sourceUrl: alert.sourceUrl === undefined ? undefined : redact(alert.sourceUrl),
  };
}

/** The alerts as JSON, cut to whole alerts that fit the output budget (with a warning). */
function alertsJson(alerts: Alert[]): string {
  const all = JSON.stringify(alerts);
  if (Buffer.byteLength(all) <= MAX_ALERTS_OUTPUT_BYTES) return all;
  const kept: string[] = [];
  let bytes = 2;
  for (const alert of alerts) {
    const text = JSON.stringify(alert);
    if (bytes + Buffer.byteLength(text) + 1 > MAX_ALERTS_OUTPUT_BYTES) break;
    kept.push(text);
    bytes += Buffer.byteLength(text) + 1;
  }
  core.warning(
    `The alerts output holds the first ${kept.length} of ${alerts.length} alerts (${MAX_ALERTS_OUTPUT_BYTES / 1024} KiB output budget).`,
  );
  return `[${kept.join(',')}]`;
}
