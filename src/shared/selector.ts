// Kubernetes label selectors, set-based grammar (`app=web`, `tier!=db`, `env in (dev,test)`,
// `env notin (prod)`, `canary`, `!canary`), the way a person already selects objects with
// kubectl. One parser for every selector kubemend reads: the scan's ignore rules and the
// relay's namespace opt-in.
export type Requirement =
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

export function matches(requirements: Requirement[], labels: Record<string, string>): boolean {
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

/** A selector as a predicate over labels; throws an Error naming the part it cannot read. */
export function labelSelector(
  text: string,
): (labels: Record<string, string> | undefined) => boolean {
  const requirements = parseSelector(text);
  return (labels) => matches(requirements, labels ?? {});
}
