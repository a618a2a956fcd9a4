import * as core from '@actions/core';
import { KubeConfig } from '@kubernetes/client-node';
import { load } from 'js-yaml';
import { UsageError, getErrorMessage } from '../shared/errors.js';
import { isObject } from '../shared/event.js';
import { showValue } from '../shared/inputs.js';

/** Keys of a kubeconfig `user` entry whose values are credentials. */
const CREDENTIAL_KEYS = new Set([
  'client-certificate-data',
  'client-key-data',
  'token',
  'password',
  'username',
  'id-token',
  'refresh-token',
  'access-token',
  'client-secret',
  // exec plugin env entries ({name, value}) often carry tokens
  'value',
]);

/**
 * Turns the `kubeconfig` input (raw YAML or base64 of it) into a KubeConfig on the
 * chosen context. Every credential is masked before anything can print it, and no
 * error message quotes the kubeconfig's text: YAML errors name a line, not content.
 */
export function loadKubeconfig(
  inputName: string,
  raw: string,
  contextInput: string,
  contextInputName: string,
): KubeConfig {
  const text = decodeKubeconfig(raw);
  let document: unknown;
  try {
    document = load(text);
  } catch (error) {
    maskLines(text);
    const mark = (error as { mark?: { line?: number; column?: number } }).mark;
    const where =
      mark?.line !== undefined ? ` at line ${mark.line + 1}, column ${(mark.column ?? 0) + 1}` : '';
    throw new UsageError(
      `Input '${inputName}' is not valid YAML${where}; expected a kubeconfig (raw YAML or base64).`,
    );
  }
  if (!isObject(document)) {
    maskLines(text);
    throw new UsageError(
      `Input '${inputName}' is not a kubeconfig; expected a YAML mapping with clusters, users and contexts (raw or base64).`,
    );
  }
  maskCredentials(document);

  const config = new KubeConfig();
  try {
    config.loadFromString(text);
  } catch (error) {
    // client-node's own messages name the entry ("clusters[0].cluster.server is missing"), never its value.
    throw new UsageError(
      `Input '${inputName}' is not a usable kubeconfig: ${getErrorMessage(error)}.`,
    );
  }
  const contexts = config.getContexts().map((context) => context.name);
  if (contexts.length === 0) {
    throw new UsageError(
      `Input '${inputName}' has no contexts; expected at least one entry under 'contexts'.`,
    );
  }
  const wanted = contextInput || config.getCurrentContext();
  if (!wanted) {
    throw new UsageError(
      `Input '${contextInputName}' is required: the kubeconfig sets no current-context; pass one of: ${contexts.join(', ')}.`,
    );
  }
  if (!contexts.includes(wanted)) {
    const source = contextInput
      ? `Input '${contextInputName}' is ${showValue(wanted)}`
      : `The kubeconfig's current-context ${showValue(wanted)}`;
    throw new UsageError(
      `${source} but the kubeconfig has no such context; allowed: ${contexts.join(', ')}.`,
    );
  }
  config.setCurrentContext(wanted);
  if (!config.getCurrentCluster()) {
    throw new UsageError(
      `Input '${inputName}' has context ${showValue(wanted)} naming a cluster it does not define.`,
    );
  }
  return config;
}

/** Base64 is how most people store a kubeconfig in a secret; YAML always has a ':' somewhere. */
function decodeKubeconfig(raw: string): string {
  const compact = raw.replace(/\s+/g, '');
  if (!raw.includes(':') && /^[A-Za-z0-9+/]+={0,2}$/.test(compact)) {
    const decoded = Buffer.from(compact, 'base64').toString('utf8');
    core.setSecret(decoded);
    return decoded;
  }
  return raw;
}

/** The runner masks line by line, so a multi-line secret is masked one line at a time. */
function maskLines(text: string): void {
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (trimmed.length >= 8) core.setSecret(trimmed);
  }
}

function maskCredentials(document: Record<string, unknown>): void {
  const users = Array.isArray(document.users) ? document.users : [];
  const visit = (value: unknown, key: string | undefined): void => {
    if (typeof value === 'string') {
      if (key !== undefined && CREDENTIAL_KEYS.has(key) && value.length > 0) {
        core.setSecret(value);
        if (key.endsWith('-data')) maskLines(Buffer.from(value, 'base64').toString('utf8'));
      }
    } else if (Array.isArray(value)) {
      for (const item of value) visit(item, key);
    } else if (isObject(value)) {
      for (const [childKey, child] of Object.entries(value)) visit(child, childKey);
    }
  };
  visit(users, undefined);
}
