// Kubeconfig credentials that act on the runner (exec plugins, auth-providers, file
// paths), through the bundled actions that take a kubeconfig, over the emulators:
// refused by default before anything runs or any request leaves, and with
// allow-exec-credentials an exec plugin authenticates with its args and env masked.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Octokit } from '@octokit/rest';
import { dump } from 'js-yaml';
import type { RemediationResult } from '../../src/remediation/result.js';
import { events } from '../../src/sim/github/events.js';
import { startGitHubEmulator, type GitHubEmulator } from '../../src/sim/github/server.js';
import { resourceForKind } from '../../src/sim/kube/resources.js';
import { loadScenario } from '../../src/sim/kube/scenario.js';
import { KubeEmulator } from '../../src/sim/kube/server.js';
import type { KObject } from '../../src/sim/kube/store.js';
import { runAction, type ActionRun } from '../../src/rehearse/action.js';
import { PACE, REPOSITORY, TOKEN } from '../intake/support.js';
import { ALERT, callerRepository } from '../pipeline/support.js';

type Action = 'remediate' | 'diagnose' | 'sweep' | 'all-in-one';
const ACTIONS: Action[] = ['remediate', 'diagnose', 'sweep', 'all-in-one'];

const PLUGIN_TOKEN = 'exec-token-5be04c19';
const PLUGIN_ARG = '--audience=kubemend-arg-3c9e1f';
const PLUGIN_ENV = 'plugin-env-7d41a2e8';
const PROVIDER_CONFIG = 'provider-config-9f8e7d6c';

let gh: GitHubEmulator;
let kube: KubeEmulator;
const repo = () => gh.repo(REPOSITORY);
const scratch = () => mkdtempSync(join(tmpdir(), 'kubemend-credentials-'));

async function start(scenario?: string): Promise<void> {
  gh = await startGitHubEmulator({ repos: [REPOSITORY], budget: 1_000_000 });
  kube = await new KubeEmulator({
    users: { [PLUGIN_TOKEN]: { name: 'exec-plugin-user' } },
  }).listen();
  if (scenario) {
    loadScenario(kube, scenario);
    kube.seed(resourceForKind('v1', 'Namespace')!, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'kubemend' },
    } as KObject);
    kube.advance(5 * 60_000);
    kube.runClock(60);
  }
}
afterEach(async () => {
  await kube.close();
  await gh.close();
});

/** A kubeconfig for the emulator whose selected user (and cluster) carry the given fields. */
function kubeconfigWith(
  user: Record<string, unknown>,
  options: { cluster?: Record<string, unknown>; unusedUser?: Record<string, unknown> } = {},
): string {
  return dump({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'lab',
        cluster: { server: kube.url, 'insecure-skip-tls-verify': true, ...options.cluster },
      },
    ],
    users: [
      { name: 'intruder', user },
      ...(options.unusedUser ? [{ name: 'bystander', user: options.unusedUser }] : []),
    ],
    contexts: [{ name: 'lab', context: { cluster: 'lab', user: 'intruder' } }],
    'current-context': 'lab',
  });
}

/** Runs an action with the kubeconfig and what else it needs to get as far as the cluster. */
function run(
  action: Action,
  inputs: Record<string, string>,
  workspace: string = scratch(),
): Promise<ActionRun> {
  const common = {
    repository: REPOSITORY,
    apiUrl: gh.url,
    githubToken: TOKEN,
    workspace,
    env: PACE,
    timeoutMs: 300_000,
  };
  if (action === 'remediate')
    return runAction('remediate', {
      ...common,
      githubToken: '',
      inputs: {
        playbook: 'image-pull',
        targets: JSON.stringify({
          playbook: 'image-pull',
          category: 'image-pull',
          confidence: 0.9,
          incident: 7,
          id: 'a1b2c3d4',
          cluster: 'lab',
          targets: { cluster: 'lab', namespace: 'shop', pods: [], containers: [] },
        }),
        mode: 'dry-run',
        ...inputs,
      },
    });
  if (action === 'diagnose')
    return runAction('diagnose', {
      ...common,
      inputs,
      event: {
        name: 'issues',
        payload: events.issuesLabeled(
          REPOSITORY,
          { number: 1, title: 'storefront down', body: 'namespace: shop, deployment/storefront' },
          'cluster-doctor',
        ),
      },
    });
  if (action === 'sweep')
    return runAction('sweep', {
      ...common,
      inputs,
      event: { name: 'schedule', payload: events.schedule(REPOSITORY, '*/10 * * * *') },
    });
  return runAction('./', {
    ...common,
    env: { ...PACE, GITHUB_SHA: repo().resolve('main') ?? '' },
    inputs: { mode: 'dry-run', ...inputs },
    event: { name: 'repository_dispatch', payload: events.repositoryDispatch(REPOSITORY, ALERT) },
  });
}

/** What a reader of the log sees besides the masks. */
const printed = (r: ActionRun) =>
  r.stdout.split('\n').filter((line) => line !== '' && !line.startsWith('::add-mask::'));

describe('a kubeconfig that would act on the runner is refused by default', () => {
  const refuse = (what: string, instead: string) =>
    `Input 'kubeconfig' user "intruder" has ${what}; allowed: ${instead}, or set 'allow-exec-credentials: true' to trust it.`;
  const cases: [string, (marker: string) => string, string][] = [
    [
      'an exec plugin running /bin/sh -c',
      (marker) =>
        kubeconfigWith({
          exec: {
            apiVersion: 'client.authentication.k8s.io/v1',
            command: '/bin/sh',
            args: ['-c', `touch ${marker}`],
          },
        }),
      refuse(
        'an exec credential plugin, which runs a program on the runner',
        'a token (e.g. a ServiceAccount token)',
      ),
    ],
    [
      'a gcp auth-provider whose cmd-path is a shell',
      (marker) =>
        kubeconfigWith({
          'auth-provider': {
            name: 'gcp',
            config: { 'cmd-path': '/bin/sh', 'cmd-args': `-c "touch ${marker}"` },
          },
        }),
      refuse(
        'an auth-provider, which runs programs and reads files on the runner',
        'a token (e.g. a ServiceAccount token)',
      ),
    ],
    [
      'a client-key path to /etc/shadow',
      () => kubeconfigWith({ token: 'kube-token-0a1b2c3d', 'client-key': '/etc/shadow' }),
      refuse('a client-key file path, which reads a file on the runner', 'client-key-data'),
    ],
    [
      "a token-file sending the runner's environment as the bearer token",
      () => kubeconfigWith({ 'token-file': '/proc/self/environ' }),
      refuse('a token-file path, which sends a file of the runner as the bearer token', 'token'),
    ],
    [
      'a cluster certificate-authority path',
      () =>
        kubeconfigWith(
          { token: 'kube-token-0a1b2c3d' },
          { cluster: { 'certificate-authority': '/etc/ssl/private/runner.pem' } },
        ),
      `Input 'kubeconfig' cluster "lab" has a certificate-authority file path, which reads a file on the runner; allowed: certificate-authority-data, or set 'allow-exec-credentials: true' to trust it.`,
    ],
    [
      'an exec plugin on a user no context selects',
      (marker) =>
        kubeconfigWith(
          { token: 'kube-token-0a1b2c3d' },
          { unusedUser: { exec: { command: '/bin/sh', args: ['-c', `touch ${marker}`] } } },
        ),
      `Input 'kubeconfig' user "bystander" has an exec credential plugin, which runs a program on the runner; allowed: a token (e.g. a ServiceAccount token), or set 'allow-exec-credentials: true' to trust it.`,
    ],
  ];

  it.each(
    ACTIONS.flatMap((action) =>
      cases.map(([name, make, message]) => [action, name, make, message]),
    ),
  )(
    '%s refuses %s with one line, runs nothing and sends no request',
    async (action, _name, make, message) => {
      await start();
      // The file a plugin that ran would have created.
      const marker = join(scratch(), 'ran');
      const kubeconfig = (make as (marker: string) => string)(marker);
      const result = await run(action as Action, { kubeconfig });
      expect(existsSync(marker)).toBe(false);
      expect(kube.log).toEqual([]);
      expect(result.exitCode).toBe(1);
      expect(printed(result)).toEqual([`::error::${message as string}`]);
      // Not even intake: the all-in-one checks the kubeconfig before recording anything.
      expect([...repo().issues.values()]).toEqual([]);
    },
    60_000,
  );
});

describe('allow-exec-credentials', () => {
  it.each(ACTIONS)(
    '%s rejects a value that is not true or false, naming the input',
    async (action) => {
      await start();
      const result = await run(action, {
        kubeconfig: kube.kubeconfig(),
        'allow-exec-credentials': 'maybe',
      });
      expect(result.exitCode).toBe(1);
      expect(printed(result)).toEqual([
        `::error::Input 'allow-exec-credentials' is "maybe"; allowed: true, false.`,
      ]);
      expect(kube.log).toEqual([]);
    },
  );

  /**
   * A kubeconfig whose plugin prints an ExecCredential only when given its arg and env:
   * as an exec plugin, or as an auth-provider's exec with a config value of its own.
   */
  function pluginKubeconfig(form: 'exec' | 'auth-provider' = 'exec'): string {
    const plugin = join(scratch(), 'plugin.mjs');
    writeFileSync(
      plugin,
      [
        `if (process.argv[2] !== ${JSON.stringify(PLUGIN_ARG)}) process.exit(3);`,
        `if (process.env.KUBEMEND_PLUGIN_SECRET !== ${JSON.stringify(PLUGIN_ENV)}) process.exit(4);`,
        `process.stdout.write(JSON.stringify({`,
        `  apiVersion: 'client.authentication.k8s.io/v1',`,
        `  kind: 'ExecCredential',`,
        `  status: { token: ${JSON.stringify(PLUGIN_TOKEN)} },`,
        `}));`,
      ].join('\n'),
    );
    const exec = {
      apiVersion: 'client.authentication.k8s.io/v1',
      command: process.execPath,
      args: [plugin, PLUGIN_ARG],
      env: [{ name: 'KUBEMEND_PLUGIN_SECRET', value: PLUGIN_ENV }],
    };
    return kubeconfigWith(
      form === 'exec'
        ? { exec }
        : { 'auth-provider': { name: 'exec', config: { exec, 'client-id': PROVIDER_CONFIG } } },
    );
  }

  /** The plugin ran and its token authenticated every request that needs a user. */
  function expectPluginAuthenticated(result: ActionRun, secrets = [PLUGIN_ARG, PLUGIN_ENV]): void {
    const authenticated = kube.log.filter((e) => e.verb !== 'discovery');
    expect(authenticated.length).toBeGreaterThan(0);
    expect(new Set(authenticated.map((e) => e.user))).toEqual(new Set(['exec-plugin-user']));
    expect(result.masks).toEqual(expect.arrayContaining(secrets));
    const log = result.logLines.join('\n');
    for (const secret of [...secrets, PLUGIN_TOKEN]) expect(log).not.toContain(secret);
  }

  it('lets remediate authenticate with an exec plugin, its arg and env value masked', async () => {
    await start('registry-outage');
    const ws = callerRepository(kube, { playbooks: {} });
    const result = await run(
      'remediate',
      { kubeconfig: pluginKubeconfig(), 'allow-exec-credentials': 'true' },
      ws,
    );
    expect(result.exitCode).toBe(0);
    const outcome = JSON.parse(
      readFileSync(result.outputs['result-path']!, 'utf8'),
    ) as RemediationResult;
    expect(outcome.identity.status).toBe('confirmed');
    expect(outcome.actions.length).toBeGreaterThan(0);
    expectPluginAuthenticated(result);
  });

  it.each([
    ['an exec plugin, its arg and env value', 'exec', [PLUGIN_ARG, PLUGIN_ENV]],
    [
      "an auth-provider's exec, its arg, env and config values",
      'auth-provider',
      [PLUGIN_ARG, PLUGIN_ENV, PROVIDER_CONFIG],
    ],
  ] as const)(
    'lets diagnose authenticate with %s masked',
    async (_name, form, secrets) => {
      await start('bad-rollout');
      const octokit = new Octokit({ auth: TOKEN, baseUrl: gh.url });
      const { data: issue } = await octokit.rest.issues.create({
        owner: 'octo-org',
        repo: 'gitops',
        title: 'api crash-loops',
        body: 'cluster: lab, namespace: shop, deployment/api',
      });
      const ws = callerRepository(kube);
      const result = await runAction('diagnose', {
        inputs: { kubeconfig: pluginKubeconfig(form), 'allow-exec-credentials': 'true' },
        event: {
          name: 'workflow_dispatch',
          // Sent by the repository's owner, who may ask the cluster doctor.
          payload: events.workflowDispatch(
            REPOSITORY,
            { 'issue-number': String(issue.number) },
            undefined,
            'octo-org',
          ),
        },
        repository: REPOSITORY,
        apiUrl: gh.url,
        githubToken: TOKEN,
        workspace: ws,
        env: PACE,
      });
      expect(result.exitCode).toBe(0);
      expect(result.outputs['top-cause']).toBe('crash-after-rollout');
      expectPluginAuthenticated(result, [...secrets]);
    },
    120_000,
  );

  it('reaches the all-in-one playbooks, which authenticate with the exec plugin', async () => {
    await start('registry-outage');
    const result = await run(
      'all-in-one',
      { kubeconfig: pluginKubeconfig(), 'allow-exec-credentials': 'true' },
      callerRepository(kube, { playbooks: {} }),
    );
    expect(result.exitCode).toBe(0);
    expect(result.outputs.state).toBe('dry-run');
    expectPluginAuthenticated(result);
  });
});
