// `kubemend relay` as a GitHub App: GITHUB_APP_ID and the app's private key, the
// installation found on the repository or given, installation tokens fetched and
// refreshed as they expire, against the GitHub emulator's App endpoints. Settings that
// cannot work are refused in one line, and the key's text never appears.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { relayCommand } from '../../src/cli/relay.js';
import { createGitHubClient } from '../../src/github/client.js';
import { startGitHubEmulator, type GitHubEmulator } from '../../src/sim/github/server.js';
import { dispatches, REPOSITORY, RELAY_TOKEN } from './support.js';

const APP_ID = 31337;
const BOT = 'kubemend-relay[bot]';

const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
/** As GitHub issues an app's key: PKCS#1. */
const PKCS1 = keys.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
const PKCS8 = keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
/** Lines of the key's body, to prove it is never echoed. */
const KEY_LINE = PKCS1.split('\n')[3]!;
const FIRST_KEY_LINE = PKCS1.split('\n')[1]!;

/** Polls until `done` holds, for at most `limitMs` (generous: the machine may be loaded). */
async function until(done: () => boolean, what: string, limitMs = 20_000): Promise<void> {
  const giveUp = Date.now() + limitMs;
  while (!done()) {
    if (Date.now() > giveUp) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

interface Running {
  url: string;
  err: string[];
  /** Sends an alert (a generic one, titled); expects 202. */
  alert: (title: string) => Promise<void>;
  /** Stops the relay (it drains) and resolves to its exit code. */
  stop: () => Promise<number>;
}

const stoppers: (() => void)[] = [];
afterEach(() => stoppers.splice(0).forEach((stop) => stop()));

async function startRelay(gh: GitHubEmulator, env: NodeJS.ProcessEnv): Promise<Running> {
  const err: string[] = [];
  let stop = (): void => {};
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  let url = '';
  let listening = (): void => {};
  const ready = new Promise<void>((resolve) => (listening = resolve));
  const exited = relayCommand(
    ['--listen', '127.0.0.1:0', '--repository', REPOSITORY, '--cluster', 'lab'],
    { stdout: () => {}, stderr: (t) => err.push(t) },
    {
      env: {
        KUBEMEND_RELAY_TOKEN: RELAY_TOKEN,
        GITHUB_API_URL: gh.url,
        KUBEMEND_WRITE_INTERVAL_MS: '0',
        KUBEMEND_BACKOFF_MS: '1',
        ...env,
      },
      stopped,
      onListening: (u) => {
        url = u;
        listening();
      },
    },
  );
  await Promise.race([ready, exited]);
  // A test that fails midway still stops its relay.
  stoppers.push(stop);
  return {
    url,
    err,
    alert: async (title) => {
      const res = await fetch(`${url}/v1/alerts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${RELAY_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ title, message: 'disk full' }),
      });
      expect(res.status).toBe(202);
    },
    stop: () => {
      stop();
      return exited;
    },
  };
}

describe('kubemend relay as a GitHub App', () => {
  let gh: GitHubEmulator;
  beforeEach(async () => {
    gh = await startGitHubEmulator({
      repos: [REPOSITORY, 'octo-org/elsewhere'],
      budget: 1_000_000,
    });
  });
  afterEach(async () => gh.close());

  const register = (tokenTtlSeconds?: number, publicKey: KeyObject = keys.publicKey): number =>
    gh.registerApp({
      id: APP_ID,
      slug: 'kubemend-relay',
      publicKey,
      repos: [REPOSITORY],
      ...(tokenTtlSeconds ? { tokenTtlSeconds } : {}),
    });

  it('delivers a dispatch as the app’s bot, finding the installation on the repository', async () => {
    register();
    const relay = await startRelay(gh, {
      GITHUB_APP_ID: String(APP_ID),
      GITHUB_APP_PRIVATE_KEY: PKCS1,
    });
    await relay.alert('Disk full on node-1');
    expect(await relay.stop()).toBe(0);
    expect(
      dispatches(gh).map((d) => [d.clientPayload.title, gh.repo(REPOSITORY).dispatches[0]?.sender]),
    ).toEqual([['Disk full on node-1', BOT]]);
    expect(gh.requests('apps/get-repo-installation').map((r) => r.status)).toEqual([200]);
    expect(gh.requests('apps/create-installation-access-token').map((r) => r.status)).toEqual([
      201,
    ]);
    expect(relay.err.join('')).not.toContain(KEY_LINE);
  });

  it('takes GITHUB_APP_INSTALLATION_ID and a PKCS#8 key from GITHUB_APP_PRIVATE_KEY_FILE', async () => {
    const installation = register();
    const file = join(mkdtempSync(join(tmpdir(), 'relay-app-')), 'private-key.pem');
    writeFileSync(file, PKCS8);
    const relay = await startRelay(gh, {
      GITHUB_APP_ID: String(APP_ID),
      GITHUB_APP_PRIVATE_KEY_FILE: file,
      GITHUB_APP_INSTALLATION_ID: String(installation),
    });
    await relay.alert('Backup failed');
    expect(await relay.stop()).toBe(0);
    expect(gh.repo(REPOSITORY).dispatches.map((d) => d.sender)).toEqual([BOT]);
    expect(gh.requests('apps/get-repo-installation')).toHaveLength(0);
  });

  it('fetches a fresh installation token when the one it holds expires, and the dispatch after expiry goes through', async () => {
    // Tokens of two seconds instead of GitHub's hour, so expiry comes within the test.
    register(2);
    const relay = await startRelay(gh, {
      GITHUB_APP_ID: String(APP_ID),
      GITHUB_APP_PRIVATE_KEY: PKCS1,
    });
    await relay.alert('First problem');
    await until(() => dispatches(gh).length === 1, 'the first dispatch');
    const first = gh.apps.issued[0]!;
    await until(() => gh.clock.now() > first.expiresAt, 'the first token to expire');
    await relay.alert('Second problem');
    await until(() => dispatches(gh).length === 2, 'the second dispatch');
    expect(await relay.stop()).toBe(0);
    const sent = gh.requests((r) => r.path === `/repos/${REPOSITORY}/dispatches`);
    // Refreshed before use, not after a refusal: no 401 on the way.
    expect(sent.map((r) => r.status)).toEqual([204, 204]);
    expect(sent[1]!.at).toBeGreaterThan(first.expiresAt);
    expect(gh.apps.issued.length).toBeGreaterThanOrEqual(2);
    expect(gh.repo(REPOSITORY).dispatches.map((d) => d.sender)).toEqual([BOT, BOT]);
  });

  it('recovers when GitHub’s clock jumps past the token’s expiry: the 401 brings a fresh token and the dispatch still goes out', async () => {
    register();
    const relay = await startRelay(gh, {
      GITHUB_APP_ID: String(APP_ID),
      GITHUB_APP_PRIVATE_KEY: PKCS1,
    });
    await relay.alert('First problem');
    await until(() => dispatches(gh).length === 1, 'the first dispatch');
    // Two hours on GitHub's side only: the relay's token, and its clock, are behind.
    gh.clock.advance(2 * 3_600_000);
    await relay.alert('Second problem');
    await until(() => dispatches(gh).length === 2, 'the second dispatch');
    expect(await relay.stop()).toBe(0);
    // Credentials are checked before routing: the 401 is found by its path.
    expect(
      gh.requests((r) => r.path === `/repos/${REPOSITORY}/dispatches`).map((r) => r.status),
    ).toEqual([204, 401, 204]);
    expect(gh.apps.issued.length).toBeGreaterThanOrEqual(2);
    expect(relay.err.join('')).not.toContain('GitHub refused a dispatch');
  });

  const APP = { GITHUB_APP_ID: String(APP_ID), GITHUB_APP_PRIVATE_KEY: PKCS1 };
  it.each([
    [
      'a token and an app',
      { GITHUB_TOKEN: 'ghs_x', ...APP },
      /^kubemend relay: GITHUB_TOKEN and GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY are both set; allowed: GITHUB_TOKEN or a GitHub App/,
    ],
    [
      'neither',
      {},
      /^kubemend relay: GITHUB_TOKEN is empty; set a token .* or a GitHub App: GITHUB_APP_ID with GITHUB_APP_PRIVATE_KEY or GITHUB_APP_PRIVATE_KEY_FILE\.$/,
    ],
    [
      'a key without an app id',
      { GITHUB_APP_PRIVATE_KEY: PKCS1 },
      /^kubemend relay: GITHUB_APP_PRIVATE_KEY set but GITHUB_APP_ID is empty/,
    ],
    [
      'an app id without a key',
      { GITHUB_APP_ID: '1' },
      /^kubemend relay: GITHUB_APP_ID is set but GITHUB_APP_PRIVATE_KEY and GITHUB_APP_PRIVATE_KEY_FILE are empty/,
    ],
    [
      'an app id that is no number',
      { ...APP, GITHUB_APP_ID: 'kubemend' },
      /^kubemend relay: GITHUB_APP_ID is "kubemend"; allowed: the app's numeric id\.$/,
    ],
    [
      'an installation id that is no number',
      { ...APP, GITHUB_APP_INSTALLATION_ID: 'x1' },
      /^kubemend relay: GITHUB_APP_INSTALLATION_ID is "x1"; allowed: a numeric installation id/,
    ],
    [
      'both a key and a key file',
      { ...APP, GITHUB_APP_PRIVATE_KEY_FILE: '/run/secrets/key.pem' },
      /^kubemend relay: GITHUB_APP_PRIVATE_KEY and GITHUB_APP_PRIVATE_KEY_FILE are both set; allowed: one of them\.$/,
    ],
    [
      'a malformed key',
      { ...APP, GITHUB_APP_PRIVATE_KEY: PKCS1.replace(KEY_LINE, KEY_LINE.slice(0, 20)) },
      /^kubemend relay: GITHUB_APP_PRIVATE_KEY is not an RSA private key in PEM/,
    ],
    [
      'a key that is not RSA',
      {
        ...APP,
        GITHUB_APP_PRIVATE_KEY: generateKeyPairSync('ec', { namedCurve: 'P-256' })
          .privateKey.export({ type: 'pkcs8', format: 'pem' })
          .toString(),
      },
      /^kubemend relay: GITHUB_APP_PRIVATE_KEY is not an RSA private key in PEM/,
    ],
    [
      'a public key',
      {
        ...APP,
        GITHUB_APP_PRIVATE_KEY: keys.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      },
      /^kubemend relay: GITHUB_APP_PRIVATE_KEY is not an RSA private key in PEM/,
    ],
    [
      'a key file that is missing',
      { GITHUB_APP_ID: '1', GITHUB_APP_PRIVATE_KEY_FILE: '/nonexistent/key.pem' },
      /^kubemend relay: GITHUB_APP_PRIVATE_KEY_FILE \/nonexistent\/key\.pem cannot be read \(ENOENT\)\.$/,
    ],
  ])(
    'refuses %s in one line that names the variables, never showing the key',
    async (_name, env, message) => {
      const error = await relayCommand(
        ['--listen', '127.0.0.1:0', '--repository', REPOSITORY],
        { stdout: () => {}, stderr: () => {} },
        { env: { KUBEMEND_RELAY_TOKEN: RELAY_TOKEN, ...env }, stopped: Promise.resolve() },
      ).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(error?.message).toMatch(message);
      expect(error!.message.split('\n')).toHaveLength(1);
      expect(error!.message).not.toContain(KEY_LINE);
      expect(error!.message).not.toContain(FIRST_KEY_LINE);
    },
  );
});

describe('the GitHub client as a GitHub App', () => {
  let gh: GitHubEmulator;
  beforeEach(async () => {
    gh = await startGitHubEmulator({ repos: [REPOSITORY, 'octo-org/elsewhere'] });
  });
  afterEach(async () => gh.close());

  const client = (repository = REPOSITORY) =>
    createGitHubClient({
      app: { appId: APP_ID, privateKey: PKCS1, repository },
      baseUrl: gh.url,
      retries: 0,
      writeIntervalMs: 0,
      notificationIntervalMs: 0,
      retryUnitMs: 1,
      warn: () => {},
    });
  const dispatch = (octokit: ReturnType<typeof client>['octokit'], repository = REPOSITORY) => {
    const [owner = '', repo = ''] = repository.split('/');
    return octokit.rest.repos.createDispatchEvent({ owner, repo, event_type: 'kubemend-alert' });
  };

  it('counts the requests that find the installation and fetch its token with the others', async () => {
    gh.registerApp({ id: APP_ID, slug: 'kubemend-relay', publicKey: keys.publicKey });
    const { octokit, stats } = client();
    await dispatch(octokit);
    await dispatch(octokit);
    expect(Object.fromEntries(stats.byRoute)).toEqual({
      'GET /repos/{owner}/{repo}/installation': 1,
      'POST /app/installations/{installation_id}/access_tokens': 1,
      'POST /repos/{owner}/{repo}/dispatches': 2,
    });
    expect(stats.total).toBe(gh.log.length);
  });

  it('fails without an HTTP status, so the relay keeps the dispatch, when the app is not installed on the repository', async () => {
    gh.registerApp({
      id: APP_ID,
      slug: 'kubemend-relay',
      publicKey: keys.publicKey,
      repos: ['octo-org/elsewhere'],
    });
    const error = (await dispatch(client().octokit).catch((e: unknown) => e)) as Error & {
      status?: number;
    };
    expect(error.message).toBe(
      `GitHub App ${APP_ID} is not installed on ${REPOSITORY}; install it there or set GITHUB_APP_INSTALLATION_ID.`,
    );
    expect(error.status).toBeUndefined();
  });

  it('meets a 401 with one fresh token, and a 401 on that too with an error without a status, so the relay keeps the dispatch', async () => {
    gh.registerApp({ id: APP_ID, slug: 'kubemend-relay', publicKey: keys.publicKey });
    const { octokit } = client();
    await dispatch(octokit);
    gh.inject('repos/create-dispatch-event', { status: 401, message: 'Bad credentials' }, 1);
    await dispatch(octokit);
    expect(gh.apps.issued).toHaveLength(2);
    gh.inject('repos/create-dispatch-event', { status: 401, message: 'Bad credentials' }, 2);
    const error = (await dispatch(octokit).catch((e: unknown) => e)) as Error & {
      status?: number;
    };
    expect(error.message).toMatch(
      new RegExp(`^GitHub refused a fresh installation token of GitHub App ${APP_ID} \\(401: `),
    );
    expect(error.status).toBeUndefined();
    expect(gh.apps.issued).toHaveLength(3);
    expect(gh.repo(REPOSITORY).dispatches).toHaveLength(2);
  });

  it('fails without an HTTP status when GitHub refuses the app’s key', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const installation = gh.registerApp({
      id: APP_ID,
      slug: 'kubemend-relay',
      publicKey: other.publicKey,
    });
    const { octokit } = createGitHubClient({
      app: { appId: APP_ID, privateKey: PKCS1, installationId: installation },
      baseUrl: gh.url,
      retries: 0,
      warn: () => {},
    });
    const error = (await dispatch(octokit).catch((e: unknown) => e)) as Error & { status?: number };
    expect(error.message).toMatch(
      new RegExp(
        `^GitHub App ${APP_ID} could not get a token for installation ${installation} \\(401: A JSON web token could not be decoded`,
      ),
    );
    expect(error.status).toBeUndefined();
    expect(gh.repo(REPOSITORY).dispatches).toHaveLength(0);
  });
});
