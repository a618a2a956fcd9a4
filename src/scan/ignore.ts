// The config's `scan.ignore` rules: findings a team has decided are not problems (a
// namespace of experiments, a canary, a batch Job that is allowed to fail). A rule
// matches when every field it gives matches; label selectors are read with Kubernetes'
// set-based grammar (`app=web`, `tier!=db`, `env in (dev,test)`, `env notin (prod)`,
// `canary`, `!canary`), since that is how a person already selects these objects.
import type { IgnoreRule } from './settings.js';
import type { Found } from './analyzers.js';

type Requirement =
  { key: string; op: 'in' | 'notin'; values: string[] } | { key: string; op: 'exists' | '!exists' };

const KEY =
  /^(?:[a-z0-9]([-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE = /^(?:[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/** A selector's requirements; throws an Error naming the part it cannot read. */
export function parseSelector(text: string): Requirement[] {
  // Commas inside `in (a,b)` do not separate requirements.
  const parts = text.match(/[^,(]+(?:\([^)]*\))?[^,]*/g) ?? [];
  if (parts.length === 0) throw new Error('an empty selector');
  return parts.map((raw) => requirement(raw.trim()));
}

function requirement(part: string): Requirement {
  let m = /^(!)?\s*([^\s=!()]+)$/.exec(part);
  if (m?.[2] && KEY.test(m[2])) return { key: m[2], op: m[1] ? '!exists' : 'exists' };
  m = /^([^\s=!()]+)\s*(==|=|!=)\s*([^\s=!(),]*)$/.exec(part);
  if (m?.[1] && KEY.test(m[1]) && VALUE.test(m[3] ?? ''))
    return { key: m[1], op: m[2] === '!=' ? 'notin' : 'in', values: [m[3] ?? ''] };
  m = /^([^\s=!()]+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(part);
  if (m?.[1] && KEY.test(m[1])) {
    const values = (m[3] ?? '').split(',').map((v) => v.trim());
    if (values.every((v) => VALUE.test(v)))
      return { key: m[1], op: m[2] as 'in' | 'notin', values };
  }
  throw new Error(
    `cannot read ${JSON.stringify(part.slice(0, 60))}; allowed: key=value, key!=value, key in (a,b), key notin (a,b), key, !key`,
  );
}

function matches(requirements: Requirement[], labels: Record<string, string>): boolean {
  return requirements.every((r) => {
    const has = Object.hasOwn(labels, r.key);
    switch (r.op) {
      case 'exists':
        return has;
      case '!exists':
        return !has;
      case 'in':
        return has && r.values.includes(labels[r.key] as string);
      case 'notin':
        return !has || !r.values.includes(labels[r.key] as string);
    }
  });
}

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
