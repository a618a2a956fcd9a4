// The regular expressions of triage rules, and the engine each runs on. A user's pattern
// runs on RE2 (re2js, pure JavaScript): its time is linear in the text whatever the
// pattern, so a rule like `^(\w+\s?)*$` cannot stall triage as V8's backtracking does
// (each extra character doubled the time: 41 characters took over 30 s). RE2 has no
// lookaround or backreferences. The built-in rules stay on V8's RegExp: they are
// kubemend's own, fuzzed, and three of them need a negative lookahead.
import { RE2JS } from 're2js';

/** Where a pattern matched: a match's start (UTF-16 index, as `String.slice` counts) and text. */
export interface PatternMatch {
  index: number;
  text: string;
}

export interface Pattern {
  exec(text: string): PatternMatch | undefined;
}

/**
 * Each pattern reads at most 8,000 characters of a fact: twice LIMITS.text, the most an
 * alert's field carries once normalised or stored, so real evidence is never cut, while a
 * caller that skips normalisation cannot make every rule of every alert read megabytes.
 */
export const MAX_MATCH_TEXT = 8_000;

/**
 * The text a pattern reads: a longer one is cut as normalisation cuts it, ending in `…`,
 * so `$` never matches where the text was cut.
 */
export function matchText(text: string): string {
  return text.length > MAX_MATCH_TEXT ? `${text.slice(0, MAX_MATCH_TEXT - 1)}…` : text;
}

/** What user rules may use, in the words of a config error. */
export const USER_PATTERN_SYNTAX = 'RE2 syntax: no lookaround or backreferences';

/**
 * A user rule's pattern: case-insensitive (Unicode case folding), unanchored, matched
 * on code points; throws RE2's reason when RE2 cannot compile it.
 */
export function userPattern(source: string): Pattern {
  const re2 = RE2JS.compile(source, RE2JS.CASE_INSENSITIVE);
  return {
    exec(text) {
      // test() runs RE2's DFA, the fast path; only a match pays for its position.
      if (!re2.test(text)) return undefined;
      const matcher = re2.matcher(text);
      if (!matcher.find()) return undefined;
      return { index: matcher.start(), text: text.slice(matcher.start(), matcher.end()) };
    },
  };
}

/** Why RE2 refuses a user's pattern, in a few words; undefined when it compiles. */
export function userPatternProblem(source: string): string | undefined {
  try {
    userPattern(source);
    return undefined;
  } catch (error) {
    // re2js reads CASE_INSENSITIVE as a `(?i)` before the pattern; the user never wrote it.
    return (error as Error).message
      .replace(/^error parsing regexp: /, '')
      .replace('`(?i)', '`')
      .slice(0, 120);
  }
}

/** A built-in rule's pattern: V8's RegExp, case-insensitive, unanchored, in Unicode mode. */
export function builtinPattern(source: string): Pattern {
  const regex = new RegExp(source, 'iu');
  return {
    exec(text) {
      const match = regex.exec(text);
      return match ? { index: match.index, text: match[0] } : undefined;
    },
  };
}
