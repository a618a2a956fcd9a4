import * as core from '@actions/core';
import { inline } from '../../incidents/markdown.js';
import { redact } from '../../shared/redact.js';
import type { CategoryResult } from '../../triage/engine.js';
import type { TriageOutcome } from '../../triage/stage.js';
import type { TriagedIncident } from '../../triage/triage.js';
import { Outputs } from './constants.js';

/** The action's outputs, by name: the all-in-one action reuses the matrix and incidents. */
export function triageOutputs({ triaged, matrix }: TriageOutcome): Record<string, string> {
  return {
    [Outputs.Matrix]: JSON.stringify({ include: matrix.include }),
    [Outputs.HasWork]: String(matrix.include.length > 0),
    [Outputs.Categories]: JSON.stringify(merged(triaged.map((t) => t.incident))),
    [Outputs.Incidents]: JSON.stringify(
      triaged.map(({ incident, number }) => ({
        number,
        key: incident.key,
        id: incident.id,
        status: incident.status,
        severity: incident.severity,
        categories: incident.categories.map((c) => ({ name: c.name, confidence: c.confidence })),
        targets: incident.targets,
      })),
    ),
  };
}

export function setTriageOutputs(outcome: TriageOutcome): void {
  for (const [name, value] of Object.entries(triageOutputs(outcome))) core.setOutput(name, value);
}

/** Warnings as annotations, a log line per incident, and the job summary's table. */
export async function summarizeTriage(
  { triaged, matrix, warnings }: TriageOutcome,
  requests: number,
): Promise<void> {
  for (const warning of warnings) core.warning(warning);
  for (const { incident, number } of triaged) {
    // Category names and confidences are ours; payload text is never logged.
    core.info(
      `${number ? `#${number}` : incident.id}: ${incident.categories.map((c) => `${c.name} ${c.confidence}${c.symptomOf ? ` (symptom of ${c.symptomOf})` : ''}`).join(', ')}.`,
    );
  }
  core.info(
    `Matrix: ${matrix.include.length ? matrix.include.map((e) => `${e.playbook}${e.incident ? ` #${e.incident}` : ''}`).join(', ') : 'no jobs'}. GitHub API requests: ${requests}.`,
  );

  await core.summary
    .addHeading('kubemend triage', 3)
    .addRaw(
      [
        '| incident | status | categories (confidence) | jobs |',
        '|---|---|---|---|',
        ...triaged.map(({ incident, number }) => {
          const jobs = matrix.include.filter((e) => e.id === incident.id).map((e) => e.playbook);
          const categories = incident.categories
            .map(
              (c) =>
                `${c.name} (${c.confidence}${c.symptomOf ? `, symptom of ${c.symptomOf}` : ''})`,
            )
            .join(', ');
          return `| ${number ? `#${number}` : inline(incident.title, 80)} | ${incident.status} | ${categories} | ${jobs.join(', ') || '—'} |`;
        }),
        '',
        evidenceLines(triaged.map((t) => t.incident)),
        '',
      ].join('\n'),
    )
    .write();
}

/** Each category once, with its best confidence across incidents, best first. */
function merged(
  incidents: TriagedIncident[],
): Pick<CategoryResult, 'name' | 'confidence' | 'playbook' | 'evidence'>[] {
  const best = new Map<string, CategoryResult>();
  for (const incident of incidents)
    for (const c of incident.categories) {
      const seen = best.get(c.name);
      if (!seen || c.confidence > seen.confidence) best.set(c.name, c);
    }
  return [...best.values()]
    .sort((a, b) => b.confidence - a.confidence)
    .map(({ name, confidence, playbook, evidence }) => ({ name, confidence, playbook, evidence }));
}

/** The evidence of each incident's best category, escaped: it is payload text. */
function evidenceLines(incidents: TriagedIncident[]): string {
  const lines: string[] = [];
  for (const incident of incidents.slice(0, 20)) {
    const [top] = incident.categories;
    if (!top) continue;
    for (const e of top.evidence.slice(0, 3))
      lines.push(
        `- **${top.name}**: \`${e.path.replace(/`/g, '')}\` matched ${inline(redact(e.text), 160)} (rule ${inline(e.rule, 60)})`,
      );
  }
  return lines.join('\n');
}
