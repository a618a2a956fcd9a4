// Which workflows an event starts, by GitHub's rules: the events `on:` names, their
// activity `types` (with GitHub's defaults where it has them), and the branch, tag and
// path filters of push and pull_request. A workflow whose jobs all have a false `if:` is
// still started: its jobs are skipped, which is what the run's record shows.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkflowTemplate } from '@actions/workflow-parser';
import type { Json } from './evaluate.js';
import { matchesList } from './filter-pattern.js';
import { readWorkflowFile, type Triggers } from './workflow-file.js';

export interface RehearsalEvent {
  /** The webhook event name: issues, push, repository_dispatch, … */
  name: string;
  /** The activity type; default: the payload's `action`. */
  action?: string;
  payload: Json;
  /** Files the push or pull request changes, for `paths` filters; default: a push's commits. */
  files?: string[];
}

/**
 * Activity types an event runs for when the workflow names none: GitHub's documented
 * defaults; every other event runs for all its types.
 */
const DEFAULT_TYPES: Record<string, string[]> = {
  pull_request: ['opened', 'synchronize', 'reopened'],
  pull_request_target: ['opened', 'synchronize', 'reopened'],
};

/** Whether a workflow (its file, its converted template or its `on:`) listens to the event. */
export function listensTo(
  workflow: string | WorkflowTemplate | Triggers,
  event: RehearsalEvent,
): boolean {
  const on: Triggers =
    typeof workflow === 'string'
      ? readWorkflowFile(workflow).on
      : isTemplate(workflow)
        ? (workflow.events as Triggers)
        : workflow;
  // workflow_call is how a workflow is called, never an event.
  if (event.name === 'workflow_call' || !(event.name in on)) return false;
  const config = on[event.name];
  if (event.name === 'schedule') return scheduleMatches(config, event.payload);
  const filters = (Array.isArray(config) ? {} : (config ?? {})) as Record<string, Json>;
  if (!typesMatch(event, filters)) return false;
  if (event.name === 'push') return pushMatches(event, filters);
  if (event.name === 'pull_request' || event.name === 'pull_request_target') {
    const base = field(event.payload, ['pull_request', 'base', 'ref']);
    return (
      allowed(branchName(base), filters, 'branches') &&
      pathsAllowed(event.files, filters, event.name)
    );
  }
  if (event.name === 'workflow_run') {
    const workflows = list(filters.workflows, 'workflows');
    const name = field(event.payload, ['workflow', 'name']) ?? '';
    const branch = field(event.payload, ['workflow_run', 'head_branch']) ?? '';
    return (!workflows || matchesList(workflows, name)) && allowed(branch, filters, 'branches');
  }
  return true;
}

/**
 * The workflow files (.github/workflows/*.yml|yaml of the repository) the event starts,
 * sorted. A schedule event naming its `workflow` (as GitHub's does) starts that one only.
 */
export function workflowsListening(repositoryDir: string, event: RehearsalEvent): string[] {
  const named = event.name === 'schedule' ? field(event.payload, ['workflow']) : undefined;
  return workflowFiles(repositoryDir)
    .filter(({ path }) => named === undefined || path === named)
    .map(({ file }) => file)
    .filter((file) => listensTo(file, event));
}

/**
 * Each workflow with a `schedule:` cron, with the first one: what GitHub's scheduler
 * fires, one schedule event per workflow, whose payload names the cron and the file.
 */
export function scheduledWorkflows(repositoryDir: string): { path: string; cron: string }[] {
  return workflowFiles(repositoryDir).flatMap(({ file, path }) => {
    const config = readWorkflowFile(file).on.schedule;
    const cron = (Array.isArray(config) ? config : [])
      .map((entry) => (entry as { cron?: unknown }).cron)
      .find((c): c is string => typeof c === 'string');
    return cron === undefined ? [] : [{ path, cron }];
  });
}

/** The repository's workflow files: absolute, and as GitHub names them (`.github/workflows/x.yml`). */
function workflowFiles(repositoryDir: string): { file: string; path: string }[] {
  const dir = join(repositoryDir, '.github/workflows');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => ({ file: join(dir, name), path: `.github/workflows/${name}` }));
}

function isTemplate(workflow: WorkflowTemplate | Triggers): workflow is WorkflowTemplate {
  return 'events' in workflow && 'jobs' in workflow && Array.isArray(workflow.jobs);
}

function typesMatch(event: RehearsalEvent, filters: Record<string, Json>): boolean {
  const types = list(filters.types, 'types') ?? DEFAULT_TYPES[event.name];
  if (!types) return true;
  const action =
    event.action ??
    field(event.payload, ['action']) ??
    (event.name === 'repository_dispatch' ? field(event.payload, ['event_type']) : undefined);
  return action !== undefined && types.includes(action);
}

function pushMatches(event: RehearsalEvent, filters: Record<string, Json>): boolean {
  const ref = field(event.payload, ['ref']) ?? '';
  const branchFilter = 'branches' in filters || 'branches-ignore' in filters;
  const tagFilter = 'tags' in filters || 'tags-ignore' in filters;
  if (ref.startsWith('refs/tags/')) {
    // Only branch filters: tag pushes do not run it. Path filters are not evaluated for tags.
    if (branchFilter && !tagFilter) return false;
    return allowed(ref.slice('refs/tags/'.length), filters, 'tags');
  }
  if (tagFilter && !branchFilter) return false;
  return (
    allowed(branchName(ref), filters, 'branches') &&
    pathsAllowed(event.files ?? pushFiles(event.payload), filters, 'push')
  );
}

/** `<kind>` includes, `<kind>-ignore` excludes; both at once is an error, as on GitHub. */
function allowed(value: string, filters: Record<string, Json>, kind: string): boolean {
  const include = list(filters[kind], kind);
  const ignore = list(filters[`${kind}-ignore`], `${kind}-ignore`);
  if (include && ignore)
    throw new Error(`${kind} and ${kind}-ignore: use one of them for an event, not both`);
  if (include) return matchesList(include, value);
  if (ignore) return !matchesList(ignore, value);
  return true;
}

/**
 * `paths`: some changed file is included; `paths-ignore`: some changed file is not
 * ignored. When the event does not say which files changed, path filters pass.
 */
function pathsAllowed(
  files: string[] | undefined,
  filters: Record<string, Json>,
  event: string,
): boolean {
  const include = list(filters.paths, 'paths');
  const ignore = list(filters['paths-ignore'], 'paths-ignore');
  if (include && ignore)
    throw new Error(`${event}: paths and paths-ignore: use one of them for an event, not both`);
  if (!files) return true;
  if (include) return files.some((file) => matchesList(include, file));
  if (ignore) return files.some((file) => !matchesList(ignore, file));
  return true;
}

function pushFiles(payload: Json): string[] | undefined {
  const commits = (payload as { commits?: unknown } | null)?.commits;
  if (!Array.isArray(commits)) return undefined;
  const files = new Set<string>();
  for (const commit of commits as Record<string, unknown>[])
    for (const key of ['added', 'modified', 'removed'])
      for (const file of (commit[key] as string[] | undefined) ?? []) files.add(file);
  return [...files];
}

/** A `schedule` event starts every workflow with a schedule; one naming its cron, only those with it. */
function scheduleMatches(config: Json, payload: Json): boolean {
  const cron = field(payload, ['schedule']);
  if (cron === undefined) return true;
  return (Array.isArray(config) ? config : []).some(
    (entry) => (entry as { cron?: unknown }).cron === cron,
  );
}

const branchName = (ref: string | undefined): string => (ref ?? '').replace(/^refs\/heads\//, '');

function list(value: Json, name: string): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const values = Array.isArray(value) ? value : [value];
  if (!values.every((v) => typeof v === 'string'))
    throw new Error(`${name}: ${JSON.stringify(value)} is not a string or a list of strings`);
  return values as string[];
}

function field(value: Json, path: string[]): string | undefined {
  let at = value;
  for (const key of path)
    at = at && typeof at === 'object' ? (at as Record<string, unknown>)[key] : undefined;
  return typeof at === 'string' ? at : undefined;
}
