// The example rehearsals (examples/rehearsals/) as a user runs them: the bundled CLI,
// `kubemend rehearse --json`, each result valid against the documented contract
// (schema/rehearsal-result.schema.json), every expectation held or listed as known
// failing with the issue that will fix it. The registry outage is the demo
// (test/demo.test.ts), in `npm test`; these stories run the bundled workflow jobs
// step after step for minutes, so they run in the heavy suite, which CI runs too.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { repoRoot } from '../../src/rehearse/action.js';
import type { RehearsalResult } from '../../src/rehearse/result.js';
import { rehearse } from './support.js';

const schema = JSON.parse(
  readFileSync(join(repoRoot, 'schema/rehearsal-result.schema.json'), 'utf8'),
) as object;
const validate = new Ajv2020({ allErrors: true, strict: true }).compile(schema);

async function json(file: string): Promise<RehearsalResult> {
  const { code, stdout, stderr } = await rehearse(['--json', `examples/rehearsals/${file}`]);
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  const result = JSON.parse(stdout) as RehearsalResult;
  expect(validate(result) ? [] : validate.errors).toEqual([]);
  return result;
}

const known = (result: RehearsalResult) =>
  result.expectations.filter((e) => e.knownFailing).map((e) => e.path);

describe('example rehearsals', () => {
  it('oom-propose: the raised limit is committed to the pull request, merged by a person, rolled out by Argo CD and verified by the sweep', async () => {
    const result = await json('oom-propose.yaml');
    expect(result.ok).toBe(true);
    expect(result.incidents[0]?.files['apps/shop/order-worker.yaml']).toContain('memory: 320Mi');
    expect(result.steps.map((s) => s.runs.filter((r) => r.workflow === 'argo-cd').length)).toEqual([
      0, 1, 0, 0,
    ]);
    expect(result.cluster.writes.filter((w) => !w.dryRun)).toEqual([]);
    expect(known(result)).toEqual([]);
    // The last sweep ran alone (its list of clusters, then a sweep per cluster): its scan
    // found nothing, so triage and the rest were skipped.
    expect(result.steps.at(-1)?.runs.filter((r) => r.conclusion !== 'skipped')).toEqual([
      { workflow: 'kubemend sweep', job: 'kubemend / clusters', conclusion: 'success' },
      { workflow: 'kubemend sweep', job: 'kubemend / sweep', conclusion: 'success' },
    ]);
  });

  it('node-cpu: every node decided on its own, the control plane never touched, the cordon undone by the sweep', async () => {
    const result = await json('node-cpu.yaml');
    expect(result.ok).toBe(true);
    expect(known(result)).toEqual([]);
    expect(result.cluster.nodes.find((n) => n.name === 'cp-1')?.schedulable).toBe(true);
    // Cordoned by the first run, uncordoned by the sweep: two writes to worker-1, none elsewhere.
    expect(
      result.cluster.writes.filter((w) => !w.dryRun && w.path.startsWith('/api/v1/nodes/')),
    ).toEqual([
      expect.objectContaining({ method: 'PATCH', path: '/api/v1/nodes/worker-1' }),
      expect.objectContaining({ method: 'PATCH', path: '/api/v1/nodes/worker-1' }),
    ]);
    expect(result.incidents[0]?.state).toBe('merged');
  });

  it('argocd-recovers: a healthy notification, then the sweep after the window closes the issue as recovered', async () => {
    const result = await json('argocd-recovers.yaml');
    expect(result.ok).toBe(true);
    expect(known(result)).toEqual([]);
    const [incident] = result.incidents;
    expect(incident).toMatchObject({ kind: 'issue', state: 'closed' });
    expect(incident?.labels).toContain('kubemend/recovered');
  });

  it("flux-helmrelease: Flux's own dispatch opens one incident, the reconcile fails while the cause stands, the retry after it is verified and merged, and info events write nothing", async () => {
    const result = await json('flux-helmrelease.yaml');
    expect(result.ok).toBe(true);
    expect(known(result)).toEqual([]);
    expect(result.incidents).toHaveLength(1);
    expect(result.incidents[0]).toMatchObject({ kind: 'pr', state: 'merged' });
    expect(result.incidents[0]?.labels).toEqual(
      expect.arrayContaining(['category/flux', 'kubemend/resolved']),
    );
    // Two reconcile requests: the first run's, while the cause stood, and the retry's.
    expect(
      result.cluster.writes
        .filter((w) => !w.dryRun && w.path.startsWith('/apis/helm.toolkit.fluxcd.io/'))
        .map((w) => `${w.method} ${w.path}`),
    ).toEqual([
      'PATCH /apis/helm.toolkit.fluxcd.io/v2/namespaces/podinfo/helmreleases/podinfo',
      'PATCH /apis/helm.toolkit.fluxcd.io/v2/namespaces/podinfo/helmreleases/podinfo',
    ]);
    // The recovery after the incident ended, and the other object's progress: read, nothing written.
    expect(result.steps.slice(-2).map((s) => s.github.writes)).toEqual([0, 0]);
  });

  it('argocd-doctor: a label starts the cluster doctor, which reads the crash from the cluster and names the rollout', async () => {
    const result = await json('argocd-doctor.yaml');
    expect(result.ok).toBe(true);
    expect(result.incidents[0]?.kind).toBe('issue');
    expect(result.steps[1]?.runs).toEqual([
      { workflow: 'kubemend cluster doctor', job: 'doctor', conclusion: 'success' },
    ]);
    // Issue 26: the rollout that began the crash ranks first and the fix is a rollback.
    expect(known(result)).toEqual([]);
  });

  it("stranger-commands: a reader's approval is refused, a writer's is obeyed", async () => {
    const result = await json('stranger-commands.yaml');
    expect(result.ok).toBe(true);
    expect(known(result)).toEqual([]);
    // Nothing was deleted until the run after Alice's approval.
    const deletes = result.steps.map(
      (s) => s.cluster.writes.filter((w) => w.method === 'DELETE' && !w.dryRun).length,
    );
    expect(deletes.slice(0, 4)).toEqual([0, 0, 0, 0]);
    expect(deletes[4]).toBeGreaterThan(0);
  });

  it('scan-registry-outage: no alert at all; the sweep scan opens one incident for the outage, the playbook fixes it, the next scan opens nothing', async () => {
    const result = await json('scan-registry-outage.yaml');
    expect(result.ok).toBe(true);
    expect(known(result)).toEqual([]);
    // No dispatch started anything: every run was the sweep's schedule.
    expect(result.incidents).toHaveLength(1);
    // The last sweep found nothing to feed: it wrote nothing to GitHub.
    expect(result.steps.at(-1)?.github.writes).toBe(0);
  });

  it('relay-storm: 200 notifications through kubemend relay are three dispatches; the incident counts all 200 and the late resolved notification opens nothing', async () => {
    const result = await json('relay-storm.yaml');
    expect(result.ok).toBe(true);
    expect(known(result)).toEqual([]);
    expect(result.incidents).toHaveLength(1);
    expect(result.steps[0]?.summary).toMatch(
      /200 alerts .* to kubemend relay: 1 dispatch to GitHub/,
    );
    expect(result.steps.map((s) => s.workflowRuns).reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(
      4,
    );
    // The resolved notification after the merge: intake read, wrote nothing.
    expect(result.steps.at(-1)?.github.writes).toBe(0);
  });

  it("several-clusters: each alert acted on through its own cluster's credentials, the cluster without any and the one with a mismatched identity left untouched, each sweep job on its own cluster", async () => {
    const result = await json('several-clusters.yaml');
    expect(result.ok).toBe(true);
    expect(known(result)).toEqual([]);
    const writes = (cluster: string) =>
      result.cluster.writes.filter((w) => !w.dryRun && w.cluster === cluster && w.status < 300);
    // homelab: its stuck pods deleted; production: worker-1 cordoned, then uncordoned by the sweep.
    expect(writes('homelab').some((w) => w.method === 'DELETE')).toBe(true);
    expect(writes('production').filter((w) => w.path === '/api/v1/nodes/worker-1')).toHaveLength(2);
    // edge has no credentials and staging shows another identity: not one request reached either.
    expect(result.cluster.writes.filter((w) => ['edge', 'staging'].includes(w.cluster))).toEqual(
      [],
    );
    const [, , edge, staging] = result.incidents;
    expect(edge?.labels).toContain('kubemend/needs-human');
    // Said once: edge fired twice, and its timeline says nothing was attempted in one line.
    const timeline = (edge?.comments[0]?.body ?? '').split('#### Timeline')[1] ?? '';
    expect(timeline.split('\n').filter((l) => l.includes('nothing was attempted'))).toHaveLength(1);
    expect(edge?.comments).toHaveLength(1);
    expect(staging?.comments.map((c) => c.body).join('\n')).toContain('cluster identity mismatch');
    expect(result.incidents.map((i) => i.state)).toEqual(['merged', 'merged', 'open', 'open']);
  });
});
