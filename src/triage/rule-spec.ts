// A triage rule, built-in or the user's: regular expressions over an alert's facts that,
// all matching, name a category with a confidence. Built-in and user rules share this
// shape, so a user rule is written like the ones kubemend ships. The shape stands apart
// from the engine (rule.ts) so the built-in rules and the config can use it without it.
import type { Severity } from '../alerts/model.js';
import type { Matcher as ConfigMatcher } from '../config/schema.js';
import type { Playbook } from '../shared/constants.js';
import type { Category } from './categories.js';
import type { FactKind } from './facts.js';

/**
 * Each key is a regular expression (case-insensitive, unanchored) over facts of its kind.
 * The config schema defines the shape, so a user's rule is read as the schema checked it.
 */
export type Matcher = ConfigMatcher;

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

/** One pattern of a matcher: the facts it reads and where it sits (`message`, `labels.team`). */
export interface MatcherPattern {
  kind: FactKind;
  key: string | undefined;
  at: string;
  source: string;
}

export function patternsOf(matcher: Matcher): MatcherPattern[] {
  const out: MatcherPattern[] = [];
  for (const kind of ['source', 'kind', 'reason', 'message', 'status', 'exit-code'] as const) {
    const source = matcher[kind];
    if (source !== undefined) out.push({ kind, key: undefined, at: kind, source });
  }
  for (const kind of ['labels', 'annotations'] as const) {
    for (const [key, source] of Object.entries(matcher[kind] ?? {}))
      out.push({
        kind: kind === 'labels' ? 'label' : 'annotation',
        key,
        at: `${kind}.${key}`,
        source,
      });
  }
  return out;
}
