// The kubeconfig input as text: decoded, parsed, every credential masked, and held to
// the credential policy, all before @kubernetes/client-node sees it (it reads token
// files while loading, and runs exec plugins and reads key files at the first request).
// No Kubernetes client here: the all-in-one action checks the kubeconfig before intake
// without paying for the client.
import * as core from '@actions/core';
import { load } from 'js-yaml';
import { UsageError } from '../shared/errors.js';
import { isObject } from '../shared/json.js';
import { showValue } from '../shared/errors.js';

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
 * Exec args shorter than this are flags like `-c` or `-o`: no secret is that short, and
 * masking them would star out those letters all over the log.
 */
const MIN_MASKED_ARG = 3;

interface GuardedField {
  /** Top-level list of the kubeconfig, and the key of each entry that holds the settings. */
  list: 'users' | 'clusters';
  within: 'user' | 'cluster';
  key: string;
  /** What the field is, and what honouring it does on the runner. */
  what: string;
  /** What to use instead, without trusting the kubeconfig. */
  instead: string;
}

/**
 * Fields refused unless the workflow trusts the kubeconfig's author with the runner.
 * A kubeconfig is a secret, but whoever wrote it should not thereby run programs as the
 * runner's user (exec, auth-provider) or read the runner's files into requests sent to
 * a server of their choosing (file paths). The inline `*-data` forms and tokens carry
 * their value in the kubeconfig itself, so they are always allowed.
 */
const GUARDED_FIELDS: readonly GuardedField[] = [
  {
    list: 'users',
    within: 'user',
    key: 'exec',
    what: 'an exec credential plugin, which runs a program on the runner',
    instead: 'a token (e.g. a ServiceAccount token)',
  },
  {
    list: 'users',
    within: 'user',
    key: 'auth-provider',
    // gcp and azure run their cmd-path through a shell; oidc calls out; tokenFile reads a file.
    what: 'an auth-provider, which runs programs and reads files on the runner',
    instead: 'a token (e.g. a ServiceAccount token)',
  },
  {
    list: 'users',
    within: 'user',
    key: 'client-certificate',
    what: 'a client-certificate file path, which reads a file on the runner',
    instead: 'client-certificate-data',
  },
  {
    list: 'users',
    within: 'user',
    key: 'client-key',
    what: 'a client-key file path, which reads a file on the runner',
    instead: 'client-key-data',
  },
  {
    list: 'users',
    within: 'user',
    key: 'token-file',
    what: 'a token-file path, which sends a file of the runner as the bearer token',
    instead: 'token',
  },
  {
    // kubectl's spelling of token-file; a later client-node may read it too.
    list: 'users',
    within: 'user',
    key: 'tokenFile',
    what: 'a tokenFile path, which sends a file of the runner as the bearer token',
    instead: 'token',
  },
  {
    list: 'clusters',
    within: 'cluster',
    key: 'certificate-authority',
    what: 'a certificate-authority file path, which reads a file on the runner',
    instead: 'certificate-authority-data',
  },
];

export interface KubeconfigPolicy {
  /** Names of the inputs, for messages. */
  kubeconfigInput: string;
  allowInput: string;
  /** The workflow trusts the kubeconfig's exec plugins, auth-providers and file paths. */
  allowExec: boolean;
  /**
   * How a credential is hidden from logs (default: the runner's ::add-mask::). The CLI
   * passes a no-op: on a terminal the mask command would print the secret itself.
   */
  mask?: (secret: string) => void;
}

type Mask = (secret: string) => void;

/**
 * Turns the `kubeconfig` input (raw YAML or base64 of it) into its parsed document,
 * masking every credential before anything can print it and refusing, with one line,
 * the fields of GUARDED_FIELDS unless the policy allows them. No error message quotes
 * the kubeconfig's text: YAML errors name a line, not content.
 */
export function vetKubeconfig(raw: string, policy: KubeconfigPolicy): Record<string, unknown> {
  const mask: Mask = policy.mask ?? ((secret) => core.setSecret(secret));
  const text = decodeKubeconfig(raw, mask);
  let document: unknown;
  try {
    document = load(text);
  } catch (error) {
    maskLines(text, mask);
    const mark = (error as { mark?: { line?: number; column?: number } }).mark;
    const where =
      mark?.line !== undefined ? ` at line ${mark.line + 1}, column ${(mark.column ?? 0) + 1}` : '';
    throw new UsageError(
      `Input '${policy.kubeconfigInput}' is not valid YAML${where}; expected a kubeconfig (raw YAML or base64).`,
    );
  }
  if (!isObject(document)) {
    maskLines(text, mask);
    throw new UsageError(
      `Input '${policy.kubeconfigInput}' is not a kubeconfig; expected a YAML mapping with clusters, users and contexts (raw or base64).`,
    );
  }
  maskCredentials(document, mask);
  if (!policy.allowExec) refuseGuardedFields(document, policy);
  return document;
}

/** Every entry of the file, not only the selected context's: a context is one input away. */
function refuseGuardedFields(document: Record<string, unknown>, policy: KubeconfigPolicy): void {
  for (const field of GUARDED_FIELDS) {
    const list = document[field.list];
    if (!Array.isArray(list)) continue;
    list.forEach((entry: unknown, index) => {
      if (!isObject(entry)) return;
      const settings = entry[field.within];
      if (!isObject(settings)) return;
      const value = settings[field.key];
      if (value === undefined || value === null || value === '') return;
      const name =
        typeof entry.name === 'string' ? showValue(entry.name) : `${field.list}[${index}]`;
      throw new UsageError(
        `Input '${policy.kubeconfigInput}' ${field.within} ${name} has ${field.what}; allowed: ${field.instead}, or set '${policy.allowInput}: true' to trust it.`,
      );
    });
  }
}

/** Base64 is how most people store a kubeconfig in a secret; YAML always has a ':' somewhere. */
function decodeKubeconfig(raw: string, mask: Mask): string {
  const compact = raw.replace(/\s+/g, '');
  if (!raw.includes(':') && /^[A-Za-z0-9+/]+={0,2}$/.test(compact)) {
    const decoded = Buffer.from(compact, 'base64').toString('utf8');
    mask(decoded);
    return decoded;
  }
  return raw;
}

/** The runner masks line by line, so a multi-line secret is masked one line at a time. */
function maskLines(text: string, mask: Mask): void {
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (trimmed.length >= 8) mask(trimmed);
  }
}

/**
 * Credentials by key anywhere under `users`, plus what exec plugins and auth-providers
 * are given: their args, env values and config values often hold tokens, and when the
 * workflow allows them they are masked before the first request runs them.
 */
function maskCredentials(document: Record<string, unknown>, mask: Mask): void {
  const users = Array.isArray(document.users) ? document.users : [];
  // YAML aliases can make a document refer to itself.
  const seen = new WeakSet<object>();
  const visit = (value: unknown, key: string | undefined): void => {
    if (typeof value === 'string') {
      if (key !== undefined && CREDENTIAL_KEYS.has(key) && value.length > 0) {
        mask(value);
        if (key.endsWith('-data')) maskLines(Buffer.from(value, 'base64').toString('utf8'), mask);
      }
      return;
    }
    if (typeof value !== 'object' || value === null || seen.has(value)) return;
    seen.add(value);
    if (Array.isArray(value)) for (const item of value) visit(item, key);
    else for (const [childKey, child] of Object.entries(value)) visit(child, childKey);
  };
  visit(users, undefined);
  for (const entry of users) {
    const user = isObject(entry) && isObject(entry.user) ? entry.user : {};
    if (isObject(user.exec)) {
      maskStrings(user.exec.args, mask);
      // A YAML number is a string to the plugin's environment too.
      for (const variable of Array.isArray(user.exec.env) ? user.exec.env : [])
        if (isObject(variable) && typeof variable.value === 'number') mask(String(variable.value));
    }
    if (isObject(user['auth-provider'])) maskStrings(user['auth-provider'].config, mask);
  }
}

/** Every string inside `value` long enough to be a secret. */
function maskStrings(value: unknown, mask: Mask, seen = new WeakSet<object>()): void {
  if (typeof value === 'string') {
    if (value.length >= MIN_MASKED_ARG) mask(value);
    return;
  }
  if (typeof value !== 'object' || value === null || seen.has(value)) return;
  seen.add(value);
  for (const child of Object.values(value)) maskStrings(child, mask, seen);
}
