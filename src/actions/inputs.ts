import * as core from '@actions/core';
import { showValue, UsageError } from '../shared/errors.js';

export function optionalInput(name: string, fallback = ''): string {
  const value = core.getInput(name);
  return value === '' ? fallback : value;
}

/** A required input; `hint` tells the user what to pass. */
export function requiredInput(name: string, hint: string): string {
  const value = core.getInput(name);
  if (value === '') throw new UsageError(`Input '${name}' is required: ${hint}.`);
  return value;
}

export function enumInput<T extends string>(name: string, allowed: readonly T[], fallback: T): T;
export function enumInput<T extends string>(
  name: string,
  allowed: readonly T[],
  fallback: T | undefined,
): T | undefined;
export function enumInput<T extends string>(
  name: string,
  allowed: readonly T[],
  fallback: T | undefined,
): T | undefined {
  const value = core.getInput(name);
  if (value === '') return fallback;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`Input '${name}' is ${showValue(value)}; allowed: ${allowed.join(', ')}.`);
  }
  return value as T;
}

/** A boolean input, strictly: YAML's `yes`, `on` or `True` would hide a typo in a safety switch. */
export function booleanInput(name: string, fallback: 'true' | 'false'): boolean {
  const value = core.getInput(name) || fallback;
  if (value !== 'true' && value !== 'false') {
    throw new UsageError(`Input '${name}' is ${showValue(value)}; allowed: true, false.`);
  }
  return value === 'true';
}

/** Parses a JSON input; the parser's own message names the position, never echoes the text. */
export function jsonInput(name: string, expected: string): unknown {
  const value = core.getInput(name);
  if (value === '') return undefined;
  try {
    return JSON.parse(value) as unknown;
  } catch (error) {
    const where =
      error instanceof SyntaxError ? /position \d+/.exec(error.message)?.[0] : undefined;
    throw new UsageError(
      `Input '${name}' is not valid JSON${where ? ` (at ${where})` : ''}; expected ${expected}.`,
    );
  }
}

/**
 * A path inside the workspace: relative, no `..` segments, no NUL. Config and result
 * paths come from workflow files, but a path is still never trusted to stay put.
 */
export function workspacePathInput(name: string, fallback: string): string {
  const value = optionalInput(name, fallback);
  const segments = value.split(/[\\/]+/);
  if (
    value.startsWith('/') ||
    /^[A-Za-z]:/.test(value) ||
    segments.includes('..') ||
    value.includes('\0')
  ) {
    throw new UsageError(
      `Input '${name}' is ${showValue(value)}; allowed: a path relative to the workspace, without '..'.`,
    );
  }
  return value;
}

/** Reads a secret input and masks it before anything else can print it. */
export function optionalSecretInput(name: string): string | undefined {
  const value = core.getInput(name);
  if (value === '') return undefined;
  core.setSecret(value);
  return value;
}

export function secretInput(name: string, hint: string): string {
  const value = optionalSecretInput(name);
  if (value === undefined) throw new UsageError(`Input '${name}' is required: ${hint}.`);
  return value;
}
