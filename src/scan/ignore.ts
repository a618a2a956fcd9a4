// The config's `scan.ignore` rules: findings a team has decided are not problems (a
// namespace of experiments, a canary, a batch Job that is allowed to fail). A rule
// matches when every field it gives matches; label selectors are Kubernetes' own
// (src/shared/selector.ts), since that is how a person already selects these objects.
import type { IgnoreRule } from './settings.js';
import type { Found } from './analyzers.js';
import { matches, parseSelector } from '../shared/selector.js';

/** `*` matches any run of characters; every other character is itself. */
const glob = (pattern: string): RegExp =>
  new RegExp(`^${pattern.split('*').map(escape).join('.*')}$`);
const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A compiled rule set: `ignored(found)` is true when some rule matches every field it gives. */
export function ignoreRules(rules: readonly IgnoreRule[]): (found: Found) => boolean {
  const compiled = rules.map((rule) => ({
    rule,
    selector: rule.selector ? parseSelector(rule.selector) : undefined,
    name: rule.name ? glob(rule.name) : undefined,
  }));
  return (found) =>
    compiled.some(
      ({ rule, selector, name }) =>
        (rule.namespace === undefined || rule.namespace === found.namespace) &&
        (rule.analyzer === undefined || rule.analyzer === found.analyzer) &&
        (rule.kind === undefined || rule.kind === found.target.kind) &&
        (name === undefined || name.test(found.target.name)) &&
        (selector === undefined || matches(selector, found.labels ?? {})),
    );
}
