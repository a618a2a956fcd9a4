// Compiling and matching triage rules (their shape is in rule-spec.ts): a user's
// patterns run on RE2 (pattern.ts), so they may not use lookaround or backreferences.
import { BUILTIN_RULES } from './builtin-rules.js';
import type { Fact, FactKind } from './facts.js';
import { builtinPattern, matchText, userPattern, type Pattern } from './pattern.js';
import { patternsOf, type Matcher, type RuleSpec } from './rule-spec.js';

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
  pattern: Pattern;
}

export interface CompiledRule {
  spec: RuleSpec;
  all: Condition[];
  none: Condition[];
}

const MAX_EVIDENCE_TEXT = 200;

/** Only the rules kubemend ships run on V8; any other rule is the user's and runs on RE2. */
const BUILTIN = new Set<RuleSpec>(BUILTIN_RULES);

export function compileRule(spec: RuleSpec): CompiledRule {
  const compile = BUILTIN.has(spec) ? builtinPattern : userPattern;
  const conditions = (matcher: Matcher): Condition[] =>
    patternsOf(matcher).map(({ kind, key, source }) => ({ kind, key, pattern: compile(source) }));
  return { spec, all: conditions(spec.match), none: spec.unless ? conditions(spec.unless) : [] };
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
    const text = matchText(fact.text);
    const match = condition.pattern.exec(text);
    if (match)
      return {
        path: fact.path,
        match: match.text.slice(0, MAX_EVIDENCE_TEXT),
        text: excerpt(text, match.index, match.text.length),
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
