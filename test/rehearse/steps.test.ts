// Each kind of step played on the simulated cluster and GitHub, judged by what they show:
// people open issues, label, comment and merge with the permission the story gives them
// (GitHub refuses the rest), the cluster's facts change and time passes, and alerts are
// dispatched to the shipped workflows. Stories are small files written here.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readRehearsal } from '../../src/rehearse/file.js';
import { identityBlock } from '../../src/rehearse/identity.js';
import { scenarioExists } from '../../src/rehearse/scenarios.js';
import { play } from '../../src/rehearse/story.js';
import { rehearse } from './support.js';

const dir = mkdtempSync(join(tmpdir(), 'kubemend-steps-'));
mkdirSync(join(dir, 'alerts'));
writeFileSync(
  join(dir, 'alerts/api.json'),
  JSON.stringify({
    title: 'api is crash-looping',
    cluster: 'lab',
    namespace: 'shop',
    resource: 'Deployment/api',
    message: 'Back-off restarting failed container api in pod api-1',
  }),
);
writeFileSync(
  join(dir, 'kubemend.yml'),
  `diagnose:\n  namespaces: [shop]\n${identityBlock(['lab']).replace(/^#.*\n/, '')}\n`,
);

mkdirSync(join(dir, 'gitops/ci'), { recursive: true });
writeFileSync(
  join(dir, 'gitops/ci/alerts.yml'),
  `name: my alerts
on:
  repository_dispatch:
    types: [kubemend-alert]
jobs:
  kubemend:
    uses: kubemend/kubemend/.github/workflows/kubemend.yml@v0
    with:
      incident-mode: issue
    secrets:
      kubeconfig: \${{ secrets.KUBECONFIG }}
      token: \${{ secrets.KUBEMEND_TOKEN }}
`,
);

let n = 0;
function story(text: string): string {
  const path = join(dir, `story-${n++}.yaml`);
  writeFileSync(
    path,
    `cluster: lab\nconfig: kubemend.yml\nusers: { alice: write, mallory: read }\n${text}`,
  );
  return path;
}
const playFile = async (text: string) =>
  (await play(readRehearsal(story(text), scenarioExists))).result;

describe('rehearsal steps', () => {
  it("open-issue, label and comment: a reader's label is refused, a writer's starts the cluster doctor, a reader's command is answered with a refusal", async () => {
    const result = await playFile(`
scenario: bad-rollout
steps:
  - at: 0s
    open-issue: { by: mallory, title: api is down, body: 'namespace: shop' }
  - at: 1m
    label: { by: mallory, name: cluster-doctor, on: 1 }
    expect:
      incident: { number: 1, labels: { exclude: [cluster-doctor] } }
  - at: 2m
    label: { by: alice, name: cluster-doctor, on: 1 }
  - at: 3m
    comment: { by: mallory, body: /kubemend diagnose, on: 1 }
`);
    expect(result.expectations.filter((e) => !e.ok)).toEqual([]);
    expect(result.incidents).toEqual([]);
    const issue = result.issues[0];
    expect(issue).toMatchObject({
      number: 1,
      kind: 'issue',
      author: 'mallory',
      title: 'api is down',
    });
    expect(issue?.labels).toContain('cluster-doctor');
    const doctorRuns = result.steps.map((s) =>
      s.runs.filter((r) => r.workflow === 'kubemend cluster doctor').map((r) => r.conclusion),
    );
    // GitHub refused Mallory's label: no event, no run. Alice's and Mallory's comment each start one.
    expect(doctorRuns).toEqual([[], [], ['success'], ['success']]);
    const comments = issue?.comments.map((c) => c.body) ?? [];
    expect(comments.some((c) => c.includes('### kubemend diagnosis'))).toBe(true);
    expect(comments.some((c) => c.includes('@mallory, only people with write access'))).toBe(true);
  });

  it('facts and time: the cluster changes at its time and a check step sees the kubelet recover', async () => {
    const result = await playFile(`
scenario: registry-outage
steps:
  - at: 0s
    facts: { registries: { docker.io: ok } }
    expect:
      cluster: { pods: { 'shop/storefront-*': { status: ImagePullBackOff } } }
  - at: 6m
    expect:
      cluster: { pods: { 'shop/storefront-*': { status: Running, ready: true } } }
`);
    expect(result.steps.map((s) => [s.at, s.kind, s.runs.length])).toEqual([
      ['0s', 'facts', 0],
      ['6m', 'check', 0],
    ]);
    expect(result.expectations.map((e) => [e.path, e.ok])).toEqual([
      ['steps[0].cluster.pods[shop/storefront-*]', true],
      ['steps[1].cluster.pods[shop/storefront-*]', true],
    ]);
    expect(result.github.requests).toBe(0);
  });

  it("dispatch and merge: an alert opens a pull request; a reader's merge is refused, a writer's merges it", async () => {
    const result = await playFile(`
scenario: bad-rollout
steps:
  - at: 0s
    dispatch: alerts/api.json
    expect:
      incidents: 1
      incident: { kind: pr, state: open, labels: { include: [kubemend/dry-run] } }
  - at: 5m
    merge: { by: mallory }
    expect:
      incident: { state: open }
  - at: 6m
    merge: { by: alice }
expect:
  incident: { state: merged }
  cluster:
    # Every playbook starts in dry-run: the cluster saw dry runs only.
    writes: { exclude: ['*'] }
`);
    expect(result.expectations.filter((e) => !e.ok)).toEqual([]);
    expect(result.steps[0]?.runs.map((r) => r.job)).toEqual(
      expect.arrayContaining(['kubemend / intake', 'kubemend / triage', 'kubemend / report']),
    );
    expect(result.cluster.writes.length).toBeGreaterThan(0);
    expect(result.cluster.writes.every((w) => w.dryRun)).toBe(true);
  });

  it("runs the user's own caller workflow from gitops/ instead of the quick start's template", async () => {
    const result = await playFile(`
scenario: bad-rollout
gitops: gitops
workflow: ci/alerts.yml
steps:
  - at: 0s
    dispatch: alerts/api.json
expect:
  incidents: 1
  incident: { kind: issue }
`);
    expect(result.expectations.filter((e) => !e.ok)).toEqual([]);
    expect(new Set(result.steps[0]?.runs.map((r) => r.workflow))).toEqual(
      new Set(['my alerts', 'kubemend cluster doctor']),
    );
  });

  it('fails with exit 1 and one readable line for each expectation that does not hold', async () => {
    const { code, stdout, stderr } = await rehearse([
      story(`
scenario: registry-outage
steps:
  - at: 0s
    facts: { registries: { docker.io: ok } }
expect:
  incidents: 2
  cluster: { pods: { 'shop/storefront-*': { status: Running } } }
`),
    ]);
    expect(code).toBe(1);
    expect(stderr).toBe('');
    const failures = stdout.split('\n').filter((l) => l.startsWith('✗'));
    expect(failures).toEqual([
      '✗ incidents: 2 incident(s) expected; kubemend opened 0.',
      expect.stringMatching(
        /^✗ cluster\.pods\[shop\/storefront-\*\]: pods matching shop\/storefront-\* should show status Running; storefront-\S+ is ImagePullBackOff/,
      ),
    ]);
    expect(stdout).toMatch(/^FAIL: /m);
  });

  it('prints the simulated cluster identity, the same for every run of a cluster name', async () => {
    const file = story('scenario: registry-outage\nsteps:\n  - at: 0s\n    facts: {}\n');
    const first = await rehearse(['--print-identity', file]);
    const second = await rehearse(['--print-identity', file]);
    expect(first.code).toBe(0);
    expect(first.stdout).toBe(second.stdout);
    expect(first.stdout).toMatch(
      /^clusters:\n {2}lab:\n {4}ca-sha256: [0-9a-f]{64}\n {4}kube-system-uid: [0-9a-f-]{36}$/m,
    );
  });
});
