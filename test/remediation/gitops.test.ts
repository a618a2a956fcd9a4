// Propose and approve through the bundled remediate action, against both emulators: the
// manifest is found in the repository and edited in place on the incident's branch (or
// a fix branch and pull request for an issue), and approve waits for a comment from
// someone with write access. The cluster is changed only by an approved run.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Octokit } from '@octokit/rest';
import { dump } from 'js-yaml';
import type { RemediationResult } from '../../src/remediation/result.js';
import { startGitHubEmulator, type GitHubEmulator } from '../../src/sim/github/server.js';
import { resourceForKind } from '../../src/sim/kube/resources.js';
import { loadScenario } from '../../src/sim/kube/scenario.js';
import { KubeEmulator } from '../../src/sim/kube/server.js';
import type { KObject } from '../../src/sim/kube/store.js';
import { runAction, type ActionRun } from '../../src/rehearse/action.js';

const REPOSITORY = 'octo-org/gitops';
const TOKENS = {
  'bot-token': 'github-actions[bot]',
  'alice-token': 'alice',
  'mallory-token': 'mallory',
};
const MANIFEST = `# The order worker: drains the queue into the ledger.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: order-worker
  namespace: shop
spec:
  replicas: 2
  template:
    spec:
      containers:
        - name: worker
          image: ghcr.io/acme/order-worker:1.4.2
          resources:
            requests:
              cpu: 100m
              memory: 128Mi # measured in March
            limits:
              memory: 256Mi
`;

let kube: KubeEmulator;
let gh: GitHubEmulator;
const repo = () => gh.repo(REPOSITORY);
const as = (token: keyof typeof TOKENS) => new Octokit({ auth: token, baseUrl: gh.url });

async function cluster(scenario: string): Promise<void> {
  kube = await new KubeEmulator().listen();
  loadScenario(kube, scenario);
  kube.seed(resourceForKind('v1', 'Namespace')!, {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'kubemend' },
  } as KObject);
  kube.advance(60_000);
  kube.runClock(60);
}

beforeEach(async () => {
  await cluster('oom-loop');
  gh = await startGitHubEmulator({ repos: [REPOSITORY], tokens: TOKENS });
  repo().collaborators.set('alice', 'write');
  repo().collaborators.set('mallory', 'read');
  repo().seedFile('main', 'apps/shop/order-worker.yaml', MANIFEST);
  repo().seedFile('main', 'apps/blog/ghost.yaml', MANIFEST.replaceAll('order-worker', 'ghost'));
});
afterEach(async () => {
  await kube.close();
  await gh.close();
});

function workspace(config: Record<string, unknown>): string {
  const dir = join(
    tmpdir(),
    `kubemend-gitops-${process.pid}-${Math.random().toString(36).slice(2)}`,
  );
  mkdirSync(join(dir, '.github'), { recursive: true });
  const uid = kube.store.get(resourceForKind('v1', 'Namespace')!, undefined, 'kube-system')!
    .metadata.uid;
  writeFileSync(
    join(dir, '.github/kubemend.yml'),
    dump({
      clusters: { lab: { server: kube.url, 'kube-system-uid': uid } },
      guardrails: { 'verify-interval': '1s', 'verify-timeout': '5s' },
      ...config,
    }),
  );
  return dir;
}

/** An incident pull request as intake opens one: its own branch with the record on it. */
async function incidentPull(): Promise<number> {
  repo().refs.set('refs/heads/kubemend/incident/a1b2c3d4', repo().resolve('main')!);
  repo().seedFile('kubemend/incident/a1b2c3d4', 'alerts/open/a1b2c3d4.yaml', 'id: a1b2c3d4\n');
  const { data } = await as('bot-token').rest.pulls.create({
    owner: 'octo-org',
    repo: 'gitops',
    head: 'kubemend/incident/a1b2c3d4',
    base: 'main',
    title: '[critical] lab: order-worker OOMKilled',
  });
  return data.number;
}

async function remediate(
  incident: number,
  ws: string,
  playbook = 'oom',
  targets: Record<string, unknown> = {
    namespace: 'shop',
    workload: { kind: 'Deployment', name: 'order-worker' },
  },
): Promise<{ run: ActionRun; result: RemediationResult }> {
  const run = await runAction('remediate', {
    inputs: {
      kubeconfig: kube.kubeconfig(),
      playbook,
      targets: JSON.stringify({
        playbook,
        id: 'a1b2c3d4',
        incident,
        cluster: 'lab',
        targets: { cluster: 'lab', ...targets },
      }),
    },
    workspace: ws,
    githubToken: 'bot-token',
    apiUrl: gh.url,
    repository: REPOSITORY,
    env: { KUBEMEND_WRITE_INTERVAL_MS: '0', KUBEMEND_BACKOFF_MS: '40' },
  });
  const path = run.outputs['result-path'];
  if (!path) throw new Error(`no result: ${run.stderr} ${run.stdout}`);
  return { run, result: JSON.parse(readFileSync(path, 'utf8')) as RemediationResult };
}

const limitInCluster = () =>
  (
    kube.store.get(resourceForKind('apps/v1', 'Deployment')!, 'shop', 'order-worker') as KObject & {
      spec: { template: { spec: { containers: { resources: { limits: { memory: string } } }[] } } };
    }
  ).spec.template.spec.containers[0]!.resources.limits.memory;

describe('mode propose (the oom default)', () => {
  it('commits the raised limit to the incident branch, comments and layout kept, and leaves the cluster alone', async () => {
    const number = await incidentPull();
    const { result } = await remediate(number, workspace({}));
    expect(result.mode).toBe('propose');
    expect(result.actions.map((a) => a.verb)).toEqual(['patch', 'commit']);
    expect(result.actions[0]).toMatchObject({ dryRun: true });
    expect(result.actions[1]).toMatchObject({
      object: 'apps/shop/order-worker.yaml',
      detail: expect.stringMatching(
        /^committed [0-9a-f]{7} to apps\/shop\/order-worker\.yaml on kubemend\/incident\/a1b2c3d4$/,
      ),
    });
    const proposed = repo().readFile('kubemend/incident/a1b2c3d4', 'apps/shop/order-worker.yaml');
    expect(proposed).toBe(
      MANIFEST.replace(
        'memory: 128Mi # measured in March',
        'memory: 160Mi # measured in March',
      ).replace('memory: 256Mi', 'memory: 320Mi'),
    );
    // The other workload's manifest and the default branch are untouched; so is the cluster.
    expect(repo().readFile('main', 'apps/shop/order-worker.yaml')).toBe(MANIFEST);
    expect(kube.writes()).toEqual([]);
    expect(limitInCluster()).toBe('256Mi');
  });

  it('for an incident issue opens one fix branch and pull request, and a re-run adds nothing', async () => {
    const { data: issue } = await as('bot-token').rest.issues.create({
      owner: 'octo-org',
      repo: 'gitops',
      title: '[critical] lab: order-worker OOMKilled',
    });
    const ws = workspace({});
    const first = await remediate(issue.number, ws);
    expect(first.result.actions[1]?.detail).toMatch(/ in #\d+$/);
    expect(repo().openPulls()).toHaveLength(1);
    expect(repo().readFile('kubemend/fix/a1b2c3d4', 'apps/shop/order-worker.yaml')).toContain(
      'memory: 320Mi',
    );
    const again = await remediate(issue.number, ws);
    expect(again.result.decisions).toContainEqual(
      expect.objectContaining({
        guardrail: 'manifest',
        reason: 'apps/shop/order-worker.yaml already has the change',
      }),
    );
    expect(repo().openPulls()).toHaveLength(1);
  });

  it('says where it looked when no manifest declares the workload', async () => {
    const number = await incidentPull();
    const { result } = await remediate(number, workspace({ gitops: { paths: ['apps/blog'] } }));
    expect(result.decisions).toContainEqual(
      expect.objectContaining({
        guardrail: 'manifest',
        allowed: false,
        reason: expect.stringMatching(
          /^no manifest under apps\/blog declares Deployment shop\/order-worker; make the change by hand: raise memory/,
        ),
      }),
    );
  });
});

describe('mode approve', () => {
  it('ignores an approval from someone without write access, then acts on one from a writer, and the cluster decides', async () => {
    const number = await incidentPull();
    const ws = workspace({ playbooks: { oom: { mode: 'approve' } } });
    const comment = (token: keyof typeof TOKENS, body: string) =>
      as(token).rest.issues.createComment({
        owner: 'octo-org',
        repo: 'gitops',
        issue_number: number,
        body,
      });

    const waiting = await remediate(number, ws);
    expect(waiting.result.decisions[0]).toMatchObject({ guardrail: 'approval', allowed: false });
    expect(waiting.result.mode).toBe('dry-run');

    await comment('mallory-token', '/kubemend approve');
    const refused = await remediate(number, ws);
    expect(refused.result.decisions[0]).toMatchObject({
      guardrail: 'approval',
      allowed: false,
      reason: expect.stringMatching(/ignored: mallory, who cannot approve/),
    });
    expect(kube.writes()).toEqual([]);

    await comment('alice-token', 'Looks right to me.\n/kubemend approve oom');
    const approved = await remediate(number, ws);
    expect(approved.result.decisions[0]).toMatchObject({
      guardrail: 'approval',
      allowed: true,
      reason: expect.stringMatching(/^approved by alice at /),
    });
    expect(approved.result.mode).toBe('auto');
    expect(approved.result.outcome).toBe('resolved');
    expect(limitInCluster()).toBe('320Mi');
  });
});

describe('image-pull in mode propose', () => {
  it('rewrites the images of the workloads whose registry is down to the configured mirror, on the incident branch', async () => {
    await kube.close();
    await cluster('registry-outage');
    repo().seedFile(
      'main',
      'apps/shop/storefront.yaml',
      `apiVersion: apps/v1
kind: Deployment
metadata:
  name: storefront
  namespace: shop
spec:
  template:
    spec:
      containers:
        - name: storefront
          image: "nginx:1.27.3" # pinned by renovate
`,
    );
    const number = await incidentPull();
    const { result } = await remediate(
      number,
      workspace({
        playbooks: {
          'image-pull': {
            mode: 'propose',
            mirrors: { 'docker.io': 'registry.homelab.internal:5000' },
          },
        },
      }),
      'image-pull',
      { namespace: 'shop' },
    );
    expect(result.actions.filter((a) => a.verb === 'commit')).toEqual([
      expect.objectContaining({ object: 'apps/shop/storefront.yaml' }),
    ]);
    // cart has no manifest in the repository: said, not guessed.
    expect(result.decisions).toContainEqual(
      expect.objectContaining({
        guardrail: 'manifest',
        reason: expect.stringMatching(
          /^no manifest under the repository declares Deployment shop\/cart/,
        ),
      }),
    );
    expect(repo().readFile('kubemend/incident/a1b2c3d4', 'apps/shop/storefront.yaml')).toContain(
      'image: "registry.homelab.internal:5000/library/nginx:1.27.3" # pinned by renovate',
    );
    // The pods' deletions went as dry runs only.
    expect(kube.writes()).toEqual([]);
    expect(result.actions.filter((a) => a.verb === 'delete').every((a) => a.dryRun)).toBe(true);
  });
});
