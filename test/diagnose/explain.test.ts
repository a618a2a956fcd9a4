// The optional plain-words explanation (diagnose.explain: github-models, issue 26): the
// doctor asks a chat-completions endpoint (here the local one in src/sim/models) about the
// ranked causes and their redacted evidence, never the raw cluster, and appends the answer
// below the diagnosis, escaped and marked as generated. Off by default; a slow or failing
// endpoint leaves the comment as it would be without it; the ranking and the fix never move.
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { Octokit } from '@octokit/rest';
import { dump } from 'js-yaml';
import { parseConfig } from '../../src/config/config.js';
import { createGitHubClient } from '../../src/github/client.js';
import { diagnose } from '../../src/diagnosis/stage.js';
import { repoRoot } from '../../src/rehearse/action.js';
import { startGitHubEmulator, type GitHubEmulator } from '../../src/sim/github/server.js';
import { resourceForKind } from '../../src/sim/kube/resources.js';
import { loadScenario, readScenarioNameOrFile } from '../../src/sim/kube/scenario.js';
import { KubeEmulator } from '../../src/sim/kube/server.js';
import {
  chatRequestProblem,
  startModelsEndpoint,
  type ModelsEndpoint,
} from '../../src/sim/models/server.js';

const REPOSITORY = 'octo-org/gitops';
const MODELS_TOKEN = 'ghs_models_token';
/** A password the application prints: in the crash message and in a log line. */
const PLANTED = 'hunter2-planted-9f3k';

let gh: GitHubEmulator | undefined;
let kube: KubeEmulator | undefined;
let models: ModelsEndpoint;
beforeEach(async () => {
  models = await startModelsEndpoint({ token: MODELS_TOKEN });
});
afterEach(async () => {
  await kube?.close();
  await gh?.close();
  await models.close();
});

interface Run {
  body: string;
  causes: unknown;
  warnings: string[];
}

/**
 * The checkout rollout on fresh emulators, and an issue about it; `run` diagnoses that
 * issue with the given `diagnose` settings (the same cluster each time, so the same pods).
 */
async function setup(): Promise<(diagnoseSection?: Record<string, unknown>) => Promise<Run>> {
  gh = await startGitHubEmulator({ repos: [REPOSITORY], budget: 1_000_000 });
  gh.repo(REPOSITORY).collaborators.set('alice', 'write');
  kube = await new KubeEmulator().listen();
  const scenario = readScenarioNameOrFile(
    join(repoRoot, 'examples/rehearsals/scenarios/checkout-rollout.yaml'),
  );
  const image = scenario.facts!.images!['ghcr.io/acme/checkout:2.5.0']!;
  image.crash!.message = `panic: config: PAYMENT_GATEWAY_URL is required since 2.5.0 (DB_PASSWORD=${PLANTED})`;
  image.logs = [`connecting to postgres://checkout:${PLANTED}@db.shop:5432/orders`];
  loadScenario(kube, scenario);
  const uid = kube.store.get(resourceForKind('v1', 'Namespace')!, undefined, 'kube-system')!
    .metadata.uid;
  const octokit = new Octokit({ auth: 'ghp_alice', baseUrl: gh.url });
  const { data: issue } = await octokit.rest.issues.create({
    owner: 'octo-org',
    repo: 'gitops',
    title: 'checkout Degraded',
    body: 'Argo CD application checkout is Degraded since the 2.5.0 rollout (namespace: shop, cluster: lab).',
  });
  const kubeconfig = new KubeConfig();
  kubeconfig.loadFromString(kube.kubeconfig());
  const github = {
    ...createGitHubClient({ token: 'ghs_doctor', baseUrl: gh.url, warn: () => {} }),
    owner: 'octo-org',
    repo: 'gitops',
    number: issue.number,
  };
  return async (diagnoseSection = {}) => {
    const config = parseConfig(
      dump({
        clusters: { lab: { server: kube!.url, 'kube-system-uid': uid } },
        // No manifest in the repository: the proposal line is the same on every run.
        gitops: { paths: ['apps'] },
        diagnose: { namespaces: ['shop'], ...diagnoseSection },
      }),
      '.github/kubemend.yml',
    );
    const warnings: string[] = [];
    const outcome = await diagnose({
      github,
      config,
      kubeconfig,
      trigger: { kind: 'dispatch', actor: { login: 'alice', isBot: false } },
      runUrl: undefined,
      log: () => {},
      models: { token: MODELS_TOKEN, baseUrl: models.url },
      warn: (line) => warnings.push(line),
    });
    if (!outcome.diagnosed) throw new Error('not diagnosed');
    return { body: outcome.body, causes: outcome.causes, warnings };
  };
}

/** One diagnosis on fresh emulators. */
const run = async (diagnoseSection: Record<string, unknown> = {}): Promise<Run> =>
  (await setup())(diagnoseSection);

/** The comment without its explanation section. */
const withoutExplanation = (body: string) =>
  body.replace(/#### In plain words\n[\s\S]*?<\/sub>\n\n/, '');

it('is off by default: no request reaches the models endpoint and the comment has no explanation', async () => {
  const { body } = await run();
  expect(models.received).toEqual([]);
  expect(body).not.toContain('In plain words');
});

it('sends a valid chat completion request: the model, a system and a user message, a small max_tokens, the bearer token', async () => {
  const { body, warnings } = await run({ explain: 'github-models' });
  expect(models.calls).toEqual(['accepted']);
  const [request] = models.accepted;
  expect(request).toMatchObject({ model: 'openai/gpt-4.1-mini' });
  expect(request?.messages.map((m) => m.role)).toEqual(['system', 'user']);
  expect(request?.max_tokens).toBeLessThanOrEqual(300);
  expect(request?.messages[1]?.content).toContain(
    '1. The crash began with the latest rollout (confidence 0.97)',
  );
  expect(warnings).toEqual([]);
  expect(body).toContain(
    '#### In plain words\n\nThe pods crash because a setting is missing.\n\n<sub>Generated by openai/gpt-4.1-mini from the evidence above; it does not change the ranking or the fix.</sub>',
  );
});

it('sends the configured model', async () => {
  await run({ explain: 'github-models', 'explain-model': 'openai/gpt-4.1-nano' });
  expect(models.accepted[0]?.model).toBe('openai/gpt-4.1-nano');
});

it('never sends a secret the cluster printed: the evidence line arrives redacted', async () => {
  await run({ explain: 'github-models' });
  const [raw] = models.received;
  expect(raw?.body).toContain('PAYMENT_GATEWAY_URL is required since 2.5.0');
  expect(raw?.body).toContain('DB_PASSWORD=[redacted]');
  expect(raw?.body).not.toContain(PLANTED);
});

it('leaves the ranking and the fix as they are without it', async () => {
  const run = await setup();
  const off = await run();
  const on = await run({ explain: 'github-models' });
  expect(on.causes).toEqual(off.causes);
  expect(on.body).not.toEqual(off.body);
  expect(withoutExplanation(on.body)).toEqual(off.body);
});

it.each([
  ['an answer slower than explain-timeout', 'hang' as const, /no answer in 1s/],
  ['a 500', { status: 500 }, /HTTP 500/],
  ['a refusal of the token', 'token' as const, /HTTP 401/],
])('posts the comment exactly as without it after %s, with one warning', async (_, fault, why) => {
  const run = await setup();
  const off = await run();
  if (fault === 'token') models.token = 'ghs_another';
  else models.fail(fault);
  const failed = await run({ explain: 'github-models', 'explain-timeout': '1s' });
  expect(failed.body).toEqual(off.body);
  expect(failed.warnings).toHaveLength(1);
  expect(failed.warnings[0]).toMatch(why);
});

it('escapes a hostile answer: no mention, HTML, link, heading or marker survives', async () => {
  models.answer = [
    '@everyone the cluster is fine, see [click](javascript:alert(1)) and https://evil.example/x',
    '### kubemend status',
    '<img src=x onerror=alert(1)> <!-- kubemend:diagnosis --> #12',
  ].join('\n\n');
  const { body } = await run({ explain: 'github-models' });
  const section = body.slice(body.indexOf('#### In plain words'));
  expect(section).toContain('@\u200beveryone');
  expect(section).not.toMatch(/@everyone|<img|<!--|\]\(javascript|^#{1,6} kubemend/m);
  expect(section).toContain('\\### kubemend status');
  expect(section).toContain('`https://evil.example/x`');
  expect(section).toContain('&lt;img src=x onerror=alert\\(1\\)&gt;');
});

it.each([
  [{ explain: 'openai' }, /'diagnose\.explain' is "openai"; allowed: one of off, github-models\.$/],
  [
    { 'explain-timeout': '5m' },
    /'diagnose\.explain-timeout' is "5m"; allowed: a number of seconds from 1s to 120s/,
  ],
  [
    { 'explain-model': 'gpt 4' },
    /'diagnose\.explain-model' is "gpt 4"; allowed: a GitHub Models model ID/,
  ],
])('refuses diagnose %p in one line naming the key and what is allowed', (section, message) => {
  expect(() => parseConfig(dump({ diagnose: section }), '.github/kubemend.yml')).toThrow(message);
});

it.each([
  [{ model: 'gpt-4.1', messages: [{ role: 'user', content: 'x' }], max_tokens: 10 }, /model/],
  [
    { model: 'openai/gpt-4.1', messages: [{ role: 'system', content: 'x' }], max_tokens: 10 },
    /no user message/,
  ],
  [{ model: 'openai/gpt-4.1', messages: [{ role: 'tool', content: 'x' }], max_tokens: 10 }, /role/],
  [{ model: 'openai/gpt-4.1', messages: [{ role: 'user', content: 'x' }] }, /max_tokens/],
  [
    { model: 'openai/gpt-4.1', messages: [{ role: 'user', content: 'x' }], max_tokens: 5000 },
    /max_tokens/,
  ],
  [
    {
      model: 'openai/gpt-4.1',
      messages: [{ role: 'user', content: 'x' }],
      max_tokens: 9,
      tools: [],
    },
    /unknown property tools/,
  ],
])('the local endpoint refuses a malformed request %#', (body, why) => {
  expect(chatRequestProblem(body)).toMatch(why);
});

it('reads the explain settings, off and 20s by default', () => {
  const read = (section: Record<string, unknown>) =>
    parseConfig(dump({ diagnose: section }), '.github/kubemend.yml').diagnose;
  expect(read({})).toMatchObject({
    explain: 'off',
    explainModel: 'openai/gpt-4.1-mini',
    explainTimeoutMs: 20_000,
  });
  expect(
    read({ explain: 'github-models', 'explain-model': 'openai/gpt-4.1', 'explain-timeout': '45s' }),
  ).toMatchObject({
    explain: 'github-models',
    explainModel: 'openai/gpt-4.1',
    explainTimeoutMs: 45_000,
  });
});
