// Reads a rehearsal file into a Rehearsal: every path resolved against the file's folder,
// every time in milliseconds, every step one action. Anything wrong is a UsageError of
// one line that names the field (`steps[2].comment.by`) and what is allowed, raised
// before the story starts, so a bad file never half-plays a story.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve, sep } from 'node:path';
import { load } from 'js-yaml';
import { SchemaValidator } from '../config/validate.js';
import { parseDuration } from '../shared/duration.js';
import { UsageError, showValue } from '../shared/errors.js';
import { isObject } from '../shared/json.js';
import {
  REHEARSAL_SCHEMA,
  STEP_KINDS,
  type ExpectDocument,
  type RehearsalDocument,
  type StepDocument,
  type StepKind,
} from './file-schema.js';

type Permission = 'read' | 'triage' | 'write' | 'maintain' | 'admin';
/** Where a person's step acts: the latest incident, or an issue or pull request number. */
export type Target = 'incident' | number;

export type Step = { at: number; field: string; expect?: ExpectDocument } & (
  | {
      kind: 'dispatch';
      file: string;
      body: { event_type: string; client_payload: Record<string, unknown> };
      times: number;
      concurrency: number;
    }
  | { kind: 'facts'; facts: Record<string, unknown>; cluster: string }
  | { kind: 'comment'; by: string; body: string; on: Target }
  | { kind: 'label'; by: string; name: string; on: Target }
  | { kind: 'open-issue'; by: string; title: string; body: string; labels: string[] }
  | { kind: 'merge'; by: string; on: Target }
  /** GitHub's scheduler fires every workflow with a `schedule:` once (the sweep's). */
  | { kind: 'sweep' }
  | { kind: 'check' }
);

/** One simulated cluster of the story. */
export interface RehearsalCluster {
  name: string;
  /** A shipped scenario's name, or an absolute path to a scenario file. */
  scenario: string;
  /** Whether the KUBECONFIG secret holds a context for it. */
  credentials: boolean;
}

export interface Rehearsal {
  file: string;
  description: string;
  /** The first cluster's scenario and name (the only one's, for `scenario` and `cluster`). */
  scenario: string;
  cluster: string;
  /** Every simulated cluster, the first one first. */
  clusters: RehearsalCluster[];
  /** Absolute paths. */
  config: string | undefined;
  gitops: string | undefined;
  repository: string;
  incidentMode: 'pr' | 'issue';
  /** reusable, all-in-one, or a workflow path inside gitops/ (relative to it). */
  workflow: string;
  users: Record<string, Permission>;
  kubemendToken: boolean;
  clockRate: number;
  validateOpenapi: boolean;
  /** Alerts go through `kubemend relay` rather than straight to the dispatches API. */
  relay: boolean;
  steps: Step[];
  expect: ExpectDocument;
  knownFailing: { expect: string; reason: string }[];
}

export const DEFAULT_REPOSITORY = 'acme/gitops';
const MAX_AT_MS = 30 * 86_400_000;
const PAYLOAD_BYTES = 1_000_000;

let validator: SchemaValidator | undefined;

/** Reads and checks FILE; throws a UsageError naming the first problem. */
export function readRehearsal(file: string, scenarioExists: (name: string) => boolean): Rehearsal {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(
      `${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}).`,
    );
  }
  let doc: unknown;
  try {
    doc = load(text);
  } catch (error) {
    throw new UsageError(`${file}: not YAML (${(error as Error).message.split('\n')[0]}).`);
  }
  if (!isObject(doc))
    throw new UsageError(
      `${file}: must be a YAML mapping with steps and scenario and cluster (or clusters).`,
    );
  validator ??= new SchemaValidator(REHEARSAL_SCHEMA as unknown as Record<string, unknown>);
  const [problem] = validator.validate(doc);
  if (problem) throw new UsageError(`${file}: ${problem.message}`);
  return interpret(doc as RehearsalDocument, file, scenarioExists);
}

function interpret(
  doc: RehearsalDocument,
  file: string,
  scenarioExists: (name: string) => boolean,
): Rehearsal {
  const base = dirname(resolve(file));
  const fail = (field: string, message: string): never => {
    throw new UsageError(`${file}: '${field}' ${message}`);
  };
  const path = (field: string, value: string, kind: 'file' | 'folder'): string => {
    const full = isAbsolute(value) ? value : resolve(base, value);
    if (!existsSync(full))
      fail(
        field,
        `names ${showValue(value)}, which does not exist (paths are relative to the rehearsal file).`,
      );
    const isFolder = statSync(full).isDirectory();
    if (isFolder !== (kind === 'folder'))
      fail(field, `names ${showValue(value)}, which is not a ${kind}; allowed: a ${kind}.`);
    return full;
  };

  const scenarioOf = (field: string, scenario: string): string => {
    if (scenarioExists(scenario)) return scenario;
    if (!/[/\\]|\.ya?ml$/.test(scenario))
      fail(
        field,
        `is ${showValue(scenario)}: no shipped scenario has that name and it is not a path.`,
      );
    return path(field, scenario, 'file');
  };
  const clusters = clustersOf(doc, scenarioOf, fail);
  const names = clusters.map((c) => c.name);
  const gitops = doc.gitops === undefined ? undefined : path('gitops', doc.gitops, 'folder');
  const workflow = doc.workflow ?? 'reusable';
  if (workflow !== 'reusable' && workflow !== 'all-in-one') {
    if (!gitops)
      fail(
        'workflow',
        `is ${showValue(workflow)}; allowed: reusable, all-in-one, or a path inside gitops/ (no gitops folder given).`,
      );
    const full = path('workflow', resolve(gitops as string, workflow), 'file');
    if (!full.startsWith(`${gitops}${sep}`))
      fail(
        'workflow',
        `is ${showValue(workflow)}, outside gitops/; allowed: a path inside gitops/.`,
      );
  }
  const users = (doc.users ?? {}) as Record<string, Permission>;
  const steps = doc.steps.map((step, i) =>
    interpretStep(step, `steps[${i}]`, { users, clusters: names }, fail, path),
  );
  for (const [field, expect] of [
    ['expect', doc.expect],
    ...doc.steps.map((s, i) => [`steps[${i}].expect`, s.expect] as const),
  ] as const)
    for (const name of Object.keys(expect?.clusters ?? {}))
      if (!names.includes(name))
        fail(
          `${field}.clusters.${name}`,
          `is not a cluster of this rehearsal; allowed: ${names.join(', ')}.`,
        );
  for (const [i, step] of steps.entries())
    if (i > 0 && step.at < (steps[i - 1] as Step).at)
      fail(`steps[${i}].at`, `is before the step above it; allowed: steps in time order.`);
  return {
    file: resolve(file),
    description: doc.description ?? '',
    scenario: (clusters[0] as RehearsalCluster).scenario,
    cluster: (clusters[0] as RehearsalCluster).name,
    clusters,
    config: doc.config === undefined ? undefined : path('config', doc.config, 'file'),
    gitops,
    repository: doc.repository ?? DEFAULT_REPOSITORY,
    incidentMode: doc['incident-mode'] ?? 'pr',
    workflow,
    users,
    kubemendToken: doc['kubemend-token'] ?? true,
    clockRate: doc['clock-rate'] ?? 1,
    validateOpenapi: doc['validate-openapi'] ?? false,
    relay: doc.relay ?? false,
    steps,
    expect: doc.expect ?? {},
    knownFailing: doc['known-failing'] ?? [],
  };
}

/** `scenario` and `cluster` (one cluster), or `clusters` (several): exactly one of the two. */
function clustersOf(
  doc: RehearsalDocument,
  scenarioOf: (field: string, scenario: string) => string,
  fail: (field: string, message: string) => never,
): RehearsalCluster[] {
  if (doc.clusters) {
    for (const key of ['scenario', 'cluster'] as const)
      if (doc[key] !== undefined)
        fail(key, 'goes with one cluster; this file has clusters:, where each names its scenario.');
    return Object.entries(doc.clusters).map(([name, c]) => ({
      name,
      scenario: scenarioOf(`clusters.${name}.scenario`, c.scenario),
      credentials: c.credentials ?? true,
    }));
  }
  for (const key of ['scenario', 'cluster'] as const)
    if (doc[key] === undefined)
      fail(
        key,
        'is missing; allowed: scenario and cluster for one cluster, or clusters: for several.',
      );
  return [
    {
      name: doc.cluster as string,
      scenario: scenarioOf('scenario', doc.scenario as string),
      credentials: true,
    },
  ];
}

function interpretStep(
  step: StepDocument,
  field: string,
  known: { users: Record<string, Permission>; clusters: string[] },
  fail: (field: string, message: string) => never,
  path: (field: string, value: string, kind: 'file' | 'folder') => string,
): Step {
  const at = parseDuration(step.at, MAX_AT_MS);
  if (at === undefined)
    fail(
      `${field}.at`,
      `is ${showValue(step.at)}; allowed: a duration such as 0s, 90s, 4m or 1h 30m, at most 30d.`,
    );
  const kinds = STEP_KINDS.filter((kind) => step[kind] !== undefined);
  // A step with only expectations checks what GitHub and the cluster show at its time.
  if (kinds.length === 0 && step.expect)
    return { at: at as number, field, expect: step.expect, kind: 'check' };
  if (kinds.length !== 1)
    fail(
      field,
      kinds.length === 0
        ? `does nothing; allowed: one of ${STEP_KINDS.join(', ')}, or expect alone.`
        : `has ${kinds.join(' and ')}; allowed: one of ${STEP_KINDS.join(', ')} per step.`,
    );
  const kind = kinds[0] as StepKind;
  const { users, clusters } = known;
  for (const extra of ['times', 'concurrency', 'event-type'] as const)
    if (kind !== 'dispatch' && step[extra] !== undefined)
      fail(`${field}.${extra}`, `belongs to a dispatch step; this step is ${kind}.`);
  if (step.cluster !== undefined) {
    if (kind !== 'facts')
      fail(`${field}.cluster`, `belongs to a facts step; this step is ${kind}.`);
    if (!clusters.includes(step.cluster))
      fail(
        `${field}.cluster`,
        `is ${showValue(step.cluster)}, not a cluster of this rehearsal; allowed: ${clusters.join(', ')}.`,
      );
  }
  const person = (who: string, key: string): string => {
    if (!(who in users))
      fail(
        `${field}.${key}.by`,
        `is ${showValue(who)}, not a user of this rehearsal; allowed: ${Object.keys(users).join(', ') || 'none (add them under users)'}.`,
      );
    return who;
  };
  const target = (value: unknown, key: string): Target => {
    if (value === undefined || value === 'incident') return 'incident';
    if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value;
    return fail(
      `${field}.${key}.on`,
      `is ${showValue(String(value))}; allowed: incident or an issue number.`,
    );
  };
  const base = { at: at as number, field, ...(step.expect ? { expect: step.expect } : {}) };
  switch (kind) {
    case 'dispatch': {
      const file = path(`${field}.dispatch`, step.dispatch as string, 'file');
      return {
        ...base,
        kind,
        file,
        body: readDispatch(file, step['event-type'], `${field}.dispatch`, fail),
        times: step.times ?? 1,
        concurrency: step.concurrency ?? 1,
      };
    }
    case 'facts':
      return {
        ...base,
        kind,
        facts: step.facts as Record<string, unknown>,
        cluster: step.cluster ?? (clusters[0] as string),
      };
    case 'comment': {
      const c = step.comment as NonNullable<typeof step.comment>;
      return { ...base, kind, by: person(c.by, kind), body: c.body, on: target(c.on, kind) };
    }
    case 'label': {
      const l = step.label as NonNullable<typeof step.label>;
      return { ...base, kind, by: person(l.by, kind), name: l.name, on: target(l.on, kind) };
    }
    case 'open-issue': {
      const o = step['open-issue'] as NonNullable<(typeof step)['open-issue']>;
      return {
        ...base,
        kind,
        by: person(o.by, kind),
        title: o.title,
        body: o.body ?? '',
        labels: o.labels ?? [],
      };
    }
    case 'merge': {
      const m = step.merge as NonNullable<typeof step.merge>;
      return { ...base, kind, by: person(m.by, kind), on: target(m.on, kind) };
    }
    case 'sweep':
      return { ...base, kind };
  }
}

/** A repository_dispatch request body, from the file's body or its client_payload alone. */
function readDispatch(
  file: string,
  eventType: string | undefined,
  field: string,
  fail: (field: string, message: string) => never,
): { event_type: string; client_payload: Record<string, unknown> } {
  const bytes = readFileSync(file);
  if (bytes.length > PAYLOAD_BYTES)
    fail(field, `is ${bytes.length} bytes; allowed: at most ${PAYLOAD_BYTES}.`);
  let body: unknown;
  try {
    body = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    return fail(field, `is not JSON (${(error as Error).message.slice(0, 100)}).`);
  }
  if (!isObject(body)) return fail(field, 'must hold a JSON object.');
  if (typeof body.event_type === 'string' && isObject(body.client_payload))
    return { event_type: body.event_type, client_payload: body.client_payload };
  return { event_type: eventType ?? 'kubemend-alert', client_payload: body };
}
