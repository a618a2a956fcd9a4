// The user's `.github/kubemend.yml`, validated as a whole against
// schema/kubemend.schema.json. A missing or empty file means safe defaults; a bad value
// fails with one line naming the key, the value and what is allowed.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { load, YAMLException } from 'js-yaml';
import { DEFAULT_GROUP_BY, type GroupBy } from '../alerts/identity.js';
import type { Severity } from '../alerts/model.js';
import { PLAYBOOKS, type Playbook, type PlaybookMode } from '../shared/constants.js';
import { UsageError } from '../shared/errors.js';
import { DAY_MS, parseDuration as parseSharedDuration } from '../shared/duration.js';
import { isObject } from '../shared/json.js';
import type { Category } from '../triage/categories.js';
import { USER_PATTERN_SYNTAX, userPatternProblem } from '../triage/pattern.js';
import { patternsOf, type Matcher, type RuleSpec } from '../triage/rule-spec.js';
import { CONFIG_SCHEMA, SchemaValidator, describeValue } from './schema.js';

export interface IntakeConfig {
  /** Fields whose values make the incident key (docs/architecture.md, Incident identity). */
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

export interface TriageConfig {
  /** Categories below this confidence get no remediation job. */
  minConfidence: number;
  builtinRules: boolean;
  /** The user's rules, in the built-in rules' shape. */
  rules: UserRule[];
}

export interface UserRule extends RuleSpec {
  /** false turns the rule, or the built-in rule of its name, off. */
  enabled: boolean;
}

/** Options of the playbooks that have any, besides their mode. */
export interface PlaybookOptions {
  /** Registry → the mirror (pull-through cache) proposals rewrite its images to. */
  'image-pull': { mirrors: Record<string, string> };
  node: { drain: boolean; uncordon: boolean };
  'crash-loop': { rollback: boolean };
  argocd: { namespace: string; prune: boolean };
  /** `percent`: how much the limit and request rise; `cap`: never past this quantity. */
  oom: { percent: number; cap: string };
  storage: { longhornNamespace: string; restartManager: boolean; removePvcFinalizers: boolean };
}

export type PlaybooksConfig = {
  [P in Playbook]: { mode: PlaybookMode } & (P extends keyof PlaybookOptions
    ? PlaybookOptions[P]
    : unknown);
};

/** Every guardrail's setting (docs/architecture.md, Guardrails); the defaults are small numbers. */
export interface GuardrailsConfig {
  optInLabel: string;
  protectedNamespaces: string[];
  /** Share of nodes, 0 to 1, that must stay schedulable after a cordon. */
  minHealthyNodes: number;
  maxTargets: number;
  rateLimit: number;
  playbookRateLimit: number;
  cooldownMs: number;
  stormIncidents: number;
  stormWindowMs: number;
  recurrenceLimit: number;
  recurrenceWindowMs: number;
  ledgerNamespace: string;
  concurrency: number;
  verifyTimeoutMs: number;
  verifyIntervalMs: number;
}

export interface ReportConfig {
  /** How a verified incident pull request is merged; off never merges. */
  merge: 'squash' | 'merge' | 'rebase' | 'off';
  closeIssues: boolean;
}

export const REPORT_DEFAULTS: ReportConfig = { merge: 'squash', closeIssues: true };

export interface GitopsConfig {
  /** Folders or files searched for a manifest to change; empty: the whole repository. */
  paths: string[];
}

export interface KubemendConfig {
  /** Where the config came from, for messages; undefined when defaults apply. */
  path: string | undefined;
  intake: IntakeConfig;
  triage: TriageConfig;
  playbooks: PlaybooksConfig;
  guardrails: GuardrailsConfig;
  gitops: GitopsConfig;
  report: ReportConfig;
  /** Who may run slash commands besides people with write access: logins and `org/team`s. */
  commands: { users: string[]; teams: string[] };
  /** What the cluster doctor may read; `namespaces` null: the default rule (diagnose/access.ts). */
  diagnose: { namespaces: string[] | null };
  /** Cluster name → the identity it must show before kubemend changes anything in it. */
  clusters: Record<string, ExpectedIdentity>;
}

/** Matches src/kube/identity.ts's ExpectedIdentity; config does not load the Kubernetes client. */
export interface ExpectedIdentity {
  server?: string;
  caSha256?: string;
  kubeSystemUid?: string;
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

export const TRIAGE_DEFAULTS: TriageConfig = { minConfidence: 0.5, builtinRules: true, rules: [] };

/**
 * Every playbook starts in dry-run (docs/architecture.md, Playbook modes), but oom, which proposes:
 * raising a limit changes desired state, which a GitOps controller would revert live.
 */
export const PLAYBOOK_DEFAULTS: PlaybooksConfig = {
  ...(Object.fromEntries(PLAYBOOKS.map((p) => [p, { mode: 'dry-run' }])) as Record<
    Playbook,
    { mode: PlaybookMode }
  >),
  'image-pull': { mode: 'dry-run', mirrors: {} },
  node: { mode: 'dry-run', drain: false, uncordon: false },
  'crash-loop': { mode: 'dry-run', rollback: false },
  argocd: { mode: 'dry-run', namespace: 'argocd', prune: false },
  oom: { mode: 'propose', percent: 25, cap: '8Gi' },
  storage: {
    mode: 'dry-run',
    longhornNamespace: 'longhorn-system',
    restartManager: true,
    removePvcFinalizers: false,
  },
};

export const GUARDRAILS_DEFAULTS: GuardrailsConfig = {
  optInLabel: 'kubemend.io/remediate',
  protectedNamespaces: ['kube-system', 'kube-public', 'kube-node-lease'],
  minHealthyNodes: 0.51,
  maxTargets: 10,
  rateLimit: 20,
  playbookRateLimit: 10,
  cooldownMs: 15 * 60_000,
  stormIncidents: 5,
  stormWindowMs: 10 * 60_000,
  recurrenceLimit: 2,
  recurrenceWindowMs: 24 * 3_600_000,
  ledgerNamespace: 'kubemend',
  concurrency: 8,
  verifyTimeoutMs: 5 * 60_000,
  verifyIntervalMs: 15_000,
};

/** Confidence of a user rule that names none. */
export const USER_RULE_CONFIDENCE = 0.9;

const DEFAULTS = {
  intake: INTAKE_DEFAULTS,
  triage: TRIAGE_DEFAULTS,
  playbooks: PLAYBOOK_DEFAULTS,
  guardrails: GUARDRAILS_DEFAULTS,
  gitops: { paths: [] } as GitopsConfig,
  report: REPORT_DEFAULTS,
  commands: { users: [] as string[], teams: [] as string[] },
  diagnose: { namespaces: null as string[] | null },
  clusters: {} as Record<string, ExpectedIdentity>,
};

/** Built on first use: an action that reads no config file pays nothing for it at start-up. */
let validator: SchemaValidator | undefined;

/** Reads the config at `path` inside the workspace; a missing file gives the defaults. */
export function loadConfig(
  path: string,
  workspace = process.env.GITHUB_WORKSPACE ?? '.',
): KubemendConfig {
  let text: string;
  try {
    text = readFileSync(resolve(workspace, path), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { path: undefined, ...DEFAULTS };
    throw new UsageError(
      `Config ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}); check the 'config' input.`,
    );
  }
  return parseConfig(text, path);
}

export function parseConfig(text: string, path: string): KubemendConfig {
  // js-yaml refuses a document with no content; an empty file means the defaults.
  if (!/^(?!\s*(#|---\s*$|\.\.\.\s*$)).*\S/m.test(text)) return { path, ...DEFAULTS };
  let doc: unknown;
  try {
    doc = load(text);
  } catch (error) {
    const mark = error instanceof YAMLException ? error.mark : undefined;
    const where = mark ? ` at line ${mark.line + 1}, column ${mark.column + 1}` : '';
    const reason = error instanceof YAMLException ? error.reason : 'not YAML';
    throw new UsageError(`Config ${path} is not valid YAML${where}: ${reason}.`);
  }
  if (doc === undefined || doc === null) return { path, ...DEFAULTS };
  return configFrom(doc, path);
}

/** A parsed document (YAML or JSON) checked against the schema and read into typed sections. */
export function configFrom(doc: unknown, path: string): KubemendConfig {
  if (!isObject(doc))
    throw new UsageError(
      `Config ${path} is ${describeValue(doc)}; expected a mapping of sections (intake, triage, playbooks).`,
    );
  validator ??= new SchemaValidator(CONFIG_SCHEMA);
  const problem = validator.validate(doc);
  if (problem) throw new UsageError(`Config ${path}: ${problem.message}`);
  const section = (name: string): Record<string, unknown> => {
    const value = doc[name];
    return isObject(value) ? value : {};
  };
  return {
    path,
    intake: intakeSection(section('intake'), path),
    triage: triageSection(section('triage'), path),
    playbooks: playbooksSection(section('playbooks')),
    guardrails: guardrailsSection(section('guardrails'), path),
    report: {
      merge:
        typeof section('report').merge === 'string'
          ? (section('report').merge as ReportConfig['merge'])
          : REPORT_DEFAULTS.merge,
      closeIssues: section('report')['close-issues'] !== false,
    },
    gitops: {
      paths: Array.isArray(section('gitops').paths)
        ? (section('gitops').paths as string[]).map((p) => p.replace(/\/+$/, ''))
        : [],
    },
    commands: {
      users: (section('commands').users as string[] | undefined) ?? [],
      teams: (section('commands').teams as string[] | undefined) ?? [],
    },
    diagnose: {
      namespaces: (section('diagnose').namespaces as string[] | undefined) ?? null,
    },
    clusters: clustersSection(section('clusters')),
  };
}

/** The schema has checked types and ranges; what is left is what a schema cannot say. */
function intakeSection(section: Record<string, unknown>, path: string): IntakeConfig {
  const out: IntakeConfig = { ...INTAKE_DEFAULTS };
  if (Array.isArray(section['group-by'])) out.groupBy = section['group-by'] as GroupBy[];
  for (const [key, field] of [
    ['stable-window', 'stableWindowMs'],
    ['refresh-interval', 'refreshIntervalMs'],
    ['rate-limit-wait', 'rateLimitWaitMs'],
  ] as const) {
    const value = section[key];
    if (typeof value !== 'string') continue;
    const ms = parseDuration(value);
    if (ms === undefined)
      throw new UsageError(
        `Config ${path}: 'intake.${key}' is ${describeValue(value)}; allowed: a duration such as 90s, 10m or 2h, at most 24h.`,
      );
    out[field] = ms;
  }
  if (typeof section['rate-limit-reserve'] === 'number')
    out.rateLimitReserve = section['rate-limit-reserve'];
  if (typeof section['max-incidents'] === 'number') out.maxIncidents = section['max-incidents'];
  if (Array.isArray(section.labels))
    out.labels = [...new Set((section.labels as string[]).map((l) => l.trim()))];
  return out;
}

function triageSection(section: Record<string, unknown>, path: string): TriageConfig {
  const rules = Array.isArray(section.rules) ? (section.rules as Record<string, unknown>[]) : [];
  // The user's patterns run on RE2, which the schema cannot express: refuse here what it
  // cannot compile, rather than fail on the first alert.
  for (const [i, rule] of rules.entries())
    for (const part of ['match', 'unless'] as const) {
      if (!isObject(rule[part])) continue;
      for (const { at, source } of patternsOf(rule[part] as Matcher)) {
        const problem = userPatternProblem(source);
        if (problem)
          throw new UsageError(
            `Config ${path}: 'triage.rules[${i}].${part}.${at}' is ${describeValue(source)}; allowed: ${USER_PATTERN_SYNTAX} (${problem}).`,
          );
      }
    }
  return {
    minConfidence:
      typeof section['min-confidence'] === 'number'
        ? section['min-confidence']
        : TRIAGE_DEFAULTS.minConfidence,
    builtinRules: section['builtin-rules'] !== false,
    rules: rules.map((rule) => ({
      name: rule.name as string,
      category: rule.category as Category,
      confidence: typeof rule.confidence === 'number' ? rule.confidence : USER_RULE_CONFIDENCE,
      match: rule.match as Matcher,
      enabled: rule.enabled !== false,
      ...(rule.unless ? { unless: rule.unless as Matcher } : {}),
      ...(rule.playbook ? { playbook: rule.playbook as Playbook } : {}),
      ...(rule.severity ? { severity: rule.severity as Severity } : {}),
    })),
  };
}

function clustersSection(section: Record<string, unknown>): Record<string, ExpectedIdentity> {
  const out: Record<string, ExpectedIdentity> = {};
  for (const [name, value] of Object.entries(section)) {
    if (!isObject(value)) continue;
    out[name] = {
      ...(typeof value.server === 'string' ? { server: value.server } : {}),
      ...(typeof value['ca-sha256'] === 'string' ? { caSha256: value['ca-sha256'] } : {}),
      ...(typeof value['kube-system-uid'] === 'string'
        ? { kubeSystemUid: value['kube-system-uid'] }
        : {}),
    };
  }
  return out;
}

function playbooksSection(section: Record<string, unknown>): PlaybooksConfig {
  const out = { ...PLAYBOOK_DEFAULTS };
  const read = (playbook: Playbook): Record<string, unknown> => {
    const value = section[playbook];
    return isObject(value) ? value : {};
  };
  const flag = (value: unknown, fallback: boolean) =>
    typeof value === 'boolean' ? value : fallback;
  for (const playbook of PLAYBOOKS) {
    const mode = read(playbook).mode;
    if (typeof mode === 'string')
      out[playbook] = { ...out[playbook], mode: mode as PlaybookMode } as never;
  }
  const imagePull = read('image-pull');
  if (isObject(imagePull.mirrors))
    out['image-pull'] = {
      ...out['image-pull'],
      mirrors: imagePull.mirrors as Record<string, string>,
    };
  const node = read('node');
  out.node = {
    ...out.node,
    drain: flag(node.drain, out.node.drain),
    uncordon: flag(node.uncordon, out.node.uncordon),
  };
  const crash = read('crash-loop');
  out['crash-loop'] = {
    ...out['crash-loop'],
    rollback: flag(crash.rollback, out['crash-loop'].rollback),
  };
  const argo = read('argocd');
  out.argocd = {
    ...out.argocd,
    namespace: typeof argo.namespace === 'string' ? argo.namespace : out.argocd.namespace,
    prune: flag(argo.prune, out.argocd.prune),
  };
  const oom = read('oom');
  out.oom = {
    ...out.oom,
    percent: typeof oom.increase === 'string' ? Number.parseInt(oom.increase, 10) : out.oom.percent,
    cap: typeof oom['max-memory'] === 'string' ? oom['max-memory'] : out.oom.cap,
  };
  const storage = read('storage');
  out.storage = {
    ...out.storage,
    longhornNamespace:
      typeof storage['longhorn-namespace'] === 'string'
        ? storage['longhorn-namespace']
        : out.storage.longhornNamespace,
    restartManager: flag(storage['restart-manager'], out.storage.restartManager),
    removePvcFinalizers: flag(storage['remove-pvc-finalizers'], out.storage.removePvcFinalizers),
  };
  return out;
}

function guardrailsSection(section: Record<string, unknown>, path: string): GuardrailsConfig {
  const out: GuardrailsConfig = { ...GUARDRAILS_DEFAULTS };
  const duration = (key: string, fallback: number): number => {
    const value = section[key];
    if (typeof value !== 'string') return fallback;
    const ms = parseDuration(value);
    if (ms === undefined)
      throw new UsageError(
        `Config ${path}: 'guardrails.${key}' is ${describeValue(value)}; allowed: a duration such as 90s, 10m or 2h, at most 24h.`,
      );
    return ms;
  };
  const count = (key: string, fallback: number): number =>
    typeof section[key] === 'number' ? section[key] : fallback;
  if (typeof section['opt-in-label'] === 'string') out.optInLabel = section['opt-in-label'];
  if (Array.isArray(section['protected-namespaces']))
    out.protectedNamespaces = section['protected-namespaces'] as string[];
  if (typeof section['min-healthy-nodes'] === 'string')
    out.minHealthyNodes = Number.parseInt(section['min-healthy-nodes'], 10) / 100;
  out.maxTargets = count('max-targets', out.maxTargets);
  out.rateLimit = count('rate-limit', out.rateLimit);
  out.playbookRateLimit = count('playbook-rate-limit', out.playbookRateLimit);
  out.stormIncidents = count('storm-incidents', out.stormIncidents);
  out.recurrenceLimit = count('recurrence-limit', out.recurrenceLimit);
  out.concurrency = count('concurrency', out.concurrency);
  out.cooldownMs = duration('cooldown', out.cooldownMs);
  out.stormWindowMs = duration('storm-window', out.stormWindowMs);
  out.recurrenceWindowMs = duration('recurrence-window', out.recurrenceWindowMs);
  out.verifyTimeoutMs = duration('verify-timeout', out.verifyTimeoutMs);
  out.verifyIntervalMs = duration('verify-interval', out.verifyIntervalMs);
  if (typeof section['ledger-namespace'] === 'string')
    out.ledgerNamespace = section['ledger-namespace'];
  return out;
}

/** `90s`, `10m`, `2h`: at most a day, since longer windows outlive any workflow run. */
export function parseDuration(text: string): number | undefined {
  return parseSharedDuration(text, DAY_MS);
}
