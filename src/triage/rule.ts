// A triage rule, built-in or the user's: regular expressions over an alert's facts that,
// all matching, name a category with a confidence. Built-in and user rules share this
// shape, so a user rule is written exactly like the ones kubemend ships.
import type { Severity } from '../alerts/model.js';
import type { Playbook } from '../shared/constants.js';
import type { Category } from './categories.js';
import type { Fact, FactKind } from './facts.js';

/** Each key is a regular expression (case-insensitive, unanchored) over facts of its kind. */
export interface Matcher {
  source?: string;
  /** The involved object's kind of a Kubernetes event. */
  kind?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  reason?: string;
  message?: string;
  /** Argo CD health and sync statuses, a pod's phase. */
  status?: string;
  'exit-code'?: string;
}

export interface RuleSpec {
  name: string;
  category: Category;
  /** 0 to 1: how sure a match makes the category. */
  confidence: number;
  /** The playbook to run; default: the category's own. */
  playbook?: Playbook;
  /** Overrides the severity of the alerts the rule matches. */
  severity?: Severity;
  match: Matcher;
  /** The rule does not apply when any of these match. */
  unless?: Matcher;
  /** Set on the user's rules: what a user states outright is never ranked as a symptom. */
  user?: boolean;
}

export interface Evidence {
  /** Which field of the alert matched: `event.reason`, `labels.alertname`, ... */
  path: string;
  /** The text that matched. */
  match: string;
  /** The field's text around the match, at most 200 characters. */
  text: string;
  rule: string;
}

interface Condition {
  kind: FactKind;
  key: string | undefined;
  pattern: RegExp;
}

export interface CompiledRule {
  spec: RuleSpec;
  all: Condition[];
  none: Condition[];
}

const MAX_EVIDENCE_TEXT = 200;

/**
 * Rule patterns are case-insensitive and unanchored, in Unicode mode: the flavour JSON
 * Schema's `regex` format means, so the config's validation and the engine agree.
 */
export function compilePattern(source: string): RegExp {
  return new RegExp(source, 'iu');
}

export function compileRule(spec: RuleSpec): CompiledRule {
  return { spec, all: conditions(spec.match), none: spec.unless ? conditions(spec.unless) : [] };
}

function conditions(matcher: Matcher): Condition[] {
  const out: Condition[] = [];
  const regex = compilePattern;
  for (const kind of ['source', 'kind', 'reason', 'message', 'status', 'exit-code'] as const) {
    const source = matcher[kind];
    if (source !== undefined) out.push({ kind, key: undefined, pattern: regex(source) });
  }
  for (const kind of ['labels', 'annotations'] as const) {
    for (const [key, source] of Object.entries(matcher[kind] ?? {}))
      out.push({ kind: kind === 'labels' ? 'label' : 'annotation', key, pattern: regex(source) });
  }
  return out;
}

/** The evidence of every condition when all match and no `unless` does; else undefined. */
export function matchRule(rule: CompiledRule, facts: Fact[]): Evidence[] | undefined {
  if (rule.none.some((condition) => hit(condition, facts))) return undefined;
  const evidence: Evidence[] = [];
  const sources: Evidence[] = [];
  for (const condition of rule.all) {
    const found = hit(condition, facts);
    if (!found) return undefined;
    // Where the alert came from explains little beside other evidence; alone, it is all there is.
    (condition.kind === 'source' ? sources : evidence).push({ ...found, rule: rule.spec.name });
  }
  return evidence.length ? evidence : sources;
}

function hit(condition: Condition, facts: Fact[]): Omit<Evidence, 'rule'> | undefined {
  for (const fact of facts) {
    if (fact.kind !== condition.kind || (condition.key !== undefined && fact.key !== condition.key))
      continue;
    const match = condition.pattern.exec(fact.text);
    if (match)
      return {
        path: fact.path,
        match: match[0].slice(0, MAX_EVIDENCE_TEXT),
        text: excerpt(fact.text, match.index, match[0].length),
      };
  }
  return undefined;
}

/** The match with a little of the text around it, so `OOMKilled` reads in its sentence. */
function excerpt(text: string, index: number, length: number): string {
  if (text.length <= MAX_EVIDENCE_TEXT) return text;
  const room = Math.max(0, MAX_EVIDENCE_TEXT - Math.min(length, MAX_EVIDENCE_TEXT));
  const start = Math.max(0, index - Math.floor(room / 2));
  const end = Math.min(text.length, start + MAX_EVIDENCE_TEXT);
  return `${start > 0 ? '…' : ''}${text.slice(start, end)}${end < text.length ? '…' : ''}`;
}
