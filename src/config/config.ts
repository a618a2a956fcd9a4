// The user's `.github/kubemend.yml`. A missing or empty file means safe defaults; a bad
// value fails with one line naming the key, the value and what is allowed.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { load, YAMLException } from 'js-yaml';
import { DEFAULT_GROUP_BY, GROUP_BY_FIELDS, type GroupBy } from '../alerts/identity.js';
import { UsageError } from '../shared/errors.js';
import { isObject } from '../shared/event.js';
import { showValue } from '../shared/inputs.js';

export interface IntakeConfig {
  /** Fields whose values make the incident key (design.md, Incident identity). */
  groupBy: GroupBy[];
  /** How long an alert must stay resolved before the incident counts as resolved. */
  stableWindowMs: number;
  /** Longest time an incident's body may show stale counts while repeats keep coming. */
  refreshIntervalMs: number;
  /** Below this many remaining API requests, pure repeats are read but not written. */
  rateLimitReserve: number;
  /** How long a run waits for the rate limit to reset rather than drop its alert. */
  rateLimitWaitMs: number;
  /** Distinct incidents one payload may open; beyond it the payload is grouped per cluster. */
  maxIncidents: number;
  /** Labels added to every incident, besides kubemend's own. */
  labels: string[];
}

export interface KubemendConfig {
  /** Where the config came from, for messages; undefined when defaults apply. */
  path: string | undefined;
  intake: IntakeConfig;
}

export const INTAKE_DEFAULTS: IntakeConfig = {
  groupBy: DEFAULT_GROUP_BY,
  stableWindowMs: 10 * 60_000,
  refreshIntervalMs: 10 * 60_000,
  rateLimitReserve: 100,
  rateLimitWaitMs: 15 * 60_000,
  maxIncidents: 10,
  labels: [],
};

/** Reads the config at `path` inside the workspace; a missing file gives the defaults. */
export function loadConfig(
  path: string,
  workspace = process.env.GITHUB_WORKSPACE ?? '.',
): KubemendConfig {
  let text: string;
  try {
    text = readFileSync(resolve(workspace, path), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      return { path: undefined, intake: INTAKE_DEFAULTS };
    throw new UsageError(
      `Config ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}); check the 'config' input.`,
    );
  }
  return parseConfig(text, path);
}

export function parseConfig(text: string, path: string): KubemendConfig {
  let doc: unknown;
  try {
    doc = load(text);
  } catch (error) {
    const mark = error instanceof YAMLException ? error.mark : undefined;
    const where = mark ? ` at line ${mark.line + 1}, column ${mark.column + 1}` : '';
    const reason = error instanceof YAMLException ? error.reason : 'not YAML';
    throw new UsageError(`Config ${path} is not valid YAML${where}: ${reason}.`);
  }
  if (doc === undefined || doc === null) return { path, intake: INTAKE_DEFAULTS };
  if (!isObject(doc))
    throw new UsageError(
      `Config ${path} is ${kindOf(doc)}; expected a mapping of sections (intake, ...).`,
    );
  const intake = doc.intake;
  if (intake === undefined || intake === null) return { path, intake: INTAKE_DEFAULTS };
  if (!isObject(intake))
    throw new UsageError(`Config ${path}: 'intake' is ${kindOf(intake)}; expected a mapping.`);
  return { path, intake: intakeSection(intake, path) };
}

const INTAKE_KEYS = [
  'group-by',
  'stable-window',
  'refresh-interval',
  'rate-limit-reserve',
  'rate-limit-wait',
  'max-incidents',
  'labels',
] as const;

function intakeSection(section: Record<string, unknown>, path: string): IntakeConfig {
  const fail = (key: string, value: unknown, allowed: string): never => {
    throw new UsageError(
      `Config ${path}: 'intake.${key}' is ${describe(value)}; allowed: ${allowed}.`,
    );
  };
  for (const key of Object.keys(section)) {
    if (!(INTAKE_KEYS as readonly string[]).includes(key)) {
      const hint = closest(key, INTAKE_KEYS);
      throw new UsageError(
        `Config ${path}: 'intake.${key}' is not a known key${hint ? `; did you mean '${hint}'?` : ''} Allowed: ${INTAKE_KEYS.join(', ')}.`,
      );
    }
  }
  const out: IntakeConfig = { ...INTAKE_DEFAULTS };
  const groupBy = section['group-by'];
  if (groupBy !== undefined) {
    const allowed = `a non-empty list of ${GROUP_BY_FIELDS.join(', ')}, including cluster`;
    if (!Array.isArray(groupBy) || groupBy.length === 0) fail('group-by', groupBy, allowed);
    for (const field of groupBy as unknown[]) {
      if (!(GROUP_BY_FIELDS as readonly unknown[]).includes(field))
        fail('group-by', field, allowed);
    }
    // Without the cluster in the key, one cluster's incident could absorb another's.
    if (!(groupBy as unknown[]).includes('cluster')) fail('group-by', groupBy, allowed);
    out.groupBy = [...new Set(groupBy as GroupBy[])];
  }
  for (const [key, field] of [
    ['stable-window', 'stableWindowMs'],
    ['refresh-interval', 'refreshIntervalMs'],
    ['rate-limit-wait', 'rateLimitWaitMs'],
  ] as const) {
    const value = section[key];
    if (value === undefined) continue;
    const ms = typeof value === 'string' ? parseDuration(value) : undefined;
    out[field] = ms ?? fail(key, value, "a duration such as '90s', '10m' or '2h', at most 24h");
  }
  for (const [key, field, max] of [
    ['rate-limit-reserve', 'rateLimitReserve', 100_000],
    ['max-incidents', 'maxIncidents', 100],
  ] as const) {
    const value = section[key];
    if (value === undefined) continue;
    if (
      !Number.isInteger(value) ||
      (value as number) < (field === 'maxIncidents' ? 1 : 0) ||
      (value as number) > max
    )
      fail(key, value, `a whole number from ${field === 'maxIncidents' ? 1 : 0} to ${max}`);
    out[field] = value as number;
  }
  const labels = section.labels;
  if (labels !== undefined) {
    const allowed = 'a list of label names of at most 50 printable characters';
    if (!Array.isArray(labels)) fail('labels', labels, allowed);
    for (const label of labels as unknown[]) {
      if (
        typeof label !== 'string' ||
        label.trim() === '' ||
        label.length > 50 ||
        /\p{Cc}/u.test(label)
      )
        fail('labels', label, allowed);
    }
    out.labels = [...new Set((labels as string[]).map((l) => l.trim()))];
  }
  return out;
}

/** `90s`, `10m`, `2h`: at most a day, since longer windows outlive any workflow run. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d{1,5})(s|m|h)$/.exec(text.trim());
  if (!match) return undefined;
  const ms = Number(match[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[match[2] as 's' | 'm' | 'h'];
  return ms <= 86_400_000 ? ms : undefined;
}

function kindOf(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  return value === null ? 'null' : `a ${typeof value === 'object' ? 'mapping' : typeof value}`;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return showValue(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return kindOf(value);
}

/** The allowed key nearest to a misspelt one, when it is near enough to be a typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(word.toLowerCase(), candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(
        (row[j] ?? 0) + 1,
        (next[j - 1] ?? 0) + 1,
        (row[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    row = next;
  }
  return row[b.length] ?? Infinity;
}
