// Runner inputs that name things: held to the shapes Kubernetes and GitHub accept.
import { MAX_ISSUE_NUMBER } from '../shared/constants.js';
import { showValue, UsageError } from '../shared/errors.js';
import { optionalInput } from './inputs.js';
import { isClusterName } from '../shared/names.js';

export function clusterNameInput(name: string): string | undefined {
  const value = optionalInput(name);
  if (value === '') return undefined;
  if (!isClusterName(value)) {
    throw new UsageError(
      `Input '${name}' is ${showValue(value)}; allowed: 1 to 63 letters, digits, '.', '_' or '-', starting and ending with a letter or digit.`,
    );
  }
  return value;
}

/** A branch name as git check-ref-format allows it, without the rarer forms. */
export function refNameInput(name: string): string | undefined {
  const value = optionalInput(name);
  if (value === '') return undefined;
  const bad =
    value.length > 200 ||
    !/^[A-Za-z0-9._/-]+$/.test(value) ||
    value.startsWith('/') ||
    value.endsWith('/') ||
    value.endsWith('.lock') ||
    value.includes('..') ||
    value.includes('//') ||
    value.split('/').some((part) => part.startsWith('.'));
  if (bad) {
    throw new UsageError(
      `Input '${name}' is ${showValue(value)}; allowed: a branch name of letters, digits, '.', '_', '-' and '/'.`,
    );
  }
  return value;
}

/** GitHub label names: at most 50 characters; listed one per line or separated by commas. */
export function labelsInput(name: string): string[] {
  const labels = optionalInput(name)
    .split(/[\n,]/)
    .map((label) => label.trim())
    .filter((label) => label !== '');
  for (const label of labels) {
    if (label.length > 50 || /[\p{Cc}]/u.test(label)) {
      throw new UsageError(
        `Input '${name}' has the label ${showValue(label)}; allowed: label names of at most 50 printable characters, separated by commas or new lines.`,
      );
    }
  }
  return [...new Set(labels)];
}

/** An issue or pull request number; `fallback` stands in when the input is empty. */
export function issueNumberInput(name: string, fallback?: number): number | undefined {
  const value = optionalInput(name);
  if (value === '') return fallback;
  if (!/^[1-9]\d{0,9}$/.test(value) || Number(value) > MAX_ISSUE_NUMBER) {
    throw new UsageError(
      `Input '${name}' is ${showValue(value)}; allowed: an issue or pull request number.`,
    );
  }
  return Number(value);
}
