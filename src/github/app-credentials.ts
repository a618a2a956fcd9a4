// GitHub credentials from the environment: a token, or a GitHub App's id and private
// key. Checked before anything starts, each problem in one line that names the
// variable; a key's text never reaches an error or a log.
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { UsageError } from '../shared/errors.js';

export interface GitHubAppCredentials {
  appId: number;
  /** The app's private key, PEM (PKCS#1 as GitHub issues it, or PKCS#8). */
  privateKey: string;
  /** Else found with GET /repos/{owner}/{repo}/installation for `repository`. */
  installationId?: number;
  /** `owner/name` whose installation to use when `installationId` is not given. */
  repository?: string;
}

/**
 * GitHub credentials from the environment: GITHUB_TOKEN, or a GitHub App (GITHUB_APP_ID
 * with GITHUB_APP_PRIVATE_KEY or GITHUB_APP_PRIVATE_KEY_FILE, and optionally
 * GITHUB_APP_INSTALLATION_ID), exactly one of the two. `command` prefixes the errors.
 */
export function githubAuthFromEnv(
  env: NodeJS.ProcessEnv,
  command: string,
  repository: string,
): { token: string } | { app: GitHubAppCredentials } {
  const token = env.GITHUB_TOKEN || undefined;
  const appId = env.GITHUB_APP_ID || undefined;
  const keyText = env.GITHUB_APP_PRIVATE_KEY || undefined;
  const keyFile = env.GITHUB_APP_PRIVATE_KEY_FILE || undefined;
  const installation = env.GITHUB_APP_INSTALLATION_ID || undefined;
  const appSet = [
    ['GITHUB_APP_ID', appId],
    ['GITHUB_APP_PRIVATE_KEY', keyText],
    ['GITHUB_APP_PRIVATE_KEY_FILE', keyFile],
    ['GITHUB_APP_INSTALLATION_ID', installation],
  ]
    .filter(([, value]) => value !== undefined)
    .map(([name]) => name);
  const APP = 'GITHUB_APP_ID with GITHUB_APP_PRIVATE_KEY or GITHUB_APP_PRIVATE_KEY_FILE';
  if (token && appSet.length > 0)
    throw new UsageError(
      `${command}: GITHUB_TOKEN and ${appSet.join(', ')} are both set; allowed: GITHUB_TOKEN or a GitHub App (${APP}), not both.`,
    );
  if (token) return { token };
  if (appSet.length === 0)
    throw new UsageError(
      `${command}: GITHUB_TOKEN is empty; set a token that may create repository_dispatch events (contents: write), or a GitHub App: ${APP}.`,
    );
  if (!appId)
    throw new UsageError(
      `${command}: ${appSet.join(', ')} set but GITHUB_APP_ID is empty; a GitHub App needs ${APP}.`,
    );
  if (!/^\d{1,12}$/.test(appId))
    throw new UsageError(
      `${command}: GITHUB_APP_ID is ${JSON.stringify(appId.slice(0, 20))}; allowed: the app's numeric id.`,
    );
  if (installation !== undefined && !/^\d{1,15}$/.test(installation))
    throw new UsageError(
      `${command}: GITHUB_APP_INSTALLATION_ID is ${JSON.stringify(installation.slice(0, 20))}; allowed: a numeric installation id, or unset to find it from the repository.`,
    );
  if (keyText && keyFile)
    throw new UsageError(
      `${command}: GITHUB_APP_PRIVATE_KEY and GITHUB_APP_PRIVATE_KEY_FILE are both set; allowed: one of them.`,
    );
  if (!keyText && !keyFile)
    throw new UsageError(
      `${command}: GITHUB_APP_ID is set but GITHUB_APP_PRIVATE_KEY and GITHUB_APP_PRIVATE_KEY_FILE are empty; set one of them.`,
    );
  let pem = keyText ?? '';
  let source = 'GITHUB_APP_PRIVATE_KEY';
  if (keyFile) {
    source = `GITHUB_APP_PRIVATE_KEY_FILE ${keyFile.slice(0, 200)}`;
    try {
      pem = readFileSync(keyFile, 'utf8');
    } catch (error) {
      throw new UsageError(
        `${command}: ${source} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}).`,
      );
    }
  }
  // Keys in environment variables often come with their line breaks escaped.
  pem = pem.replace(/\\n/g, '\n').trim();
  if (!isRsaPrivateKey(pem))
    throw new UsageError(
      `${command}: ${source} is not an RSA private key in PEM (-----BEGIN RSA PRIVATE KEY----- as GitHub issues it, or -----BEGIN PRIVATE KEY-----).`,
    );
  return {
    app: {
      appId: Number(appId),
      privateKey: pem,
      repository,
      ...(installation ? { installationId: Number(installation) } : {}),
    },
  };
}

/** Parsed, never echoed: a key's text must not reach a log or an error. */
function isRsaPrivateKey(pem: string): boolean {
  if (!/^-----BEGIN (?:RSA )?PRIVATE KEY-----/.test(pem)) return false;
  try {
    return createPrivateKey(pem).asymmetricKeyType === 'rsa';
  } catch {
    return false;
  }
}
