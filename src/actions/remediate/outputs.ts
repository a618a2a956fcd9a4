// What a remediate job leaves behind: the result JSON for report, the outputs, a job
// summary a person can read, and an annotation for each refusal. Text read from the
// cluster (messages, log lines) is redacted, and escaped before it reaches Markdown or a log line.
import * as core from '@actions/core';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { codeBlock, inline } from '../../incidents/markdown.js';
import type { RemediationResult } from '../../remediation/result.js';
import { oneLine } from '../../shared/errors.js';
import { redact, redactedJson } from '../../shared/redact.js';
import { Outputs } from './constants.js';

/**
 * `<RUNNER_TEMP>/kubemend-results/<id>-<playbook>.json`: both parts are ours, never payload
 * text. The file is uploaded as an artifact: its text is redacted whatever the caller did.
 */
export function writeResult(result: RemediationResult, id: string): string {
  const dir = join(process.env.RUNNER_TEMP || tmpdir(), 'kubemend-results');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${id}-${result.playbook}.json`);
  writeFileSync(path, `${redactedJson(result)}\n`, { mode: 0o600 });
  return path;
}

export async function writeRemediateOutputs(
  result: RemediationResult,
  path: string,
): Promise<void> {
  core.setOutput(Outputs.Outcome, result.outcome);
  core.setOutput(Outputs.ResultPath, path);
  await summarizeRemediation(result);
}

/** A log line, an annotation per refusal, the identity to paste, and the job summary. */
export async function summarizeRemediation(result: RemediationResult): Promise<void> {
  core.info(
    `${result.playbook} (${result.mode}) on ${result.cluster}: ${result.outcome}. ${result.actions.length} action(s), ${result.decisions.filter((d) => !d.allowed).length} refusal(s), ${result.requests} Kubernetes request(s).`,
  );
  for (const d of result.decisions.filter((d) => !d.allowed))
    core.warning(`${d.guardrail}: ${oneLine(redact(d.reason))}`, {
      title: `kubemend ${result.playbook}`,
    });
  if (result.identity.observed)
    core.notice(
      `Cluster identity is not configured; nothing was written. Paste this under 'clusters:' in the config:\n${result.identity.observed}`,
      { title: 'kubemend: cluster identity' },
    );
  await core.summary.addRaw(redact(summaryMarkdown(result)), true).write();
}

export function summaryMarkdown(r: RemediationResult): string {
  const lines = [
    `### kubemend ${r.playbook}: ${r.outcome}`,
    '',
    `| cluster | mode | outcome | actions | refusals | requests | duration |`,
    `|---|---|---|---|---|---|---|`,
    `| ${inline(r.cluster)} | ${r.mode} | **${r.outcome}** | ${r.actions.length} | ${r.decisions.filter((d) => !d.allowed).length} | ${r.requests} | ${Math.round(r.durations.totalMs / 1000)}s |`,
    '',
    inline(r.reason, 1000),
    '',
  ];
  if (r.findings.length)
    lines.push('**Findings**', '', ...r.findings.map((f) => `- ${inline(f, 500)}`), '');
  if (r.decisions.length)
    lines.push(
      '**Guardrails**',
      '',
      '| guardrail | target | decision | reason |',
      '|---|---|---|---|',
      ...r.decisions.map(
        (d) =>
          `| ${d.guardrail} | ${inline(d.target ?? '')} | ${d.allowed ? 'allowed' : '**refused**'} | ${inline(d.reason, 400)} |`,
      ),
      '',
    );
  if (r.actions.length)
    lines.push(
      '**Actions**',
      '',
      '| action | object | dry run | detail |',
      '|---|---|---|---|',
      ...r.actions
        .slice(0, 50)
        .map(
          (a) =>
            `| ${a.verb} | ${inline(a.object)} | ${a.dryRun ? 'yes' : 'no'} | ${a.error ? `**failed**: ${inline(a.error, 300)}; ` : ''}${inline(a.detail, 300)} |`,
        ),
      ...(r.actions.length > 50 ? [`| … | ${r.actions.length - 50} more | | |`] : []),
      '',
    );
  const diffs = r.actions.filter((a) => a.diff?.length);
  if (diffs.length)
    lines.push(
      '<details><summary>Changes the API server accepted</summary>',
      '',
      codeBlock(
        diffs
          .map((a) => [`${a.verb} ${a.object}`, ...(a.diff ?? []).map((d) => `  ${d}`)].join('\n'))
          .join('\n'),
        8000,
        'diff',
      ),
      '',
      '</details>',
      '',
    );
  if (r.identity.observed)
    lines.push(
      '**Cluster identity is not configured.** Paste this into `.github/kubemend.yml`:',
      '',
      codeBlock(r.identity.observed, 2000, 'yaml'),
      '',
    );
  return lines.join('\n');
}
