// Reads a workflow file once: the parsed token tree (what the converted model drops:
// step `with:`, workflow_call outputs, input types) and its `on:` section as plain JSON,
// normalized from GitHub's three spellings (a string, a list, a map).
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import {
  convertWorkflowTemplate,
  isMapping,
  NoOperationTraceWriter,
  parseWorkflow,
  type WorkflowTemplate,
} from '@actions/workflow-parser';
import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/template-token';
import { literal, type Json } from './evaluate.js';

/** An event's filters as the file writes them (`types`, `branches`, `paths`, …; a list for schedule). */
export type Triggers = Record<string, Record<string, Json> | Record<string, Json>[]>;

export interface InputDefinition {
  type?: string;
  required?: boolean;
  /** A literal, or a `${{ }}` string evaluated when the workflow starts. */
  default?: Json;
  options?: string[];
}

export interface WorkflowFile {
  file: string;
  /** `name:`, else the file's path as GitHub shows it. */
  name: string;
  raw: TemplateToken;
  on: Triggers;
  /** The parse itself, so the converted model is made without reading the file again. */
  parsed: ReturnType<typeof parseWorkflow>;
}

/** Files already read, by path: a story routes every event past every workflow of a checkout. */
const read = new Map<string, { mtimeMs: number; size: number; workflow: WorkflowFile }>();

export function readWorkflowFile(file: string): WorkflowFile {
  const { mtimeMs, size } = statSync(file);
  const known = read.get(file);
  if (known && known.mtimeMs === mtimeMs && known.size === size) return known.workflow;
  const workflow = parseWorkflowFile(file);
  read.set(file, { mtimeMs, size, workflow });
  return workflow;
}

function parseWorkflowFile(file: string): WorkflowFile {
  const parsed = parseWorkflow(
    { name: basename(file), content: readFileSync(file, 'utf8') },
    new NoOperationTraceWriter(),
  );
  const errors = parsed.context.errors.getErrors();
  if (errors.length || !parsed.value)
    throw new Error(`${file}: ${errors.map((e) => e.message).join('; ')}`);
  const raw = parsed.value;
  const name = literal(child(raw, ['name']));
  return {
    file,
    name: typeof name === 'string' ? name : file,
    raw,
    on: normalizeOn(literal(child(raw, ['on']))),
    parsed,
  };
}

/** The converted model (jobs, needs, if:, strategy) of a file, or of one already read. */
export async function loadWorkflow(workflow: string | WorkflowFile): Promise<WorkflowTemplate> {
  const { parsed, raw } = typeof workflow === 'string' ? readWorkflowFile(workflow) : workflow;
  return convertWorkflowTemplate(parsed.context, raw);
}

/** The token at a path of mapping keys, if every step of it is a mapping. */
export function child(token: TemplateToken | undefined, path: string[]): TemplateToken | undefined {
  let at = token;
  for (const key of path) at = at && isMapping(at) ? at.find(key) : undefined;
  return at;
}

/** Declared inputs of `workflow_call` or `workflow_dispatch`. */
export function inputDefinitions(
  workflow: WorkflowFile,
  event: 'workflow_call' | 'workflow_dispatch',
): Record<string, InputDefinition> {
  const config = workflow.on[event];
  if (!config || Array.isArray(config)) return {};
  return (config.inputs ?? {}) as Record<string, InputDefinition>;
}

/** Declared secrets of `workflow_call`. */
export function secretDefinitions(workflow: WorkflowFile): Record<string, { required?: boolean }> {
  const config = workflow.on.workflow_call;
  if (!config || Array.isArray(config)) return {};
  return (config.secrets ?? {}) as Record<string, { required?: boolean }>;
}

function normalizeOn(on: Json): Triggers {
  const names = typeof on === 'string' ? [on] : Array.isArray(on) ? on : undefined;
  if (names) return Object.fromEntries(names.map((n) => [String(n), {}]));
  if (!on || typeof on !== 'object') throw new Error(`on: ${JSON.stringify(on)} names no event`);
  return Object.fromEntries(
    Object.entries(on as Record<string, Json>).map(([event, config]) => [
      event,
      Array.isArray(config)
        ? (config as Record<string, Json>[])
        : ((config ?? {}) as Record<string, Json>),
    ]),
  );
}
