// The remediate jobs' results as report finds them: one JSON file per job, anywhere under
// the results directory (download-artifact puts each artifact in its own folder). A file
// that is not a result is named and skipped, never trusted: its text may be anything.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import {
  OUTCOMES,
  type ActionRecord,
  type Decision,
  type RemediationResult,
  type SubjectResult,
} from '../remediation/result.js';
import { parseTargetRef } from '../incidents/target-ref.js';
import { targetsFrom } from '../remediation/targets.js';
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
    const parsed = parseResult(doc);
    if ('problem' in parsed) {
      skipped.push(`${name}: ${parsed.problem}`);
      continue;
    }
    // A result file is an artifact anything in the run could have written: redacted on reading.
    const result = redactDeep(parsed.result);
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

/** Every guardrail a decision can name: a result naming another is not one of ours. */
const GUARDRAILS: Record<Decision['guardrail'], true> = {
  'protected-namespace': true,
  'opt-in': true,
  'control-plane': true,
  'min-healthy-nodes': true,
  context: true,
  identity: true,
  mode: true,
  'bare-pod': true,
  'rate-limit': true,
  'playbook-rate-limit': true,
  cooldown: true,
  storm: true,
  recurrence: true,
  'max-targets': true,
  pdb: true,
  'memory-cap': true,
  manifest: true,
  approval: true,
  snooze: true,
  'in-use': true,
};
const isGuardrail = (name: string): name is Decision['guardrail'] =>
  Object.hasOwn(GUARDRAILS, name);
const VERBS: readonly ActionRecord['verb'][] = ['delete', 'patch', 'create', 'evict', 'commit'];

/** Why a file is not a result: one line naming the field and what is allowed. */
class NotAResult extends Error {}
const refuse = (problem: string): never => {
  throw new NotAResult(problem);
};
const fail = (field: string, allowed: string): never => refuse(`${field} is not ${allowed}`);

const isString = (v: unknown): v is string => typeof v === 'string';
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const strings = (v: unknown, field: string): string[] =>
  Array.isArray(v) && v.every(isString) ? v : fail(field, 'a list of strings');
const optionalStrings = (v: unknown, field: string): string[] | undefined =>
  v === undefined ? undefined : strings(v, field);

/**
 * The one reader of a result file: the typed result, or why the document is not one of
 * this version. Report shows neither the enrichment nor what it withheld, so neither is
 * read back.
 */
export function parseResult(doc: unknown): { result: RemediationResult } | { problem: string } {
  try {
    return { result: resultOf(doc) };
  } catch (error) {
    if (error instanceof NotAResult) return { problem: error.message };
    throw error;
  }
}

function resultOf(doc: unknown): RemediationResult {
  if (!isObject(doc)) return refuse('not a JSON object');
  if (doc.version !== 1) return refuse('not a kubemend result (version 1)');
  // The outline first, in the words earlier warnings used; then each field's shape.
  const playbook = PLAYBOOKS.find((p) => p === doc.playbook) ?? refuse('unknown playbook');
  const mode = PLAYBOOK_MODES.find((m) => m === doc.mode) ?? refuse('unknown mode');
  const outcome = OUTCOMES.find((o) => o === doc.outcome) ?? refuse('unknown outcome');
  const incident = doc.incident;
  if (incident !== null && !(typeof incident === 'number' && Number.isSafeInteger(incident)))
    return refuse('incident is not a number');
  for (const key of ['findings', 'decisions', 'actions'] as const)
    if (!Array.isArray(doc[key])) return refuse(`${key} is not a list`);
  const { reason, cluster, category, identity, durations, verification, requests } = doc;
  if (!isString(reason) || !isString(cluster)) return refuse('reason or cluster missing');
  if (!isObject(doc.targets) || !isObject(durations) || !isObject(identity))
    return refuse('targets, durations or identity missing');
  if (!isString(category)) return fail('category', 'a string');
  if (!isString(identity.status)) return fail('identity.status', 'a string');
  if (identity.observed !== undefined && !isString(identity.observed))
    return fail('identity.observed', 'a string');
  if (!isNumber(durations.totalMs) || !isNumber(durations.verifyMs))
    return fail('durations', '{totalMs, verifyMs} in milliseconds');
  if (
    !isObject(verification) ||
    !isNumber(verification.before) ||
    !(verification.after === null || isNumber(verification.after)) ||
    !isNumber(verification.polls)
  )
    return fail('verification', '{before, after, polls} counts');
  if (!isNumber(requests)) return fail('requests', 'a count');
  const matched = optionalStrings(identity.matched, 'identity.matched');
  const mismatched = optionalStrings(identity.mismatched, 'identity.mismatched');
  return {
    version: 1,
    playbook,
    category,
    incident,
    cluster,
    mode,
    targets: targetsFrom(doc.targets, cluster, fail),
    ...(doc.subjects !== undefined ? { subjects: subjectsOf(doc.subjects) } : {}),
    identity: {
      status: identity.status,
      ...(matched ? { matched } : {}),
      ...(mismatched ? { mismatched } : {}),
      ...(identity.observed !== undefined ? { observed: identity.observed } : {}),
    },
    findings: strings(doc.findings, 'findings'),
    decisions: list(doc.decisions, 'decisions').map(decisionOf),
    actions: list(doc.actions, 'actions').map(actionOf),
    verification: {
      before: verification.before,
      after: verification.after,
      polls: verification.polls,
    },
    outcome,
    reason,
    requests,
    durations: { totalMs: durations.totalMs, verifyMs: durations.verifyMs },
  };
}

function list(value: unknown, field: string): Record<string, unknown>[] {
  if (!Array.isArray(value)) return fail(field, 'a list');
  return value.map((v, i) => (isObject(v) ? v : fail(`${field}[${i}]`, 'an object')));
}

/** More rows than a job has subjects and targets it touched. */
const MAX_SUBJECT_ROWS = 500;

function subjectsOf(value: unknown): SubjectResult[] {
  if (Array.isArray(value) && value.length > MAX_SUBJECT_ROWS)
    return fail('subjects', `a list of at most ${MAX_SUBJECT_ROWS} rows`);
  return list(value, 'subjects').map((s, i): SubjectResult => {
    const { target, why, reason, action, refused } = s;
    const field = `subjects[${i}]`;
    if (!isString(target) || !parseTargetRef(target))
      return fail(`${field}.target`, 'a target name (Kind/namespace/name or Kind/name)');
    const outcome =
      OUTCOMES.find((o) => o === s.outcome) ?? fail(`${field}.outcome`, OUTCOMES.join(', '));
    if (!isString(reason) || !isString(action) || !(why === undefined || isString(why)))
      return fail(field, '{target, why?, outcome, reason, action, refused?}');
    if (
      refused !== undefined &&
      !(isObject(refused) && isString(refused.guardrail) && isString(refused.reason))
    )
      return fail(`${field}.refused`, '{guardrail, reason}');
    return {
      target,
      ...(why !== undefined ? { why } : {}),
      outcome,
      reason,
      action,
      ...(refused !== undefined
        ? { refused: { guardrail: refused.guardrail as string, reason: refused.reason as string } }
        : {}),
    };
  });
}

function decisionOf(d: Record<string, unknown>, i: number): Decision {
  const { guardrail, allowed, reason, target } = d;
  if (!isString(guardrail) || !isGuardrail(guardrail))
    return fail(`decisions[${i}].guardrail`, 'a kubemend guardrail');
  if (
    typeof allowed !== 'boolean' ||
    !isString(reason) ||
    !(target === undefined || isString(target))
  )
    return fail(`decisions[${i}]`, '{guardrail, allowed, reason, target?}');
  return {
    guardrail,
    allowed,
    reason,
    ...(target !== undefined ? { target } : {}),
  };
}

function actionOf(a: Record<string, unknown>, i: number): ActionRecord {
  const { object, dryRun, detail, error } = a;
  const verb = VERBS.find((v) => v === a.verb) ?? fail(`actions[${i}].verb`, VERBS.join(', '));
  if (
    !isString(object) ||
    typeof dryRun !== 'boolean' ||
    !isString(detail) ||
    !(error === undefined || isString(error))
  )
    return fail(`actions[${i}]`, '{verb, object, dryRun, detail, diff?, error?}');
  const diff = optionalStrings(a.diff, `actions[${i}].diff`);
  return {
    verb,
    object,
    dryRun,
    detail,
    ...(diff ? { diff } : {}),
    ...(error !== undefined ? { error } : {}),
  };
}
