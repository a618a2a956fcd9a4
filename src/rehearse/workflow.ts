// Runs a workflow file's jobs the way GitHub does, over the emulators: the jobs, their
// order (`needs`), `if:` conditions, matrices, step inputs and job outputs all come from
// the file itself, read with @actions/workflow-parser and evaluated with
// @actions/expressions, so a test of the pipeline tests the wiring the file declares and
// never a restatement of it. Steps that use kubemend's actions run the bundled action as
// the runner does; checkout, upload-artifact and download-artifact get their documented
// semantics on local folders.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { readFileSync } from 'node:fs';
import { data, Evaluator, Lexer, Parser } from '@actions/expressions';
import {
  convertWorkflowTemplate,
  isBasicExpression,
  isMapping,
  isSequence,
  NoOperationTraceWriter,
  parseWorkflow,
  type WorkflowTemplate,
} from '@actions/workflow-parser';
import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/template-token';
import { mapLimit } from '../shared/pool.js';
import { runAction, type ActionRun } from './action.js';

type Json = unknown;
type Result = 'success' | 'failure' | 'skipped';

export interface StepRecord {
  uses: string;
  inputs: Record<string, string>;
  outcome: Result;
  outputs: Record<string, string>;
  run?: ActionRun;
}

export interface JobRecord {
  result: Result;
  outputs: Record<string, string>;
  /** One list of steps per matrix combination (one for a job without a matrix). */
  runs: { matrix: Record<string, Json>; steps: StepRecord[] }[];
}

export interface WorkflowOptions {
  inputs?: Record<string, Json>;
  secrets?: Record<string, string>;
  /** The caller's repository files a checkout brings (the config). */
  repository: string;
  event: { name: string; payload: Json };
  github: { repository: string; token: string; apiUrl: string };
  /** Extra environment for every action (pacing in tests). */
  env?: Record<string, string>;
  /** Jobs to run; default all. */
  only?: string[];
}

const KUBEMEND = /^kubemend\/kubemend\/actions\/([a-z-]+)@/;

export async function runWorkflow(
  file: string,
  options: WorkflowOptions,
): Promise<Record<string, JobRecord>> {
  const template = await loadWorkflow(file);
  const raw = parseWorkflow(
    { name: basename(file), content: readFileSync(file, 'utf8') },
    new NoOperationTraceWriter(),
  ).value;
  const inputs = callInputs(template, options.inputs ?? {});
  const artifacts = mkdtempSync(join(tmpdir(), 'kubemend-artifacts-'));
  const jobs: Record<string, JobRecord> = {};
  const github = {
    token: options.github.token,
    repository: options.github.repository,
    event_name: options.event.name,
    event: options.event.payload,
    api_url: options.github.apiUrl,
  };

  for (const job of order(template)) {
    const id = job.id.value;
    const needs = Object.fromEntries(
      (job.needs ?? []).map((n) => [
        n.value,
        { result: jobs[n.value]?.result ?? 'skipped', outputs: jobs[n.value]?.outputs ?? {} },
      ]),
    );
    const base = { inputs, github, needs, secrets: options.secrets ?? {} };
    const needResults = Object.values(needs).map((n) => n.result);
    if (
      (options.only && !options.only.includes(id)) ||
      !truthy(evaluate(job.if, base, needResults))
    ) {
      jobs[id] = { result: 'skipped', outputs: {}, runs: [] };
      continue;
    }
    const strategy = (job.strategy ? evaluate(job.strategy, base, needResults) : {}) as {
      matrix?: Record<string, Json>;
      'max-parallel'?: number;
    };
    const combos = expandMatrix(strategy.matrix);
    if (combos.length === 0) {
      jobs[id] = { result: 'failure', outputs: {}, runs: [] };
      continue;
    }
    const stepsRaw = rawSteps(raw, id);
    const runs = await mapLimit(
      combos,
      Number(strategy['max-parallel'] ?? 256) || 256,
      async (matrix) => {
        const workspace = mkdtempSync(join(tmpdir(), `kubemend-job-${id}-`));
        const steps: StepRecord[] = [];
        const stepContext: Record<string, { outputs: Record<string, string>; outcome: Result }> =
          {};
        let failed = false;
        if (job.type !== 'job')
          throw new Error(`job ${id}: reusable workflow jobs are not run here`);
        for (const [index, step] of job.steps.entries()) {
          if (!('uses' in step)) throw new Error(`job ${id}: only 'uses' steps are run here`);
          const ctx = { ...base, matrix, steps: stepContext };
          const status = failed ? ['failure'] : ['success'];
          const uses = step.uses.value;
          const withToken = stepsRaw[index];
          if (!truthy(evaluate(step.if, ctx, status))) {
            steps.push({ uses, inputs: {}, outcome: 'skipped', outputs: {} });
            continue;
          }
          const given = withToken ? (evaluate(withToken, ctx, status) as Record<string, Json>) : {};
          const stepInputs = Object.fromEntries(
            Object.entries(given).map(([k, v]) => [k, stringOf(v)]),
          );
          const record = await runStep(uses, stepInputs, { workspace, artifacts, options });
          steps.push(record);
          stepContext[step.id] = { outputs: record.outputs, outcome: record.outcome };
          if (record.outcome === 'failure') failed = true;
        }
        return { matrix, steps, failed, stepContext };
      },
    );
    const failed = runs.some((r) => r.failed);
    const last = runs.at(-1);
    const outputs =
      job.outputs && last
        ? (Object.fromEntries(
            Object.entries(
              evaluate(job.outputs, { ...base, steps: last.stepContext }, ['success']) as Record<
                string,
                Json
              >,
            ).map(([k, v]) => [k, stringOf(v)]),
          ) as Record<string, string>)
        : {};
    jobs[id] = {
      result: failed ? 'failure' : 'success',
      outputs,
      runs: runs.map(({ matrix, steps }) => ({ matrix, steps })),
    };
  }
  return jobs;
}

export async function loadWorkflow(file: string): Promise<WorkflowTemplate> {
  const parsed = parseWorkflow(
    { name: basename(file), content: readFileSync(file, 'utf8') },
    new NoOperationTraceWriter(),
  );
  const errors = parsed.context.errors.getErrors();
  if (errors.length || !parsed.value)
    throw new Error(`${file}: ${errors.map((e) => e.message).join('; ')}`);
  return convertWorkflowTemplate(parsed.context, parsed.value);
}

async function runStep(
  uses: string,
  inputs: Record<string, string>,
  at: { workspace: string; artifacts: string; options: WorkflowOptions },
): Promise<StepRecord> {
  const { workspace, artifacts, options } = at;
  const ok = (outputs: Record<string, string> = {}): StepRecord => ({
    uses,
    inputs,
    outcome: 'success',
    outputs,
  });
  if (uses.startsWith('actions/checkout@')) {
    cpSync(options.repository, workspace, { recursive: true });
    return ok();
  }
  if (uses.startsWith('actions/upload-artifact@')) {
    const name = inputs.name ?? 'artifact';
    const target = join(artifacts, name);
    // v4: an artifact name is written once per run.
    if (existsSync(target)) return { uses, inputs, outcome: 'failure', outputs: {} };
    mkdirSync(target, { recursive: true });
    const path = inputs.path ?? '';
    if (!existsSync(path)) return ok(); // if-no-files-found: warn
    cpSync(path, statSync(path).isDirectory() ? target : join(target, basename(path)), {
      recursive: true,
    });
    return ok({ 'artifact-id': name });
  }
  if (uses.startsWith('actions/download-artifact@')) {
    const pattern = new RegExp(
      `^${(inputs.pattern ?? '*')
        .split('*')
        .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*')}$`,
    );
    const dest = join(workspace, inputs.path ?? '.');
    mkdirSync(dest, { recursive: true });
    for (const name of readdirSync(artifacts).filter((n) => pattern.test(n)))
      cpSync(join(artifacts, name), join(dest, name), { recursive: true });
    return ok({ 'download-path': dest });
  }
  const action = KUBEMEND.exec(uses)?.[1];
  if (!action) throw new Error(`step uses ${uses}: not an action this runner knows`);
  const run = await runAction(action, {
    inputs,
    applyDefaults: true,
    workspace,
    githubToken: options.github.token,
    apiUrl: options.github.apiUrl,
    repository: options.github.repository,
    event: { name: options.event.name, payload: options.event.payload },
    env: options.env ?? {},
    timeoutMs: 300_000,
  });
  return {
    uses,
    inputs,
    outcome: run.exitCode === 0 ? 'success' : 'failure',
    outputs: run.outputs,
    run,
  };
}

/** Jobs in an order that runs every job after the jobs it needs. */
function order(template: WorkflowTemplate) {
  const done = new Set<string>();
  const out: WorkflowTemplate['jobs'] = [];
  while (out.length < template.jobs.length) {
    const next = template.jobs.find(
      (j) => !done.has(j.id.value) && (j.needs ?? []).every((n) => done.has(n.value)),
    );
    if (!next) throw new Error('jobs form a cycle');
    done.add(next.id.value);
    out.push(next);
  }
  return out;
}

/** The workflow_call inputs: given values, else the declared defaults. */
function callInputs(template: WorkflowTemplate, given: Record<string, Json>): Record<string, Json> {
  const declared = (template.events.workflow_call?.inputs ?? {}) as Record<
    string,
    { default?: Json }
  >;
  for (const name of Object.keys(given))
    if (!(name in declared)) throw new Error(`input ${name} is not declared by the workflow`);
  return Object.fromEntries(
    Object.entries(declared).map(([name, spec]) => [name, given[name] ?? spec.default ?? '']),
  );
}

/** The `with:` token of each step of a job, by index (the converted model drops it). */
function rawSteps(root: TemplateToken | undefined, jobId: string): (TemplateToken | undefined)[] {
  const jobs = root && isMapping(root) ? root.find('jobs') : undefined;
  const job = jobs && isMapping(jobs) ? jobs.find(jobId) : undefined;
  const steps = job && isMapping(job) ? job.find('steps') : undefined;
  if (!steps || !isSequence(steps)) return [];
  return [...Array(steps.count).keys()].map((i) => {
    const step = steps.get(i);
    return isMapping(step) ? step.find('with') : undefined;
  });
}

function expandMatrix(matrix: Record<string, Json> | undefined): Record<string, Json>[] {
  if (!matrix) return [{}];
  const { include, exclude, ...axes } = matrix as {
    include?: Record<string, Json>[];
    exclude?: unknown;
  };
  void exclude;
  let combos: Record<string, Json>[] = Object.keys(axes).length ? [{}] : [];
  for (const [key, values] of Object.entries(axes))
    combos = combos.flatMap((c) =>
      (Array.isArray(values) ? values : [values]).map((v) => ({ ...c, [key]: v })),
    );
  return [...combos, ...(Array.isArray(include) ? include : [])];
}

/** Evaluates a template token (literal, expression, mapping, sequence) to plain JSON. */
function evaluate(
  token: TemplateToken | undefined,
  context: Record<string, Json>,
  statuses: string[],
): Json {
  if (token === undefined) return undefined;
  if (isBasicExpression(token)) return expression(token.expression, context, statuses);
  if (isMapping(token)) {
    const out: Record<string, Json> = {};
    for (const pair of token)
      out[stringOf(evaluate(pair.key, context, statuses))] = evaluate(
        pair.value,
        context,
        statuses,
      );
    return out;
  }
  if (isSequence(token))
    return [...Array(token.count).keys()].map((i) => evaluate(token.get(i), context, statuses));
  return (token as unknown as { value?: Json }).value ?? null;
}

/** A `${{ }}` expression's value in the given contexts, as the runner evaluates it. */
export function expression(
  text: string,
  context: Record<string, Json>,
  statuses: string[] = [],
): Json {
  const failed = statuses.includes('failure');
  const status = (value: boolean) => ({ call: () => new data.BooleanData(value) });
  const functions = new Map(
    Object.entries({
      success: status(!failed && !statuses.includes('skipped')),
      failure: status(failed),
      always: status(true),
      cancelled: status(false),
    }).map(([name, f]) => [name, { name, minArgs: 0, maxArgs: 0, ...f }]),
  );
  const tokens = new Lexer(text).lex().tokens;
  const parsed = new Parser(tokens, Object.keys(context), [...functions.values()]).parse();
  const contextData = JSON.parse(JSON.stringify(context), data.reviver) as data.Dictionary;
  const result = new Evaluator(parsed, contextData, functions).evaluate();
  return JSON.parse(JSON.stringify(result, data.replacer)) as Json;
}

function truthy(value: Json): boolean {
  if (value === undefined) return true;
  return Boolean(value) && value !== 'false' && value !== 0;
}

/** How the runner turns a value into a step input or an output: strings as they are, the rest as JSON. */
function stringOf(value: Json): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}
