// The example rehearsals (examples/rehearsals/) as a user runs them: the bundled CLI,
// `kubemend rehearse --json`, each result valid against the documented contract
// (schema/rehearsal-result.schema.json), every expectation held or listed as known
// failing with the issue that will fix it. The registry outage is the demo
// (test/demo.test.ts).
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
  it('oom-propose: the raised limit is committed to the pull request, merged by a person and rolled out by Argo CD', async () => {
    const result = await json('oom-propose.yaml');
    expect(result.ok).toBe(true);
    expect(result.incidents[0]?.files['apps/shop/order-worker.yaml']).toContain('memory: 320Mi');
    expect(result.steps.map((s) => s.runs.filter((r) => r.workflow === 'argo-cd').length)).toEqual([
      0, 1, 0,
    ]);
    expect(result.cluster.writes.filter((w) => !w.dryRun)).toEqual([]);
    expect(known(result)).toEqual([
      'steps[0].incident.labels.exclude[kubemend/dry-run]',
      'steps[0].incident.comments.not-contain[nothing was changed]',
      'incident.labels.exclude[kubemend/needs-human]',
    ]);
  });

  it('node-cpu: the control-plane node is never touched', async () => {
    const result = await json('node-cpu.yaml');
    expect(result.ok).toBe(true);
    expect(result.cluster.nodes.find((n) => n.name === 'cp-1')?.schedulable).toBe(true);
    expect(known(result)).toEqual([
      'cluster.writes.include[PATCH /api/v1/nodes/worker-*]',
      'cluster.nodes[worker-1]',
    ]);
  });

  it('argocd-doctor: a label starts the cluster doctor, which reads the crash from the cluster', async () => {
    const result = await json('argocd-doctor.yaml');
    expect(result.ok).toBe(true);
    expect(result.incidents[0]?.kind).toBe('issue');
    expect(result.steps[1]?.runs).toEqual([
      { workflow: 'kubemend cluster doctor', job: 'doctor', conclusion: 'success' },
    ]);
    expect(known(result)).toHaveLength(2);
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
});
