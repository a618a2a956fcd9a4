// The GitHub emulator ships in the CLI bundle with a generated subset of GitHub's REST
// description instead of the 13 MB @octokit/openapi: the subset must stay what
// `npm run sim:openapi` writes from the installed description, route every request as
// the full description would, and keep validation switchable so a rehearsal can leave
// Ajv unloaded.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { SUBSET_PATH, subsetFile } from '../../scripts/sim-openapi.js';
import { createGitHubClient } from '../../src/github/client.js';
import { HANDLERS, SERVER_OPERATIONS } from '../../src/sim/github/handlers/index.js';
import { allOperations } from '../../src/sim/github/openapi.js';
import { startGitHubEmulator, type GitHubEmulator } from '../../src/sim/github/server.js';

const root = join(import.meta.dirname, '..', '..');
const committed = readFileSync(join(root, SUBSET_PATH), 'utf8');

let gh: GitHubEmulator | undefined;
afterEach(async () => {
  await gh?.close();
  gh = undefined;
});

const octokit = (emulator: GitHubEmulator) =>
  createGitHubClient({
    token: 'ghs_emulator',
    baseUrl: emulator.url,
    retryUnitMs: 5,
    writeIntervalMs: 0,
    notificationIntervalMs: 0,
    warn: () => undefined,
  }).octokit;

async function statusOf(promise: Promise<{ status: number }>): Promise<number> {
  try {
    return (await promise).status;
  } catch (error) {
    return (error as { status: number }).status;
  }
}

describe('the committed REST description subset', () => {
  it('is what `npm run sim:openapi` writes from the installed @octokit/openapi', () => {
    // If this fails, run `npm run sim:openapi` and commit the result.
    expect(subsetFile() === committed).toBe(true);
  });

  it('holds every route of the full description, with the same operationIds', () => {
    const require = createRequire(import.meta.url);
    const full = JSON.parse(
      readFileSync(require.resolve('@octokit/openapi/generated/api.github.com.json'), 'utf8'),
    ) as { paths: Record<string, Record<string, { operationId?: string }>> };
    const routes = Object.entries(full.paths).flatMap(([template, item]) =>
      ['get', 'put', 'post', 'patch', 'delete']
        .filter((method) => item[method])
        .map((method) => `${method.toUpperCase()} ${template} ${item[method]!.operationId}`),
    );
    expect(allOperations().map((op) => `${op.method} ${op.template} ${op.operationId}`)).toEqual(
      routes,
    );
  });

  it('describes in full every operation the emulator answers, and no other', () => {
    const full = allOperations()
      .filter((op) => !op.routeOnly)
      .map((op) => op.operationId);
    expect(full.sort()).toEqual([...Object.keys(HANDLERS), ...SERVER_OPERATIONS].sort());
    const createIssue = allOperations().find((op) => op.operationId === 'issues/create')!;
    expect(createIssue.requestBody?.schema).toBeDefined();
    expect(createIssue.responses['201']).toBeDefined();
  });

  it('stays small enough to bundle: under 512 KiB', () => {
    expect(Buffer.byteLength(committed)).toBeLessThan(512 * 1024);
  });
});

describe('routing and validation with the subset', () => {
  it('answers an operation GitHub has and the emulator lacks as unsupported, not as an unknown path', async () => {
    gh = await startGitHubEmulator();
    const client = octokit(gh);
    expect(
      await statusOf(
        client.request('GET /repos/{owner}/{repo}/actions/runs', {
          owner: 'octo-org',
          repo: 'gitops',
        }),
      ),
    ).toBe(501);
    expect(await statusOf(client.request('GET /repos/octo-org/gitops/no-such-thing'))).toBe(404);
    // The client's retry plugin retries the 501, so each is recorded more than once.
    const recorded = gh.takeFidelityFailures().map((f) => `${f.kind} ${f.operationId ?? '-'}`);
    expect([...new Set(recorded)]).toEqual([
      'unsupported actions/list-workflow-runs-for-repo',
      'unknown-route -',
    ]);
  });

  it('with validate off, serves a request the description refuses and records nothing', async () => {
    const request = (emulator: GitHubEmulator) =>
      statusOf(
        octokit(emulator).request('GET /repos/{owner}/{repo}/issues', {
          owner: 'octo-org',
          repo: 'gitops',
          label: 'x',
        }),
      );
    gh = await startGitHubEmulator({ validate: false });
    expect(await request(gh)).toBe(200);
    expect(gh.takeFidelityFailures()).toEqual([]);
    await gh.close();

    gh = await startGitHubEmulator();
    expect(await request(gh)).toBe(422);
    expect(gh.takeFidelityFailures().map((f) => f.detail)).toEqual([
      "unknown query parameter 'label'",
    ]);
  });
});
