// GitHub Apps on the GitHub emulator: the app's JWT (RS256, checked against the
// registered public key and for its times, with GitHub's 401 messages), the
// installation found from a repository, installation tokens that act as the app's bot
// and stop working when they expire.
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { startGitHubEmulator, type GitHubEmulator } from '../../src/sim/github/server.js';

const APP_ID = 4242;
let gh: GitHubEmulator;
let installationId: number;

const rsaKeys = () => generateKeyPairSync('rsa', { modulusLength: 2048 });
const { privateKey, publicKey } = rsaKeys();
/** A key of nobody's app. */
const stranger = rsaKeys();

/** A JWT as an app signs it; claims and key are the test's to get wrong. */
function jwt(
  claims: Record<string, unknown> = {},
  key: KeyObject = privateKey,
  alg = 'RS256',
): string {
  const now = Math.floor(gh.clock.now() / 1000);
  const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const head = `${part({ alg, typ: 'JWT' })}.${part({ iat: now - 30, exp: now + 570, iss: APP_ID, ...claims })}`;
  return `${head}.${sign('sha256', Buffer.from(head), key).toString('base64url')}`;
}

async function call(
  method: string,
  path: string,
  token: string,
  scheme = 'Bearer',
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${gh.url}${path}`, {
    method,
    headers: { authorization: `${scheme} ${token}`, accept: 'application/vnd.github+json' },
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

const newToken = (auth = jwt()) =>
  call('POST', `/app/installations/${installationId}/access_tokens`, auth);

beforeEach(async () => {
  gh = await startGitHubEmulator({ repos: ['octo-org/gitops', 'octo-org/other'] });
  installationId = gh.registerApp({
    id: APP_ID,
    slug: 'kubemend-relay',
    publicKey,
    repos: ['octo-org/gitops'],
  });
});
afterEach(async () => gh.close());

describe('GitHub Apps on the emulator', () => {
  it('finds the installation of the app on a repository it is installed on, by its JWT', async () => {
    const found = await call('GET', '/repos/octo-org/gitops/installation', jwt());
    expect(found.status).toBe(200);
    expect(found.body).toMatchObject({
      id: installationId,
      app_id: APP_ID,
      app_slug: 'kubemend-relay',
      repository_selection: 'selected',
      account: { login: 'octo-org' },
    });
    expect((await call('GET', '/repos/octo-org/other/installation', jwt())).status).toBe(404);
  });

  it('issues an installation token that acts as the app’s bot on the repositories of the installation only', async () => {
    const issued = await newToken();
    expect(issued.status).toBe(201);
    expect(issued.body.token).toMatch(/^ghs_[A-Za-z0-9_-]{36}$/);
    expect(issued.body).toMatchObject({
      permissions: { contents: 'write', metadata: 'read' },
      repository_selection: 'selected',
    });
    const expires = Date.parse(String(issued.body.expires_at));
    expect(expires - gh.clock.now()).toBeGreaterThan(59 * 60_000);
    const token = String(issued.body.token);
    const dispatched = await fetch(`${gh.url}/repos/octo-org/gitops/dispatches`, {
      method: 'POST',
      headers: { authorization: `token ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ event_type: 'kubemend-alert', client_payload: { title: 't' } }),
    });
    expect(dispatched.status).toBe(204);
    expect(gh.repo('octo-org/gitops').dispatches[0]?.sender).toBe('kubemend-relay[bot]');
    expect(gh.webhooks.events.at(-1)?.actor).toBe('kubemend-relay[bot]');
    // GitHub hides what the installation does not cover.
    expect((await call('GET', '/repos/octo-org/other', token, 'token')).status).toBe(404);
  });

  it('refuses an installation token once it has expired', async () => {
    const token = String((await newToken()).body.token);
    expect((await call('GET', '/repos/octo-org/gitops', token, 'token')).status).toBe(200);
    gh.clock.advance(60 * 60_000);
    expect(await call('GET', '/repos/octo-org/gitops', token, 'token')).toMatchObject({
      status: 401,
      body: { message: 'Bad credentials' },
    });
  });

  it('refuses a JWT signed with another key (401)', async () => {
    const refused = await newToken(jwt({}, stranger.privateKey));
    expect(refused).toMatchObject({
      status: 401,
      body: { message: 'A JSON web token could not be decoded' },
    });
    expect(gh.apps.issued).toHaveLength(0);
  });

  it.each([
    [
      'an expired JWT',
      () => {
        const now = Math.floor(gh.clock.now() / 1000);
        return { iat: now - 900, exp: now - 300 };
      },
      "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires",
    ],
    [
      'a JWT that lives more than 10 minutes',
      () => {
        const now = Math.floor(gh.clock.now() / 1000);
        return { iat: now - 30, exp: now + 900 };
      },
      "'Expiration time' claim ('exp') is too far in the future",
    ],
    [
      'a JWT issued in the future',
      () => ({ iat: Math.floor(gh.clock.now() / 1000) + 300 }),
      "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued",
    ],
    [
      'a JWT of another issuer',
      () => ({ iss: 'kubemend' }),
      "'Issuer' claim ('iss') must be an Integer",
    ],
  ])('refuses %s with GitHub’s message', async (_name, claims, message) => {
    expect(await newToken(jwt(claims()))).toMatchObject({ status: 401, body: { message } });
  });

  it('allows a minute of clock drift in the JWT’s times', async () => {
    const now = Math.floor(gh.clock.now() / 1000);
    expect((await newToken(jwt({ iat: now + 30, exp: now + 600 }))).status).toBe(201);
  });

  it('refuses a JWT not signed RS256, and app endpoints without a JWT', async () => {
    expect((await newToken(jwt({}, privateKey, 'HS256'))).status).toBe(401);
    const token = String((await newToken()).body.token);
    expect(await call('GET', '/repos/octo-org/gitops/installation', token, 'token')).toMatchObject({
      status: 401,
      body: { message: 'A JSON web token could not be decoded' },
    });
    // The JWT opens the app's own endpoints, not the repository's.
    expect((await call('GET', '/repos/octo-org/gitops', jwt())).status).toBe(403);
  });

  it('answers 404 for another app’s installation', async () => {
    const other = gh.registerApp({ id: 7, slug: 'other-app', publicKey: stranger.publicKey });
    expect((await call('POST', `/app/installations/${other}/access_tokens`, jwt())).status).toBe(
      404,
    );
  });

  it('registers an app through the control API of a standalone emulator', async () => {
    const keys = stranger;
    const res = await fetch(`${gh.url}/_emulator/apps`, {
      method: 'POST',
      body: JSON.stringify({
        id: 99,
        slug: 'standalone',
        public_key: keys.publicKey.export({ type: 'spki', format: 'pem' }),
        token_ttl_seconds: 60,
      }),
    });
    expect(res.status).toBe(201);
    const { installation_id } = (await res.json()) as { installation_id: number };
    const now = Math.floor(gh.clock.now() / 1000);
    const issued = await call(
      'POST',
      `/app/installations/${installation_id}/access_tokens`,
      jwt({ iss: 99, iat: now - 30, exp: now + 500 }, keys.privateKey),
    );
    expect(issued.status).toBe(201);
    expect(Date.parse(String(issued.body.expires_at)) - gh.clock.now()).toBeLessThanOrEqual(60_000);
  });
});
