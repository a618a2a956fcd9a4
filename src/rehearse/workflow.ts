// Runs a workflow file's jobs the way GitHub does, over the emulators: the jobs, their
// order (`needs`), `if:` conditions, matrices, step inputs and job outputs all come from
// the file itself, read with @actions/workflow-parser and evaluated with
// @actions/expressions, so a test of the pipeline tests the wiring the file declares and
// never a restatement of it. Steps that use kubemend's actions (or an action in the
// repository, `uses: ./path`) run the action as the runner does; checkout,
// upload-artifact and download-artifact get their documented semantics on local folders.
// A job that calls a reusable workflow runs the callee's jobs in the same run. What the
// rehearsal cannot run (`run:` scripts, other repositories' actions and workflows) is
// skipped with a note, so a user's own caller workflow still plays.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import {
  isBasicExpression,
  isMapping,
  isSequence,
  type WorkflowTemplate,
} from '@actions/workflow-parser';
import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/template-token';
import { mapLimit } from '../shared/pool.js';
import { runAction, type ActionRun } from './action.js';
import { evaluate, stringOf, truthy, type Json } from './evaluate.js';
import { calleeFile, calleeSecrets, typedInputs } from './reusable.js';
import {
  child,
  inputDefinitions,
  loadWorkflow,
  readWorkflowFile,
  secretDefinitions,
  type WorkflowFile,
} from './workflow-file.js';

export { expression } from './evaluate.js';
export { loadWorkflow } from './workflow-file.js';

type Result = 'success' | 'failure' | 'skipped';

export interface StepRecord {
  /** The action a step uses; empty for a `run:` step. */
  uses: string;
  id?: string;
  inputs: Record<string, string>;
  outcome: Result;
  outputs: Record<string, string>;
  run?: ActionRun;
  /** Why the rehearsal did not run a step it would run on GitHub. */
  note?: string;
}

export interface JobRecord {
  /** The job's `name:` when it is literal, else its id: what GitHub shows. */
  name?: string;
  result: Result;
  outputs: Record<string, string>;
  /** One list of steps per matrix combination (one for a job without a matrix). */
  runs: { matrix: Record<string, Json>; steps: StepRecord[]; jobs?: Record<string, JobRecord> }[];
  /** A reusable workflow job: the called file and its jobs (of the last matrix run). */
  workflow?: string;
  jobs?: Record<string, JobRecord>;
  /** Why the rehearsal skipped a job GitHub would run. */
  note?: string;
}

export interface WorkflowOptions {
  /** workflow_call inputs when the file is run as a called workflow. */
  inputs?: Record<string, Json>;
  secrets?: Record<string, string>;
  /** The caller's repository files: what a checkout brings, `./` actions and workflows. */
  repository: string;
  event: { name: string; payload: Json };
  github: { repository: string; token: string; apiUrl: string };
  /** Who triggered the run (github.actor, GITHUB_ACTOR); default: the payload's sender. */
  actor?: string;
  /** github.ref and github.sha; default: GITHUB_REF/GITHUB_SHA of `env`, else the push's, else main. */
  ref?: string;
  sha?: string;
  /** Extra environment for every action (pacing in tests). */
  env?: Record<string, string>;
  /** Jobs to run (of the file given, not of the workflows it calls); default all. */
  only?: string[];
  /**
   * The folder kubemend's own reusable workflows are read from (its
   * `.github/workflows/`); default: the package's. A release rehearses its pinned copies.
   */
  kubemendRoot?: string;
}

const KUBEMEND_ACTION = /^kubemend\/kubemend\/actions\/([a-z-]+)@/;
const KUBEMEND_ROOT = /^kubemend\/kubemend@/;

interface Run {
  options: WorkflowOptions;
  artifacts: string;
  github: Record<string, Json>;
  env: Record<string, string>;
}

export async function runWorkflow(
  file: string,
  options: WorkflowOptions,
): Promise<Record<string, JobRecord>> {
  const workflow = readWorkflowFile(file);
  const run = runContext(workflow, options);
  const dispatched =
    options.event.name === 'workflow_dispatch' && 'workflow_dispatch' in workflow.on;
  const inputs =
    dispatched && !options.inputs
      ? typedInputs(
          inputDefinitions(workflow, 'workflow_dispatch'),
          dispatchInputs(options.event.payload),
          { github: run.github },
          `${file} (workflow_dispatch)`,
        )
      : typedInputs(
          inputDefinitions(workflow, 'workflow_call'),
          options.inputs ?? {},
          { github: run.github },
          file,
        );
  const secrets = { GITHUB_TOKEN: options.github.token, ...options.secrets };
  return (await runJobs(workflow, { inputs, secrets }, run, options.only)).jobs;
}

/** The run's github context and the runner variables that follow from it. */
function runContext(workflow: WorkflowFile, options: WorkflowOptions): Run {
  const payload = (options.event.payload ?? {}) as Record<string, Json>;
  const sender = (payload.sender as { login?: unknown } | undefined)?.login;
  const actor = options.actor ?? (typeof sender === 'string' ? sender : 'octocat');
  const pushed = options.event.name === 'push' ? payload : {};
  const ref =
    options.ref ??
    options.env?.GITHUB_REF ??
    (typeof pushed.ref === 'string' ? pushed.ref : 'refs/heads/main');
  const sha =
    options.sha ??
    options.env?.GITHUB_SHA ??
    (typeof pushed.after === 'string' ? pushed.after : '0'.repeat(40));
  const repository = options.github.repository;
  const github = {
    token: options.github.token,
    repository,
    repository_owner: repository.split('/')[0] ?? '',
    event_name: options.event.name,
    event: options.event.payload,
    api_url: options.github.apiUrl,
    server_url: 'https://github.com',
    actor,
    triggering_actor: actor,
    ref,
    ref_name: ref.replace(/^refs\/(heads|tags)\//, ''),
    sha,
    workflow: workflow.name,
    run_id: '1',
    run_number: '1',
    run_attempt: '1',
  };
  const env = {
    GITHUB_ACTOR: actor,
    GITHUB_TRIGGERING_ACTOR: actor,
    GITHUB_REF: ref,
    GITHUB_SHA: sha,
    GITHUB_WORKFLOW: workflow.name,
    ...options.env,
  };
  return { options, artifacts: mkdtempSync(join(tmpdir(), 'kubemend-artifacts-')), github, env };
}

/** workflow_dispatch's inputs as the payload carries them (strings). */
function dispatchInputs(payload: Json): Record<string, Json> {
  const inputs = (payload as { inputs?: unknown } | null)?.inputs;
  return inputs && typeof inputs === 'object' ? (inputs as Record<string, Json>) : {};
}

async function runJobs(
  workflow: WorkflowFile,
  call: { inputs: Record<string, Json>; secrets: Record<string, string> },
  run: Run,
  only?: string[],
): Promise<{ jobs: Record<string, JobRecord>; outputs: Record<string, string> }> {
  const template = await loadWorkflow(workflow);
  const jobs: Record<string, JobRecord> = {};
  const { options } = run;
  const common = {
    inputs: call.inputs,
    github: run.github,
    secrets: call.secrets,
    env: {},
    vars: {},
    runner: { os: 'Linux', arch: 'X64', temp: tmpdir() },
  };

  for (const job of order(template)) {
    const id = job.id.value;
    const name =
      job.name && !isBasicExpression(job.name) ? stringOf(evaluate(job.name, {}, [])) : id;
    const needs = Object.fromEntries(
      (job.needs ?? []).map((n) => [
        n.value,
        { result: jobs[n.value]?.result ?? 'skipped', outputs: jobs[n.value]?.outputs ?? {} },
      ]),
    );
    const base = { ...common, needs };
    const needResults = Object.values(needs).map((n) => n.result);
    if ((only && !only.includes(id)) || !truthy(evaluate(job.if, base, needResults))) {
      jobs[id] = { name, result: 'skipped', outputs: {}, runs: [] };
      continue;
    }
    const strategy = (job.strategy ? evaluate(job.strategy, base, needResults) : {}) as {
      matrix?: Record<string, Json>;
      'max-parallel'?: number;
    };
    const combos = expandMatrix(strategy.matrix);
    if (combos.length === 0) {
      jobs[id] = { name, result: 'failure', outputs: {}, runs: [] };
      continue;
    }
    if (job.type === 'reusableWorkflowJob') {
      const callee = calleeFile(job.ref.value, options.repository, options.kubemendRoot);
      if (!callee) {
        jobs[id] = {
          name,
          result: 'skipped',
          outputs: {},
          runs: [],
          note: `uses: ${job.ref.value}: only kubemend's and the repository's own workflows are rehearsed`,
        };
        continue;
      }
      const calleeWorkflow = readWorkflowFile(callee);
      const runs = await mapLimit(
        combos,
        Number(strategy['max-parallel'] ?? 256) || 256,
        async (matrix) => {
          const ctx = { ...base, matrix };
          const where = `job ${id} (uses: ${job.ref.value})`;
          const given = (evaluate(job['input-values'], ctx, ['success']) ?? {}) as Record<
            string,
            Json
          >;
          const inputs = typedInputs(
            inputDefinitions(calleeWorkflow, 'workflow_call'),
            given,
            { github: run.github },
            where,
          );
          const mapped = job['inherit-secrets']
            ? 'inherit'
            : ((evaluate(job['secret-values'], ctx, ['success']) ?? {}) as Record<string, Json>);
          const secrets = {
            ...calleeSecrets(secretDefinitions(calleeWorkflow), mapped, call.secrets, where),
            GITHUB_TOKEN: options.github.token,
          };
          const inner = await runJobs(calleeWorkflow, { inputs, secrets }, run);
          return { matrix, steps: [] as StepRecord[], jobs: inner.jobs, outputs: inner.outputs };
        },
      );
      const last = runs.at(-1);
      jobs[id] = {
        name,
        result: runs.some((r) => Object.values(r.jobs).some((j) => j.result === 'failure'))
          ? 'failure'
          : 'success',
        outputs: last?.outputs ?? {},
        runs: runs.map(({ matrix, steps, jobs: inner }) => ({ matrix, steps, jobs: inner })),
        workflow: callee,
        jobs: last?.jobs ?? {},
      };
      continue;
    }
    const stepsRaw = rawSteps(workflow.raw, id);
    const runs = await mapLimit(
      combos,
      Number(strategy['max-parallel'] ?? 256) || 256,
      async (matrix) => {
        const workspace = mkdtempSync(join(tmpdir(), `kubemend-job-${id}-`));
        const steps: StepRecord[] = [];
        const stepContext: Record<string, { outputs: Record<string, string>; outcome: Result }> =
          {};
        let failed = false;
        for (const [index, step] of job.steps.entries()) {
          const ctx = { ...base, matrix, steps: stepContext };
          const status = failed ? ['failure'] : ['success'];
          const skip = (record: Omit<StepRecord, 'outcome' | 'outputs' | 'inputs'>) => {
            steps.push({ ...record, id: step.id, inputs: {}, outcome: 'skipped', outputs: {} });
            stepContext[step.id] = { outputs: {}, outcome: 'skipped' };
          };
          const uses = 'uses' in step ? step.uses.value : '';
          if (!truthy(evaluate(step.if, ctx, status))) {
            skip({ uses });
            continue;
          }
          if (!('uses' in step)) {
            skip({ uses, note: 'run: steps are not rehearsed' });
            continue;
          }
          const withToken = stepsRaw[index];
          const given = withToken ? (evaluate(withToken, ctx, status) as Record<string, Json>) : {};
          const stepInputs = Object.fromEntries(
            Object.entries(given).map(([k, v]) => [k, stringOf(v)]),
          );
          const record = await runStep(uses, stepInputs, { workspace, run, job: id });
          steps.push({ ...record, id: step.id });
          stepContext[step.id] = { outputs: record.outputs, outcome: record.outcome };
          if (record.outcome === 'failure') failed = true;
        }
        return { matrix, steps, failed, stepContext };
      },
    );
    const failed = runs.some((r) => r.failed);
    // A matrix's jobs share one set of outputs: each job's non-empty values overwrite,
    // the last job's winning, and an empty value overwrites nothing (GitHub's "Using job
    // outputs in a matrix job"), so an output only some jobs set still arrives.
    const outputs: Record<string, string> = {};
    for (const { matrix, stepContext } of job.outputs ? runs : [])
      for (const [k, v] of Object.entries(
        evaluate(job.outputs, { ...base, matrix, steps: stepContext }, ['success']) as Record<
          string,
          Json
        >,
      )) {
        const text = stringOf(v);
        if (text !== '' || !(k in outputs)) outputs[k] = text;
      }
    jobs[id] = {
      name,
      result: failed ? 'failure' : 'success',
      outputs,
      runs: runs.map(({ matrix, steps }) => ({ matrix, steps })),
    };
  }
  return { jobs, outputs: callOutputs(workflow, jobs, common) };
}

/** `on.workflow_call.outputs`: what a caller job's `outputs` become, from the callee's jobs. */
function callOutputs(
  workflow: WorkflowFile,
  jobs: Record<string, JobRecord>,
  common: Record<string, Json>,
): Record<string, string> {
  const declared = child(workflow.raw, ['on', 'workflow_call', 'outputs']);
  if (!declared || !isMapping(declared)) return {};
  const context = {
    ...common,
    jobs: Object.fromEntries(
      Object.entries(jobs).map(([id, j]) => [id, { result: j.result, outputs: j.outputs }]),
    ),
  };
  const outputs: Record<string, string> = {};
  for (const pair of declared) {
    const value = isMapping(pair.value) ? pair.value.find('value') : undefined;
    outputs[stringOf(evaluate(pair.key, {}, []))] = stringOf(evaluate(value, context, ['success']));
  }
  return outputs;
}

async function runStep(
  uses: string,
  inputs: Record<string, string>,
  at: { workspace: string; run: Run; job: string },
): Promise<StepRecord> {
  const { workspace, run, job } = at;
  const { artifacts, options } = run;
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
  // A local action is the repository's folder holding an action.yml; GitHub reads it
  // from the workspace a checkout filled, which is the repository's files.
  const action =
    KUBEMEND_ACTION.exec(uses)?.[1] ??
    (KUBEMEND_ROOT.test(uses) ? './' : undefined) ??
    (uses.startsWith('./') ? resolve(options.repository, uses) : undefined);
  if (!action)
    return {
      uses,
      inputs,
      outcome: 'skipped',
      outputs: {},
      note: `uses: ${uses}: only kubemend's actions, local actions and checkout/upload-artifact/download-artifact are rehearsed`,
    };
  const actionRun = await runAction(action, {
    inputs,
    applyDefaults: true,
    workspace,
    githubToken: options.github.token,
    apiUrl: options.github.apiUrl,
    repository: options.github.repository,
    event: { name: options.event.name, payload: options.event.payload },
    env: { GITHUB_JOB: job, ...run.env },
    timeoutMs: 300_000,
  });
  return {
    uses,
    inputs,
    outcome: actionRun.exitCode === 0 ? 'success' : 'failure',
    outputs: actionRun.outputs,
    run: actionRun,
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

/** The `with:` token of each step of a job, by index (the converted model drops it). */
function rawSteps(root: TemplateToken | undefined, jobId: string): (TemplateToken | undefined)[] {
  const steps = child(root, ['jobs', jobId, 'steps']);
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

/** `kubemend / intake`-style lines for a report: every job, reusable workflows' jobs nested. */
export function jobLines(
  jobs: Record<string, JobRecord>,
  prefix = '',
): { name: string; result: Result; note?: string }[] {
  return Object.entries(jobs).flatMap(([id, job]) => {
    const name = `${prefix}${job.name ?? id}`;
    const line = { name, result: job.result, ...(job.note ? { note: job.note } : {}) };
    return job.jobs ? [line, ...jobLines(job.jobs, `${name} / `)] : [line];
  });
}
