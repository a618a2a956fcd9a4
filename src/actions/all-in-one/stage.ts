// One stage of the all-in-one action: the same code the stage's own action runs, given
// its inputs as the runner gives them (INPUT_* variables) and writing its outputs to a
// file of its own, so a stage sees only its inputs and only the all-in-one's outputs
// reach the step.
import * as core from '@actions/core';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Stage {
  name: string;
  inputs: Record<string, string>;
  /** Other variables the stage reads (RUNNER_TEMP for remediate's results). */
  env?: Record<string, string>;
  run: () => Promise<void>;
}

export async function runStage(stage: Stage, scratch: string): Promise<Record<string, string>> {
  const outputFile = join(scratch, `${stage.name}-${randomUUID()}.out`);
  writeFileSync(outputFile, '');
  const env: Record<string, string> = { ...stage.env, GITHUB_OUTPUT: outputFile };
  for (const [name, value] of Object.entries(stage.inputs))
    env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
  const saved = new Map<string, string | undefined>();
  for (const key of Object.keys(process.env))
    if (key.startsWith('INPUT_')) saved.set(key, process.env[key]);
  for (const key of Object.keys(env)) saved.set(key, process.env[key]);
  for (const key of saved.keys()) Reflect.deleteProperty(process.env, key);
  Object.assign(process.env, env);
  try {
    await core.group(`kubemend ${stage.name}`, stage.run);
  } finally {
    for (const [key, value] of saved) {
      if (value === undefined) Reflect.deleteProperty(process.env, key);
      else process.env[key] = value;
    }
  }
  return parseOutputFile(readFileSync(outputFile, 'utf8'));
}

/** GITHUB_OUTPUT as @actions/core writes it: `name<<delimiter` heredocs (and `name=value`). */
export function parseOutputFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const end = lines.indexOf(heredoc[2] ?? '', i + 1);
      if (end < 0) throw new Error(`GITHUB_OUTPUT: ${heredoc[1]} has no closing delimiter`);
      out[heredoc[1] ?? ''] = lines.slice(i + 1, end).join('\n');
      i = end;
    } else if (line.includes('='))
      out[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
  }
  return out;
}
