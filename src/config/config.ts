// The user's `.github/kubemend.yml`, validated as a whole against the schema (schema.ts)
// and read into camelCase settings with defaults. A missing or empty file means safe
// defaults; each bad value is one line naming the key, the value and what is allowed.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { load, YAMLException } from 'js-yaml';
import { DEFAULT_GROUP_BY, type GroupBy } from '../alerts/identity.js';
import { parseSelector } from '../shared/selector.js';
import {
  NOTIFICATIONS_DEFAULTS,
  notificationProblems,
  notificationsSection,
  type NotificationsConfig,
} from '../notify/settings.js';
import { RELAY_DEFAULTS, type RelayConfig } from '../relay/settings.js';
import { ANALYZER_NAMES, SCAN_DEFAULTS, type ScanConfig } from '../scan/settings.js';
import {
  PLAYBOOKS,
  type ExplainProvider,
  type Playbook,
  type PlaybookMode,
} from '../shared/constants.js';
import { UsageError } from '../shared/errors.js';
import { DAY_MS, parseDuration as parseSharedDuration } from '../shared/duration.js';
import { isObject } from '../shared/json.js';
import { kubeconfigSecretName } from '../shared/names.js';
import { USER_PATTERN_SYNTAX, userPatternProblem } from '../triage/pattern.js';
import { patternsOf, type RuleSpec } from '../triage/rule-spec.js';
import {
  CONFIG_SCHEMA,
  type ConfigDocument,
  type Matcher,
  type MergeMethod,
  type RuleDocument,
} from './schema.js';
import { SchemaValidator, describeValue, type Schema, type SchemaProblem } from './validate.js';

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
  merge: MergeMethod;
  closeIssues: boolean;
}

export const REPORT_DEFAULTS: ReportConfig = { merge: 'squash', closeIssues: true };

export interface SweepConfig {
  /** No alert for this long, targets healthy: closed as stale. */
  staleAfterMs: number;
}

export const SWEEP_DEFAULTS: SweepConfig = { staleAfterMs: 24 * 3_600_000 };

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
  sweep: SweepConfig;
  scan: ScanConfig;
  relay: RelayConfig;
  /** Where report tells people about changes of state (src/notify/settings.ts). */
  notifications: NotificationsConfig;
  /** Who may run slash commands besides people with write access: logins and `org/team`s. */
  commands: { users: string[]; teams: string[] };
  /** What the cluster doctor may read; `namespaces` null: the default rule (diagnose/access.ts). */
  diagnose: DiagnoseConfig;
  /** Cluster name → the identity it must show before kubemend changes anything in it. */
  clusters: Record<string, ExpectedIdentity>;
}

export interface DiagnoseConfig {
  namespaces: string[] | null;
  /** Who explains the top causes in plain words (diagnosis/explain.ts); off by default. */
  explain: ExplainProvider;
  explainModel: string;
  explainTimeoutMs: number;
}

export const DIAGNOSE_DEFAULTS: DiagnoseConfig = {
  namespaces: null,
  explain: 'off',
  explainModel: 'openai/gpt-4.1-mini',
  explainTimeoutMs: 20_000,
};

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
  sweep: SWEEP_DEFAULTS,
  scan: SCAN_DEFAULTS,
  relay: RELAY_DEFAULTS,
  notifications: NOTIFICATIONS_DEFAULTS,
  commands: { users: [] as string[], teams: [] as string[] },
  diagnose: DIAGNOSE_DEFAULTS,
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

/** The config in `text`; the first problem, when it has any, as a UsageError. */
export function parseConfig(text: string, path: string): KubemendConfig {
  const checked = checkConfig(text, path);
  if (checked.config === undefined) throw new UsageError(checked.problems[0]);
  return checked.config;
}

export type ConfigCheck =
  { config: KubemendConfig; problems: [] } | { config: undefined; problems: [string, ...string[]] };

/** The config in `text`, or every problem it has, each one line naming the file. */
export function checkConfig(text: string, path: string): ConfigCheck {
  // js-yaml refuses a document with no content; an empty file means the defaults.
  if (!/^(?!\s*(#|---\s*$|\.\.\.\s*$)).*\S/m.test(text))
    return { config: { path, ...DEFAULTS }, problems: [] };
  let doc: unknown;
  try {
    doc = load(text);
  } catch (error) {
    const mark = error instanceof YAMLException ? error.mark : undefined;
    const where = mark ? ` at line ${mark.line + 1}, column ${mark.column + 1}` : '';
    const reason = error instanceof YAMLException ? error.reason : 'not YAML';
    return {
      config: undefined,
      problems: [`Config ${path} is not valid YAML${where}: ${reason}.`],
    };
  }
  if (doc === undefined || doc === null) return { config: { path, ...DEFAULTS }, problems: [] };
  return checkDocument(doc, path);
}

/** A parsed document (YAML or JSON) checked against the schema and read into typed sections. */
export function configFrom(doc: unknown, path: string): KubemendConfig {
  const checked = checkDocument(doc, path);
  if (checked.config === undefined) throw new UsageError(checked.problems[0]);
  return checked.config;
}

function checkDocument(doc: unknown, path: string): ConfigCheck {
  if (!isObject(doc))
    return {
      config: undefined,
      problems: [
        `Config ${path} is ${describeValue(doc)}; expected a mapping of sections (intake, triage, playbooks).`,
      ],
    };
  const [first, ...rest] = documentProblems(doc).map(
    (problem) => `Config ${path}: ${problem.message}`,
  );
  if (first !== undefined) return { config: undefined, problems: [first, ...rest] };
  return { config: configOf(doc as ConfigDocument, path), problems: [] };
}

/**
 * Every problem of a document: the schema's, then what a schema cannot say (a duration
 * past a day, a pattern RE2 cannot compile) where the schema found none at that key.
 */
function documentProblems(doc: Record<string, unknown>): SchemaProblem[] {
  validator ??= new SchemaValidator(CONFIG_SCHEMA);
  const problems = validator.validate(doc);
  const flagged = (at: string): boolean =>
    problems.some(
      (p) => at === p.path || at.startsWith(`${p.path}.`) || at.startsWith(`${p.path}[`),
    );
  const more: SchemaProblem[] = [];
  for (const { at, value } of durations(doc))
    if (typeof value === 'string' && parseDuration(value) === undefined && !flagged(at))
      more.push({
        path: at,
        message: `'${at}' is ${describeValue(value)}; allowed: a duration such as 90s, 10m or 2h, at most 24h.`,
      });
  // The user's patterns run on RE2: refuse here what it cannot compile, rather than fail
  // on the first alert.
  const triage = isObject(doc.triage) ? doc.triage : {};
  const rules = Array.isArray(triage.rules) ? triage.rules : [];
  for (const [i, rule] of rules.entries())
    for (const part of ['match', 'unless'] as const) {
      const matcher: unknown = isObject(rule) ? rule[part] : undefined;
      if (!isObject(matcher)) continue;
      for (const { at, source } of patternsOf(matcher as Matcher)) {
        const key = `triage.rules[${i}].${part}.${at}`;
        const problem = typeof source === 'string' ? userPatternProblem(source) : undefined;
        if (problem && !flagged(key))
          more.push({
            path: key,
            message: `'${key}' is ${describeValue(source)}; allowed: ${USER_PATTERN_SYNTAX} (${problem}).`,
          });
      }
    }
  // Selectors are read when the config is, so a typo fails the config, not the sweep.
  const scan = isObject(doc.scan) ? doc.scan : {};
  for (const [i, rule] of (Array.isArray(scan.ignore) ? scan.ignore : []).entries()) {
    const key = `scan.ignore[${i}].selector`;
    if (!isObject(rule) || typeof rule.selector !== 'string' || flagged(key)) continue;
    try {
      parseSelector(rule.selector);
    } catch (error) {
      more.push({
        path: key,
        message: `'${key}' is ${describeValue(rule.selector)}; ${(error as Error).message}.`,
      });
    }
  }
  const relay = isObject(doc.relay) ? doc.relay : {};
  const events = isObject(relay.events) ? relay.events : {};
  const key = 'relay.events.namespace-selector';
  if (typeof events['namespace-selector'] === 'string' && !flagged(key)) {
    try {
      parseSelector(events['namespace-selector']);
    } catch (error) {
      more.push({
        path: key,
        message: `'${key}' is ${describeValue(events['namespace-selector'])}; ${(error as Error).message}.`,
      });
    }
  }
  if (isObject(doc.notifications))
    for (const p of notificationProblems(doc.notifications)) if (!flagged(p.path)) more.push(p);
  if (isObject(doc.clusters) && !flagged('clusters')) more.push(...secretCollisions(doc.clusters));
  return [...problems, ...more];
}

/**
 * Two clusters whose kubeconfig secrets would have one name (prod-eu and prod_eu both
 * read KUBECONFIG_PROD_EU): one cluster's jobs would hold the other's credentials.
 */
function secretCollisions(clusters: Record<string, unknown>): SchemaProblem[] {
  const byName = new Map<string, string>();
  const problems: SchemaProblem[] = [];
  // A name the schema refused is told there; names of letters, digits, '.', '_' and '-'
  // (every name it allows) are compared, and safe to repeat in the line.
  for (const cluster of Object.keys(clusters).filter((name) => /^[\w.-]+$/.test(name))) {
    const secret = kubeconfigSecretName(cluster);
    const first = byName.get(secret);
    if (first === undefined) byName.set(secret, cluster);
    else
      problems.push({
        path: `clusters.${cluster}`,
        message: `'clusters' names ${first} and ${cluster}, whose kubeconfig secrets would both be ${secret}; rename one: names must differ in more than case and punctuation.`,
      });
  }
  return problems;
}

/** Each key the schema types as a duration, with the document's value there. */
function durations(doc: Record<string, unknown>): { at: string; value: unknown }[] {
  const out: { at: string; value: unknown }[] = [];
  // Sections and the mappings inside them (scan.thresholds), however deep.
  const walk = (schema: Schema, value: Record<string, unknown>, at: string): void => {
    if (!isObject(schema.properties)) return;
    for (const [key, field] of Object.entries(schema.properties as Record<string, Schema>)) {
      if (!isObject(field) || !(key in value)) continue;
      const here = at ? `${at}.${key}` : key;
      if (field.$ref === '#/$defs/duration') out.push({ at: here, value: value[key] });
      else if (isObject(value[key])) walk(field, value[key], here);
    }
  };
  walk(CONFIG_SCHEMA as Schema, doc, '');
  return out;
}

/** A valid document read into settings: the schema has checked every type and range. */
function configOf(doc: ConfigDocument, path: string): KubemendConfig {
  return {
    path,
    intake: intakeSection(doc.intake ?? {}),
    triage: triageSection(doc.triage ?? {}),
    playbooks: playbooksSection(doc.playbooks ?? {}),
    guardrails: guardrailsSection(doc.guardrails ?? {}),
    report: {
      merge: doc.report?.merge ?? REPORT_DEFAULTS.merge,
      closeIssues: doc.report?.['close-issues'] ?? REPORT_DEFAULTS.closeIssues,
    },
    sweep: { staleAfterMs: ms(doc.sweep?.['stale-after'], SWEEP_DEFAULTS.staleAfterMs) },
    scan: scanSection(doc.scan ?? {}),
    relay: relaySection(doc.relay ?? {}),
    notifications: notificationsSection(doc.notifications ?? {}),
    gitops: { paths: (doc.gitops?.paths ?? []).map((p) => p.replace(/\/+$/, '')) },
    commands: { users: doc.commands?.users ?? [], teams: doc.commands?.teams ?? [] },
    diagnose: {
      namespaces: doc.diagnose?.namespaces ?? null,
      explain: doc.diagnose?.explain ?? DIAGNOSE_DEFAULTS.explain,
      explainModel: doc.diagnose?.['explain-model'] ?? DIAGNOSE_DEFAULTS.explainModel,
      explainTimeoutMs: ms(doc.diagnose?.['explain-timeout'], DIAGNOSE_DEFAULTS.explainTimeoutMs),
    },
    clusters: clustersSection(doc.clusters ?? {}),
  };
}

type Section<K extends keyof ConfigDocument> = NonNullable<ConfigDocument[K]>;

/** A valid duration in milliseconds, or the default when the key is absent. */
const ms = (value: string | undefined, fallback: number): number =>
  value === undefined ? fallback : (parseDuration(value) ?? fallback);

function relaySection(section: Section<'relay'>): RelayConfig {
  const d = RELAY_DEFAULTS;
  const de = d.events;
  const events = section.events ?? {};
  return {
    windowMs: ms(section.window, d.windowMs),
    refreshMs: ms(section.refresh, d.refreshMs),
    stormKeys: section['storm-keys'] ?? d.stormKeys,
    queueCapacity: section['queue-capacity'] ?? d.queueCapacity,
    dispatchesPerMinute: section['dispatches-per-minute'] ?? d.dispatchesPerMinute,
    events: {
      enabled: events.enabled ?? de.enabled,
      namespaceSelector: events['namespace-selector'] ?? de.namespaceSelector,
      reasons: events.reasons ?? de.reasons,
      kinds: events.kinds ?? de.kinds,
      clusterScoped: events['cluster-scoped'] ?? de.clusterScoped,
      enrich: events.enrich ?? de.enrich,
    },
  };
}

function scanSection(section: Section<'scan'>): ScanConfig {
  const d = SCAN_DEFAULTS;
  const t = section.thresholds ?? {};
  const dt = d.thresholds;
  const switched = section.analyzers ?? {};
  return {
    enabled: section.enabled ?? d.enabled,
    analyzers: ANALYZER_NAMES.filter((name) => switched[name] !== false),
    namespaces: section.namespaces ?? d.namespaces,
    severityFloor: section['severity-floor'] ?? d.severityFloor,
    repeatIntervalMs: ms(section['repeat-interval'], d.repeatIntervalMs),
    ignore: (section.ignore ?? []).map((rule) => ({ ...rule })),
    thresholds: {
      restarts: t.restarts ?? dt.restarts,
      restartWindowMs: ms(t['restart-window'], dt.restartWindowMs),
      stuckTerminatingMs: ms(t['stuck-terminating'], dt.stuckTerminatingMs),
      nodeCordonedMs: ms(t['node-cordoned'], dt.nodeCordonedMs),
      clockSkewMs: ms(t['clock-skew'], dt.clockSkewMs),
      outOfSyncMs: ms(t['out-of-sync'], dt.outOfSyncMs),
      certificateExpiryDays: t['certificate-expiry-days'] ?? dt.certificateExpiryDays,
      cronjobLateMs: ms(t['cronjob-late'], dt.cronjobLateMs),
    },
  };
}

function intakeSection(section: Section<'intake'>): IntakeConfig {
  const d = INTAKE_DEFAULTS;
  return {
    groupBy: section['group-by'] ?? d.groupBy,
    stableWindowMs: ms(section['stable-window'], d.stableWindowMs),
    refreshIntervalMs: ms(section['refresh-interval'], d.refreshIntervalMs),
    rateLimitReserve: section['rate-limit-reserve'] ?? d.rateLimitReserve,
    rateLimitWaitMs: ms(section['rate-limit-wait'], d.rateLimitWaitMs),
    maxIncidents: section['max-incidents'] ?? d.maxIncidents,
    labels: section.labels ? [...new Set(section.labels.map((l) => l.trim()))] : d.labels,
  };
}

function triageSection(section: Section<'triage'>): TriageConfig {
  return {
    minConfidence: section['min-confidence'] ?? TRIAGE_DEFAULTS.minConfidence,
    builtinRules: section['builtin-rules'] ?? TRIAGE_DEFAULTS.builtinRules,
    rules: (section.rules ?? []).map(userRule),
  };
}

function userRule(rule: RuleDocument): UserRule {
  return {
    name: rule.name,
    category: rule.category,
    confidence: rule.confidence ?? USER_RULE_CONFIDENCE,
    match: rule.match,
    enabled: rule.enabled ?? true,
    ...(rule.unless ? { unless: rule.unless } : {}),
    ...(rule.playbook ? { playbook: rule.playbook } : {}),
    ...(rule.severity ? { severity: rule.severity } : {}),
  };
}

function clustersSection(section: Section<'clusters'>): Record<string, ExpectedIdentity> {
  const out: Record<string, ExpectedIdentity> = {};
  for (const [name, value] of Object.entries(section))
    out[name] = {
      ...(value.server !== undefined ? { server: value.server } : {}),
      ...(value['ca-sha256'] !== undefined ? { caSha256: value['ca-sha256'] } : {}),
      ...(value['kube-system-uid'] !== undefined
        ? { kubeSystemUid: value['kube-system-uid'] }
        : {}),
    };
  return out;
}

function playbooksSection(section: Section<'playbooks'>): PlaybooksConfig {
  const out = { ...PLAYBOOK_DEFAULTS };
  for (const playbook of PLAYBOOKS) {
    const mode = section[playbook]?.mode;
    if (mode !== undefined) out[playbook] = { ...out[playbook], mode } as never;
  }
  const imagePull = section['image-pull'] ?? {};
  if (imagePull.mirrors) out['image-pull'] = { ...out['image-pull'], mirrors: imagePull.mirrors };
  const node = section.node ?? {};
  out.node = {
    ...out.node,
    drain: node.drain ?? out.node.drain,
    uncordon: node.uncordon ?? out.node.uncordon,
  };
  const crash = section['crash-loop'] ?? {};
  out['crash-loop'] = {
    ...out['crash-loop'],
    rollback: crash.rollback ?? out['crash-loop'].rollback,
  };
  const argo = section.argocd ?? {};
  out.argocd = {
    ...out.argocd,
    namespace: argo.namespace ?? out.argocd.namespace,
    prune: argo.prune ?? out.argocd.prune,
  };
  const oom = section.oom ?? {};
  out.oom = {
    ...out.oom,
    percent: oom.increase !== undefined ? Number.parseInt(oom.increase, 10) : out.oom.percent,
    cap: oom['max-memory'] ?? out.oom.cap,
  };
  const storage = section.storage ?? {};
  out.storage = {
    ...out.storage,
    longhornNamespace: storage['longhorn-namespace'] ?? out.storage.longhornNamespace,
    restartManager: storage['restart-manager'] ?? out.storage.restartManager,
    removePvcFinalizers: storage['remove-pvc-finalizers'] ?? out.storage.removePvcFinalizers,
  };
  return out;
}

function guardrailsSection(section: Section<'guardrails'>): GuardrailsConfig {
  const d = GUARDRAILS_DEFAULTS;
  const share = section['min-healthy-nodes'];
  return {
    optInLabel: section['opt-in-label'] ?? d.optInLabel,
    protectedNamespaces: section['protected-namespaces'] ?? d.protectedNamespaces,
    minHealthyNodes: share !== undefined ? Number.parseInt(share, 10) / 100 : d.minHealthyNodes,
    maxTargets: section['max-targets'] ?? d.maxTargets,
    rateLimit: section['rate-limit'] ?? d.rateLimit,
    playbookRateLimit: section['playbook-rate-limit'] ?? d.playbookRateLimit,
    cooldownMs: ms(section.cooldown, d.cooldownMs),
    stormIncidents: section['storm-incidents'] ?? d.stormIncidents,
    stormWindowMs: ms(section['storm-window'], d.stormWindowMs),
    recurrenceLimit: section['recurrence-limit'] ?? d.recurrenceLimit,
    recurrenceWindowMs: ms(section['recurrence-window'], d.recurrenceWindowMs),
    ledgerNamespace: section['ledger-namespace'] ?? d.ledgerNamespace,
    concurrency: section.concurrency ?? d.concurrency,
    verifyTimeoutMs: ms(section['verify-timeout'], d.verifyTimeoutMs),
    verifyIntervalMs: ms(section['verify-interval'], d.verifyIntervalMs),
  };
}

/** `90s`, `10m`, `2h`: at most a day, since longer windows outlive any workflow run. */
export function parseDuration(text: string): number | undefined {
  return parseSharedDuration(text, DAY_MS);
}
