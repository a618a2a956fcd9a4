// The bundled diagnose action, run as the runner runs it, over both emulators: an
// incident intake opened (its record says where to look) or an issue a person wrote
// (its text does), evidence read from the simulated cluster, one diagnosis comment, and
// the fix proposed for review when it is a manifest change.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Octokit } from '@octokit/rest';
import { dump } from 'js-yaml';
import { events } from '../../src/sim/github/events.js';
import { startGitHubEmulator, type GitHubEmulator } from '../../src/sim/github/server.js';
import { resourceForKind } from '../../src/sim/kube/resources.js';
import { loadScenario } from '../../src/sim/kube/scenario.js';
import { KubeEmulator } from '../../src/sim/kube/server.js';
import { runAction, type ActionRun } from '../../src/rehearse/action.js';
import { dispatch, PACE, REPOSITORY, TOKEN } from '../intake/support.js';

const MANIFEST = `# The order worker: drains the queue into the ledger.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: order-worker
  namespace: shop
spec:
  template:
    spec:
      containers:
        - name: worker
          image: ghcr.io/acme/order-worker:1.4.2
          resources:
            requests:
              memory: 128Mi # measured in March
            limits:
              memory: 256Mi
`;

let gh: GitHubEmulator;
let kube: KubeEmulator;
const repo = () => gh.repo(REPOSITORY);

async function start(scenario: string): Promise<void> {
  gh = await startGitHubEmulator({ repos: [REPOSITORY], budget: 1_000_000 });
  kube = await new KubeEmulator().listen();
  loadScenario(kube, scenario);
  kube.advance(5 * 60_000);
  repo().seedFile('main', 'apps/shop/order-worker.yaml', MANIFEST);
  repo().collaborators.set('alice', 'write');
  repo().collaborators.set('mallory', 'read');
}
afterEach(async () => {
  await kube.close();
  await gh.close();
});

function workspace(
  identity: 'match' | 'other' | 'none' = 'match',
  extra: Record<string, unknown> = {},
): string {
  const dir = mkdtempSync(join(tmpdir(), 'kubemend-diagnose-'));
  mkdirSync(join(dir, '.github'));
  const uid = kube.store.get(resourceForKind('v1', 'Namespace')!, undefined, 'kube-system')!
    .metadata.uid;
  writeFileSync(
    join(dir, '.github/kubemend.yml'),
    dump({
      ...(identity === 'none'
        ? {}
        : {
            clusters: {
              lab:
                identity === 'match'
                  ? { server: kube.url, 'kube-system-uid': uid }
                  : {
                      server: 'https://10.9.9.9:6443',
                      'kube-system-uid': '00000000-0000-4000-8000-000000000000',
                    },
            },
          }),
      gitops: { paths: ['apps'] },
      ...extra,
    }),
  );
  return dir;
}

/** `sender` applies the label (alice has write access, mallory read). */
function diagnose(
  number: number,
  ws: string,
  label = 'cluster-doctor',
  sender = 'alice',
  kubeconfig = kube.kubeconfig(),
): Promise<ActionRun> {
  return runAction('diagnose', {
    inputs: { kubeconfig },
    event: {
      name: 'issues',
      payload: events.issuesLabeled(REPOSITORY, { number, title: '', body: '' }, label, sender),
    },
    repository: REPOSITORY,
    apiUrl: gh.url,
    githubToken: TOKEN,
    workspace: ws,
    env: PACE,
  });
}

const diagnoses = (n: number) =>
  repo()
    .commentsOn(n)
    .filter((c) => c.body.startsWith('<!-- kubemend:diagnosis -->'));

/** The incident intake opens for Alertmanager's alert on the OOM-killed worker. */
async function oomIncident(ws: string): Promise<number> {
  const run = await dispatch(
    gh,
    {
      title: 'KubePodCrashLooping order-worker',
      cluster: 'lab',
      severity: 'warning',
      status: 'firing',
      namespace: 'shop',
      resource: 'Deployment/order-worker',
      message: 'Pod shop/order-worker is restarting: OOMKilled',
    },
    { workspace: ws },
  );
  return Number(run.outputs['incident-number']);
}

describe('the diagnose action', () => {
  it('oom-loop: ranks the memory limit first, proposes the manifest change on the incident branch, and keeps one comment over re-runs', async () => {
    await start('oom-loop');
    const ws = workspace();
    const number = await oomIncident(ws);
    const first = await diagnose(number, ws);
    expect(diagnoses(number)[0]?.body).toMatch(
      /\*\*Proposed:\*\* raise memory of Deployment shop\/order-worker by 25% \\\(worker: limit 320Mi, request 160Mi\\\): committed \w+ to apps\/shop\/order-worker\.yaml on kubemend\//,
    );
    const runs = [first, await diagnose(number, ws), await diagnose(number, ws)];
    for (const run of runs) expect(run.exitCode).toBe(0);
    expect(runs[0]?.outputs['top-cause']).toBe('memory-limit');
    const [comment, ...more] = diagnoses(number);
    expect(more).toEqual([]);
    expect(comment?.body).toMatch(
      /\| 1 \| The memory limit is below what the container needs \| 0\.95 \| oom playbook \\\(propose\\\) \|/,
    );
    expect(comment?.body).toMatch(
      /container worker: OOMKilled \(exit 137\), \d+ restart\(s\), memory limit 256Mi/,
    );
    expect(comment?.body).toMatch(
      /\*\*Proposed:\*\* raise memory of Deployment shop\/order-worker by 25% \\\(worker: limit 320Mi, request 160Mi\\\): already proposed \\\(apps\/shop\/order-worker\.yaml already has the change\\\)/,
    );
    // The change is on the incident's branch, layout and comments kept.
    const branch = repo().issues.get(number)?.pull?.headRef ?? '';
    const edited = repo().readFile(branch, 'apps/shop/order-worker.yaml') ?? '';
    expect(edited).toContain('memory: 160Mi # measured in March');
    expect(edited).toContain('memory: 320Mi');
    expect(edited).toMatch(/^# The order worker: drains the queue into the ledger\./);
    const message = repo().git.commits.get(repo().resolve(branch)!)?.message ?? '';
    expect(message).toMatch(
      /Test plan:\n- after the merge and sync: `kubectl -n shop rollout status deployment\/order-worker`/,
    );
    expect(message).toMatch(/Rollback: revert this commit/);
    // Diagnosis reads; it never writes to the cluster.
    expect(kube.writes()).toEqual([]);
  });

  it("bad-rollout: reads a person's issue for the workload and names the rollout", async () => {
    await start('bad-rollout');
    const octokit = new Octokit({ auth: TOKEN, baseUrl: gh.url });
    const { data: issue } = await octokit.rest.issues.create({
      owner: 'octo-org',
      repo: 'gitops',
      title: 'api down after deploy',
      body: 'Since the last deploy, deployment/api in namespace: shop on cluster lab keeps restarting. <img src=x onerror=alert(1)>',
    });
    const run = await diagnose(issue.number, workspace());
    expect(run.outputs['top-cause']).toBe('crash-after-rollout');
    const [comment] = diagnoses(issue.number);
    expect(comment?.body).toContain(
      'Scope (from the issue text): namespace \\`shop\\`, Deployment/api.',
    );
    expect(comment?.body).toMatch(
      /Deployment\/api revision 2 \(ghcr\.io\/acme\/api:1\.9\.0, ReplicaSet api-\S+, created \S+\): \d+ pod\(s\) crash-looping/,
    );
    expect(comment?.body).toMatch(
      /Owner chain: Pod\/api-\S+ → ReplicaSet\/api-\S+ → Deployment\/api\./,
    );
    expect(comment?.body).not.toContain('<img');
    // The fix is the rollback, proposed as a manifest change; this repository has none for api.
    expect(comment?.body).toMatch(
      /\*\*Proposed:\*\* not proposed: no manifest under apps declares Deployment shop\/api; make the change by hand: roll back Deployment shop\/api to revision 1 \\\(api: ghcr\.io\/acme\/api:1\.8\.0\\\)/,
    );
  });

  it("reads through the kubeconfig's context named as the issue's cluster, and reads nothing without one", async () => {
    await start('bad-rollout');
    // One kubeconfig for several clusters; its current context is another cluster's.
    const lab = JSON.parse(kube.kubeconfig({ context: 'lab' })) as Record<string, unknown[]>;
    const withContexts = (names: string[], current: string) =>
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          ...names.map((name) => ({ name, cluster: { server: 'https://127.0.0.1:9' } })),
          ...lab.clusters!,
        ],
        users: [...names.map((name) => ({ name, user: { token: 'other' } })), ...lab.users!],
        contexts: [
          ...names.map((name) => ({ name, context: { cluster: name, user: name } })),
          ...lab.contexts!,
        ],
        'current-context': current,
      });
    const octokit = new Octokit({ auth: TOKEN, baseUrl: gh.url });
    const { data: issue } = await octokit.rest.issues.create({
      owner: 'octo-org',
      repo: 'gitops',
      title: 'api down after deploy',
      body: 'deployment/api in namespace: shop on cluster lab keeps restarting.',
    });
    const run = await diagnose(
      issue.number,
      workspace(),
      'cluster-doctor',
      'alice',
      withContexts(['prod'], 'prod'),
    );
    expect(run.outputs['top-cause']).toBe('crash-after-rollout');

    // Without a context named lab, the other cluster's credentials are not tried.
    const trimmed = JSON.parse(withContexts(['prod', 'staging'], 'prod')) as {
      contexts: { name: string }[];
    } & Record<string, unknown>;
    trimmed.contexts = trimmed.contexts.filter((c) => c.name !== 'lab');
    const before = kube.log.length;
    await diagnose(issue.number, workspace(), 'cluster-doctor', 'alice', JSON.stringify(trimmed));
    expect(diagnoses(issue.number)[0]?.body).toContain(
      "No credentials for cluster lab: the kubeconfig's contexts are prod, staging; add a context named lab. Nothing was read.",
    );
    expect(kube.log.length).toBe(before);
  });

  it("diagnoses on a /kubemend diagnose comment, and proposes an issue's fix as a kubemend/fix pull request", async () => {
    await start('oom-loop');
    const octokit = new Octokit({ auth: TOKEN, baseUrl: gh.url });
    const { data: issue } = await octokit.rest.issues.create({
      owner: 'octo-org',
      repo: 'gitops',
      title: 'order-worker keeps dying',
      body: 'cluster: lab, namespace: shop, deployment/order-worker restarts all night.',
    });
    const run = await runAction('diagnose', {
      inputs: { kubeconfig: kube.kubeconfig() },
      event: {
        name: 'issue_comment',
        payload: events.issueCommentCreated(
          REPOSITORY,
          { number: issue.number, title: issue.title, body: issue.body ?? '' },
          { body: 'Could you look?\n/kubemend diagnose', login: 'alice' },
        ),
      },
      repository: REPOSITORY,
      apiUrl: gh.url,
      githubToken: TOKEN,
      workspace: workspace(),
      env: PACE,
    });
    expect(run.outputs['top-cause']).toBe('memory-limit');
    const fix = [...repo().issues.values()].find((i) =>
      i.pull?.headRef?.startsWith('kubemend/fix/'),
    );
    expect(fix?.title).toBe(
      'kubemend: raise memory of Deployment shop/order-worker by 25% (worker: limit 320Mi, request 160Mi)',
    );
    expect(fix?.body).toMatch(/Test plan:[\s\S]*Rollback: revert this commit/);
    expect(diagnoses(issue.number)[0]?.body).toMatch(
      new RegExp(`committed \\w+ to apps/shop/order-worker\\.yaml in #\u200b?${fix?.number}`),
    );
  });

  it('reads nothing from a cluster whose identity does not match, and says so', async () => {
    await start('oom-loop');
    const ws = workspace();
    const number = await oomIncident(ws);
    const before = kube.log.length;
    const run = await diagnose(number, workspace('other'));
    expect(run.exitCode).toBe(0);
    expect(run.outputs['top-cause']).toBe('');
    expect(diagnoses(number)[0]?.body).toMatch(
      /The kubeconfig does not point at cluster lab: .*Nothing was read\./,
    );
    // One GET of kube-system, for the identity; no pod, event or log was read.
    expect(
      kube.log
        .slice(before)
        .filter((e) => e.verb !== 'discovery')
        .map((e) => `${e.verb} ${e.resource}`),
    ).toEqual(['get namespaces']);
  });

  it('diagnoses the issue a workflow_dispatch names', async () => {
    await start('bad-rollout');
    const octokit = new Octokit({ auth: TOKEN, baseUrl: gh.url });
    const { data: issue } = await octokit.rest.issues.create({
      owner: 'octo-org',
      repo: 'gitops',
      title: 'api crash-loops',
      body: 'namespace: shop, deployment/api',
    });
    const run = await runAction('diagnose', {
      inputs: { kubeconfig: kube.kubeconfig() },
      event: {
        name: 'workflow_dispatch',
        payload: events.workflowDispatch(
          REPOSITORY,
          { 'issue-number': String(issue.number) },
          undefined,
          'alice',
        ),
      },
      repository: REPOSITORY,
      apiUrl: gh.url,
      githubToken: TOKEN,
      workspace: workspace(),
      env: PACE,
    });
    expect(run.outputs['top-cause']).toBe('crash-after-rollout');
    expect(diagnoses(issue.number)).toHaveLength(1);
  });

  it('does nothing for another label', async () => {
    await start('oom-loop');
    const ws = workspace();
    const number = await oomIncident(ws);
    const run = await diagnose(number, ws, 'bug');
    expect(run.exitCode).toBe(0);
    expect(run.logLines).toContain('Not labelled cluster-doctor: nothing to diagnose.');
    expect(diagnoses(number)).toEqual([]);
  });
});

describe('who may ask the cluster doctor, and what it may read', () => {
  const KUBE_SYSTEM_ISSUE = {
    title: 'coredns is slow',
    body: 'cluster: lab, namespace: kube-system, deployment/coredns keeps restarting.',
  };

  async function personIssue(text = KUBE_SYSTEM_ISSUE): Promise<number> {
    const octokit = new Octokit({ auth: TOKEN, baseUrl: gh.url });
    const { data } = await octokit.rest.issues.create({
      owner: 'octo-org',
      repo: 'gitops',
      ...text,
    });
    return data.number;
  }

  function commentDiagnose(number: number, login: string, ws: string): Promise<ActionRun> {
    return runAction('diagnose', {
      inputs: { kubeconfig: kube.kubeconfig() },
      event: {
        name: 'issue_comment',
        payload: events.issueCommentCreated(
          REPOSITORY,
          { number, title: '', body: '' },
          { body: '/kubemend diagnose', login },
        ),
      },
      repository: REPOSITORY,
      apiUrl: gh.url,
      githubToken: TOKEN,
      workspace: ws,
      env: PACE,
    });
  }

  /** Requests to the API server since `from`, discovery aside. */
  const kubeRequests = (from: number) =>
    kube.log
      .slice(from)
      .filter((e) => e.verb !== 'discovery')
      .map((e) => `${e.verb} ${e.resource}${e.namespace ? ` in ${e.namespace}` : ''}`);
  const botComments = (n: number) =>
    repo()
      .commentsOn(n)
      .filter((c) => c.user !== 'octo-org')
      .map((c) => c.body);
  const refs = () => [...repo().refs.keys()].sort();

  it.each(['match', 'none', 'other'] as const)(
    "a read-only user's /kubemend diagnose on kube-system (identity %s) gets one polite reply, and nothing is read or written",
    async (identity) => {
      await start('oom-loop');
      const n = await personIssue();
      const before = { kube: kube.log.length, refs: refs(), issues: repo().issues.size };
      const run = await commentDiagnose(n, 'mallory', workspace(identity));
      expect(run.exitCode).toBe(0);
      expect(kubeRequests(before.kube)).toEqual([]);
      const replies = botComments(n);
      expect(replies).toHaveLength(1);
      expect(replies[0]).toMatch(
        /^@mallory, only people with write access to this repository \(or named in `commands.users` or `commands.teams` of the kubemend config\) can run `\/kubemend diagnose`; nothing was read or changed\.$/,
      );
      expect(diagnoses(n)).toEqual([]);
      expect(refs()).toEqual(before.refs);
      expect(repo().issues.size).toBe(before.issues);
      expect(run.outputs['top-cause'] ?? '').toBe('');
    },
    120_000,
  );

  it('a cluster-doctor label applied by a read-only user gets one polite reply and reads nothing', async () => {
    await start('oom-loop');
    const ws = workspace();
    const n = await oomIncident(ws);
    const before = { kube: kube.log.length, refs: refs() };
    const run = await diagnose(n, ws, 'cluster-doctor', 'mallory');
    expect(run.exitCode).toBe(0);
    expect(kubeRequests(before.kube)).toEqual([]);
    expect(diagnoses(n)).toEqual([]);
    expect(botComments(n).filter((b) => b.startsWith('@mallory'))).toEqual([
      expect.stringMatching(
        /^@mallory, only people with write access .* can start the cluster doctor with a label; nothing was read or changed\.$/,
      ),
    ]);
    expect(refs()).toEqual(before.refs);
  });

  it('a label applied by a bot is not answered and reads nothing', async () => {
    await start('oom-loop');
    const ws = workspace();
    const n = await oomIncident(ws);
    const comments = repo().commentsOn(n).length;
    const before = kube.log.length;
    const run = await diagnose(n, ws, 'cluster-doctor', 'renovate[bot]');
    expect(run.exitCode).toBe(0);
    expect(kubeRequests(before)).toEqual([]);
    expect(repo().commentsOn(n)).toHaveLength(comments);
  });

  it("a writer's diagnose on kube-system is refused before any read unless the config names it for diagnosis", async () => {
    await start('oom-loop');
    const n = await personIssue();
    let before = kube.log.length;
    await commentDiagnose(n, 'alice', workspace());
    expect(kubeRequests(before)).toEqual([]);
    expect(diagnoses(n)[0]?.body).toContain(
      'Not diagnosed: namespace kube-system is never read unless \\`diagnose.namespaces\\` of the kubemend config names it. Nothing was read.',
    );
    // Named for diagnosis, it is read (after the identity check).
    before = kube.log.length;
    await commentDiagnose(
      n,
      'alice',
      workspace('match', { diagnose: { namespaces: ['kube-system'] } }),
    );
    const read = kubeRequests(before);
    expect(read[0]).toBe('get namespaces');
    expect(read).toContain('get deployments in kube-system');
    expect(read.every((r) => !r.includes(' in ') || r.endsWith(' in kube-system'))).toBe(true);
    expect(diagnoses(n)).toHaveLength(1);
    expect(diagnoses(n)[0]?.body).not.toContain('Not diagnosed');
  });

  it("a writer's diagnose of a namespace that is neither opted in nor named is refused after one list of opted-in namespaces", async () => {
    await start('oom-loop');
    const n = await personIssue({
      title: 'billing',
      body: 'namespace: billing, deployment/invoices',
    });
    const before = kube.log.length;
    await commentDiagnose(n, 'alice', workspace());
    expect(kubeRequests(before)).toEqual(['get namespaces', 'list namespaces']);
    expect(diagnoses(n)[0]?.body).toContain(
      "Not diagnosed: namespace billing is neither the incident's nor labelled kubemend.io/remediate=true",
    );
  });

  it('a cluster the config does not list is refused before any read, with one comment saying why', async () => {
    await start('oom-loop');
    const n = await personIssue({
      title: 'worker dies',
      body: 'cluster: lab, namespace: shop, deployment/order-worker',
    });
    const before = kube.log.length;
    const run = await commentDiagnose(n, 'alice', workspace('none'));
    expect(run.exitCode).toBe(0);
    expect(kubeRequests(before)).toEqual([]);
    expect(diagnoses(n)).toHaveLength(1);
    expect(diagnoses(n)[0]?.body).toMatch(
      /Cluster lab is not listed under \\`clusters\\` in the kubemend config, so its identity cannot be checked\. Nothing was read/,
    );
  });
});
