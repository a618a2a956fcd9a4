import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { load } from 'js-yaml';
import { packageRoot } from './package-root.js';

/** kubemend's package root: actions resolve from here, from src/ as from the bundle in dist/. */
export const repoRoot = packageRoot();

export interface Annotation {
  level: 'error' | 'warning' | 'notice';
  message: string;
  properties: Record<string, string>;
}

export interface ActionRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Parsed from the GITHUB_OUTPUT file, as the runner reads it. */
  outputs: Record<string, string>;
  /** The GITHUB_STEP_SUMMARY file's content. */
  summary: string;
  annotations: Annotation[];
  /** Values the action asked the runner to mask, in order. */
  masks: string[];
  /** Lines of stdout that are not workflow commands: what a reader sees in the log. */
  logLines: string[];
  stdout: string;
  stderr: string;
  workspace: string;
  runnerTemp: string;
}

export interface RunActionOptions {
  /** Inputs by their action.yml names; defaults from action.yml fill the rest, as the runner does. */
  inputs?: Record<string, string>;
  /** When false, only the given inputs are set (like running `node dist/...` by hand). */
  applyDefaults?: boolean;
  /** The event; `raw` bytes replace the JSON of `payload` in the event file (e.g. invalid UTF-8). */
  event?: { name: string; payload: unknown; raw?: Buffer };
  repository?: string;
  apiUrl?: string;
  /** Value of `${{ github.token }}` in defaults. */
  githubToken?: string;
  workspace?: string;
  env?: Record<string, string>;
  /** Node options for the child, e.g. a loader hook; the runner passes none. */
  nodeArgs?: string[];
  timeoutMs?: number;
}

interface ActionMetadata {
  inputs?: Record<string, { default?: unknown; required?: boolean }>;
  runs: { using: string; main: string };
}

export function readActionMetadata(actionDir: string): ActionMetadata {
  return load(readFileSync(join(actionDir, 'action.yml'), 'utf8')) as ActionMetadata;
}

/** The runner's naming: `INPUT_` + the name upper-cased with spaces as underscores (hyphens stay). */
export function inputEnvName(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

/**
 * Runs an action the way the GitHub runner runs a `node24` action: `node <runs.main>`
 * resolved from the action's folder, with INPUT_* variables and the runner's files.
 * `action` is a folder under actions/ or a path to a folder holding an action.yml.
 */
export async function runAction(
  action: string,
  options: RunActionOptions = {},
): Promise<ActionRun> {
  const actionDir = action.includes('/')
    ? resolve(repoRoot, action)
    : join(repoRoot, 'actions', action);
  const metadata = readActionMetadata(actionDir);
  if (metadata.runs.using !== 'node24') {
    throw new Error(
      `${actionDir}/action.yml runs.using is ${metadata.runs.using}; the harness runs node24 actions`,
    );
  }
  const main = resolve(actionDir, metadata.runs.main);
  if (!existsSync(main)) throw new Error(`runs.main ${main} does not exist: run npm run build`);

  const runnerTemp = mkdtempSync(join(tmpdir(), 'kubemend-runner-'));
  const workspace = options.workspace ?? join(runnerTemp, 'workspace');
  mkdirSync(workspace, { recursive: true });
  const commands = join(runnerTemp, '_runner_file_commands');
  mkdirSync(commands);
  const file = (name: string): string => {
    const path = join(commands, `${name}_${randomUUID()}`);
    writeFileSync(path, '');
    return path;
  };
  const outputFile = file('set_output');
  const summaryFile = file('step_summary');
  const eventPath = join(runnerTemp, '_github_workflow', 'event.json');
  mkdirSync(dirname(eventPath));
  const event = options.event ?? { name: 'workflow_dispatch', payload: { inputs: {} } };
  writeFileSync(eventPath, 'raw' in event && event.raw ? event.raw : JSON.stringify(event.payload));

  const token = options.githubToken ?? '';
  const inputs: Record<string, string> = {};
  if (options.applyDefaults !== false) {
    for (const [name, spec] of Object.entries(metadata.inputs ?? {})) {
      if (spec.default !== undefined) inputs[name] = evaluateDefault(String(spec.default), token);
    }
  }
  Object.assign(inputs, options.inputs);

  const repository = options.repository ?? 'octo-org/gitops';
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? runnerTemp,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: event.name,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_STATE: file('save_state'),
    GITHUB_ENV: file('set_env'),
    GITHUB_PATH: file('add_path'),
    GITHUB_REPOSITORY: repository,
    GITHUB_REPOSITORY_OWNER: repository.split('/')[0] ?? '',
    GITHUB_API_URL: options.apiUrl ?? 'http://127.0.0.1:9',
    GITHUB_GRAPHQL_URL: `${options.apiUrl ?? 'http://127.0.0.1:9'}/graphql`,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_WORKSPACE: workspace,
    GITHUB_RUN_ID: '1',
    GITHUB_RUN_NUMBER: '1',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_ACTOR: 'octocat',
    GITHUB_SHA: '0000000000000000000000000000000000000000',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_WORKFLOW: 'kubemend',
    GITHUB_JOB: 'test',
    RUNNER_TEMP: runnerTemp,
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
    // Node keeps the bundle's compiled code here between runs: a rehearsal or a test
    // starts the same bundled actions hundreds of times. It changes nothing they do.
    NODE_COMPILE_CACHE: join(tmpdir(), 'kubemend-node-compile-cache'),
    ...options.env,
  };
  for (const [name, value] of Object.entries(inputs)) env[inputEnvName(name)] = value;

  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), main], {
    cwd: workspace,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timeoutMs = options.timeoutMs ?? 300_000;
  const { code, signal } = await new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
  }>((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`${action} did not finish within ${timeoutMs} ms; stdout so far: ${stdout}`),
      );
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (exitCode, exitSignal) => {
      clearTimeout(timer);
      resolvePromise({ code: exitCode, signal: exitSignal });
    });
  });

  const parsed = parseStdout(stdout);
  return {
    exitCode: code,
    signal,
    outputs: parseFileCommand(readFileSync(outputFile, 'utf8')),
    summary: readFileSync(summaryFile, 'utf8'),
    annotations: parsed.annotations,
    masks: parsed.masks,
    logLines: parsed.logLines,
    stdout,
    stderr,
    workspace,
    runnerTemp,
  };
}

/** The defaults our action.yml files use: literals and `${{ github.token }}`. */
function evaluateDefault(value: string, token: string): string {
  if (!value.includes('${{')) return value;
  if (/^\$\{\{\s*github\.token\s*\}\}$/.test(value)) return token;
  throw new Error(`the harness cannot evaluate the default ${value}`);
}

/** `name=value` lines and `name<<DELIMITER` heredocs, as the runner parses GITHUB_OUTPUT. */
export function parseFileCommand(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line === '') continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name = '', delimiter] = heredoc;
      const value: string[] = [];
      i++;
      while (i < lines.length && lines[i] !== delimiter) value.push(lines[i++] ?? '');
      if (i >= lines.length) throw new Error(`GITHUB_OUTPUT: ${name} has no closing delimiter`);
      result[name] = value.join('\n');
    } else {
      const eq = line.indexOf('=');
      if (eq <= 0) throw new Error(`GITHUB_OUTPUT: malformed line ${JSON.stringify(line)}`);
      result[line.slice(0, eq)] = line.slice(eq + 1);
    }
  }
  return result;
}

const unescapeData = (value: string): string =>
  value.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
const unescapeProperty = (value: string): string =>
  unescapeData(value).replace(/%3A/g, ':').replace(/%2C/g, ',');

function parseStdout(stdout: string): {
  annotations: Annotation[];
  masks: string[];
  logLines: string[];
} {
  const annotations: Annotation[] = [];
  const masks: string[] = [];
  const logLines: string[] = [];
  for (const line of stdout.split(/\r?\n/)) {
    const command = /^::([a-z-]+)(?: ([^:]*))?::(.*)$/.exec(line);
    if (!command) {
      if (line !== '') logLines.push(line);
      continue;
    }
    const [, name = '', props = '', data = ''] = command;
    if (name === 'add-mask') masks.push(unescapeData(data));
    else if (name === 'error' || name === 'warning' || name === 'notice') {
      const properties: Record<string, string> = {};
      for (const pair of props.split(',').filter(Boolean)) {
        const eq = pair.indexOf('=');
        properties[pair.slice(0, eq)] = unescapeProperty(pair.slice(eq + 1));
      }
      annotations.push({ level: name, message: unescapeData(data), properties });
    }
  }
  return { annotations, masks, logLines };
}
