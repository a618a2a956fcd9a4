// The story the doctor first got wrong (issue 26): Argo CD shows `checkout` Degraded after
// a rollout from 2.4.0 to 2.5.0 that crashes. Read through the Application to its
// Deployment, the crash that began with the newest ReplicaSet ranks first, and the fix is
// a rollback: the previous revision's image proposed for review in the GitOps repository.
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

const REPOSITORY = 'octo-org/gitops';
const MANIFEST = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: checkout
  namespace: shop
spec:
  replicas: 3
  template:
    spec:
      containers:
        - name: checkout
          image: ghcr.io/acme/checkout:2.5.0 # bumped by the release bot
`;

let gh: GitHubEmulator;
let kube: KubeEmulator;
afterEach(async () => {
  await kube.close();
  await gh.close();
});

it('checkout: the crash that began with the rollout ranks first and the rollback is proposed', async () => {
  gh = await startGitHubEmulator({ repos: [REPOSITORY], budget: 1_000_000 });
  gh.repo(REPOSITORY).collaborators.set('alice', 'write');
  gh.repo(REPOSITORY).seedFile('main', 'apps/checkout/deployment.yaml', MANIFEST);
  kube = await new KubeEmulator().listen();
  loadScenario(
    kube,
    readScenarioNameOrFile(join(repoRoot, 'examples/rehearsals/scenarios/checkout-rollout.yaml')),
  );
  const uid = kube.store.get(resourceForKind('v1', 'Namespace')!, undefined, 'kube-system')!
    .metadata.uid;
  const config = parseConfig(
    dump({
      clusters: { lab: { server: kube.url, 'kube-system-uid': uid } },
      gitops: { paths: ['apps'] },
      diagnose: { namespaces: ['shop'] },
    }),
    '.github/kubemend.yml',
  );
  const octokit = new Octokit({ auth: 'ghp_alice', baseUrl: gh.url });
  const { data: issue } = await octokit.rest.issues.create({
    owner: 'octo-org',
    repo: 'gitops',
    title: 'checkout Degraded',
    body: 'Argo CD application checkout is Degraded since the 2.5.0 rollout (namespace: shop, cluster: lab).',
  });
  const kubeconfig = new KubeConfig();
  kubeconfig.loadFromString(kube.kubeconfig());
  const outcome = await diagnose({
    github: {
      ...createGitHubClient({ token: 'ghs_doctor', baseUrl: gh.url, warn: () => {} }),
      owner: 'octo-org',
      repo: 'gitops',
      number: issue.number,
    },
    config,
    kubeconfig,
    trigger: { kind: 'dispatch', actor: { login: 'alice', isBot: false } },
    runUrl: undefined,
    log: () => {},
  });
  if (!outcome.diagnosed) throw new Error('not diagnosed');
  const [top, ...rest] = outcome.causes;
  expect(top).toMatchObject({
    id: 'crash-after-rollout',
    fix: { playbook: { name: 'crash-loop', mode: 'approve' }, manifest: 'rollback' },
  });
  expect(top?.evidence[0]).toMatch(
    /^Deployment\/checkout revision 2 \(ghcr\.io\/acme\/checkout:2\.5\.0, ReplicaSet checkout-\S+, created \S+\): \d+ pod\(s\) crash-looping$/,
  );
  expect(top?.evidence[1]).toMatch(
    /^revision 1 \(ghcr\.io\/acme\/checkout:2\.4\.0\) did not crash: 3 pod\(s\) ready$/,
  );
  for (const other of rest) expect(other.confidence).toBeLessThan(top?.confidence ?? 0);
  expect(outcome.body).toContain('| 1 | The crash began with the latest rollout | 0.97 |');
  expect(outcome.body).toContain('kubectl -n shop rollout undo deployment/checkout');
  expect(outcome.body).toContain('PAYMENT_GATEWAY_URL is required since 2.5.0');
  expect(outcome.body).toMatch(
    /\*\*Proposed:\*\* roll back Deployment shop\/checkout to revision 1 \\\(checkout: ghcr\.io\/acme\/checkout:2\.4\.0\\\): committed \w+ to apps\/checkout\/deployment\.yaml in #\u200b?\d+/u,
  );
  const edited = gh
    .repo(REPOSITORY)
    .readFile(`kubemend/fix/diag-${issue.number}`, 'apps/checkout/deployment.yaml');
  expect(edited).toContain('image: ghcr.io/acme/checkout:2.4.0 # bumped by the release bot');
  expect(kube.writes()).toEqual([]);
});
