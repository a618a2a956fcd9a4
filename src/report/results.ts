// The remediate jobs' results as report finds them: one JSON file per job, anywhere under
// the results directory (download-artifact puts each artifact in its own folder). A file
// that is not a result is named and skipped, never trusted: its text may be anything.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { OUTCOMES, type RemediationResult } from '../remediation/result.js';
import { PLAYBOOK_MODES, PLAYBOOKS } from '../shared/constants.js';
import { isObject } from '../shared/json.js';
import { redactDeep } from '../shared/redact.js';

/** Files larger than this are not a remediate result (enrichment is bounded well below). */
const MAX_RESULT_BYTES = 2_000_000;
const MAX_FILES = 1000;

export interface ResultSet {
  results: RemediationResult[];
  /** `path: why` for every file skipped. */
  skipped: string[];
}

export function readResults(dir: string, incident: number): ResultSet {
  const results: RemediationResult[] = [];
  const skipped: string[] = [];
  for (const path of jsonFiles(dir)) {
    const name = relative(dir, path);
    if (statSync(path).size > MAX_RESULT_BYTES) {
      skipped.push(`${name}: larger than a result can be`);
      continue;
    }
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(path, 'utf8'));
    } catch {
      skipped.push(`${name}: not JSON`);
      continue;
    }
    const problem = notAResult(doc);
    if (problem) {
      skipped.push(`${name}: ${problem}`);
      continue;
    }
    // A result file is an artifact anything in the run could have written: redacted on reading.
    const result = redactDeep(doc) as RemediationResult;
    // A run for several incidents leaves every result in one place; each report takes its own.
    if (result.incident !== null && result.incident !== incident) continue;
    results.push(result);
  }
  // Stable order for the table: playbooks in the taxonomy's order.
  results.sort(
    (a, b) => PLAYBOOKS.indexOf(a.playbook as never) - PLAYBOOKS.indexOf(b.playbook as never),
  );
  return { results, skipped };
}

function jsonFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (at: string, depth: number) => {
    let entries;
    try {
      entries = readdirSync(at, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (out.length >= MAX_FILES) return;
      const path = join(at, entry.name);
      if (entry.isDirectory() && depth < 3) walk(path, depth + 1);
      else if (entry.isFile() && entry.name.endsWith('.json')) out.push(path);
    }
  };
  walk(dir, 0);
  return out.sort();
}

/** Why a document is not a result of this version, or undefined when it is one. */
function notAResult(doc: unknown): string | undefined {
  if (!isObject(doc)) return 'not a JSON object';
  if (doc.version !== 1) return 'not a kubemend result (version 1)';
  if (!PLAYBOOKS.includes(doc.playbook as never)) return 'unknown playbook';
  if (!PLAYBOOK_MODES.includes(doc.mode as never)) return 'unknown mode';
  if (!OUTCOMES.includes(doc.outcome as never)) return 'unknown outcome';
  if (
    doc.incident !== null &&
    !(typeof doc.incident === 'number' && Number.isSafeInteger(doc.incident))
  )
    return 'incident is not a number';
  for (const key of ['findings', 'decisions', 'actions'] as const)
    if (!Array.isArray(doc[key])) return `${key} is not a list`;
  if (typeof doc.reason !== 'string' || typeof doc.cluster !== 'string')
    return 'reason or cluster missing';
  if (!isObject(doc.targets) || !isObject(doc.durations) || !isObject(doc.identity))
    return 'targets, durations or identity missing';
  return undefined;
}
