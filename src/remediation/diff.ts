// What a change does to an object, read from the API server's answer (for a dry run, the
// object as it would be): one line per changed field, so a reviewer sees exactly what a
// live run would write. Fields the server maintains are left out.

const IGNORED = new Set([
  'metadata.resourceVersion',
  'metadata.generation',
  'metadata.managedFields',
  'metadata.creationTimestamp',
  'metadata.uid',
  'status',
]);

/** Most lines one diff shows; the rest are counted. */
export const MAX_DIFF_LINES = 20;

export function objectDiff(before: unknown, after: unknown): string[] {
  const lines: string[] = [];
  walk(before, after, '', lines);
  if (lines.length <= MAX_DIFF_LINES) return lines;
  return [
    ...lines.slice(0, MAX_DIFF_LINES),
    `… and ${lines.length - MAX_DIFF_LINES} more changed field(s)`,
  ];
}

function walk(a: unknown, b: unknown, path: string, out: string[]): void {
  if (IGNORED.has(path)) return;
  if (isRecord(a) && isRecord(b)) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)]))
      walk(a[key], b[key], path ? `${path}.${key}` : key, out);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    a.forEach((item, i) => walk(item, b[i], `${path}[${labelOf(item, i)}]`, out));
    return;
  }
  if (JSON.stringify(a) === JSON.stringify(b)) return;
  out.push(`${path}: ${show(a)} → ${show(b)}`);
}

/** A list item named by its `name` when it has one (containers, env), as people read them. */
function labelOf(item: unknown, index: number): string {
  return isRecord(item) && typeof item.name === 'string' ? item.name : String(index);
}

function show(value: unknown): string {
  if (value === undefined) return '(none)';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
