// Rehearsal files as users write them, wrong: each mistake is refused before the story
// starts, exit 2 with one line naming the field and what is allowed.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../../src/cli/index.js';
import { readRehearsal } from '../../src/rehearse/file.js';
import { scenarioExists } from '../../src/rehearse/scenarios.js';

const dir = mkdtempSync(join(tmpdir(), 'kubemend-rehearsal-file-'));
mkdirSync(join(dir, 'alerts'));
writeFileSync(join(dir, 'alerts/firing.json'), JSON.stringify({ title: 'api is down' }));
writeFileSync(
  join(dir, 'alerts/body.json'),
  JSON.stringify({ event_type: 'kubemend-retry', client_payload: { number: 1 } }),
);
writeFileSync(join(dir, 'kubemend.yml'), 'playbooks: {}\n');

const GOOD = `
scenario: registry-outage
cluster: homelab
config: kubemend.yml
users: { alice: write, mallory: read }
steps:
  - at: 0s
    dispatch: alerts/firing.json
    times: 3
    concurrency: 2
  - at: 4m
    facts: { registries: { docker.io: ok } }
  - at: 5m
    comment: { by: mallory, body: /kubemend approve }
  - at: 6m
    label: { by: alice, name: cluster-doctor, on: 3 }
  - at: 7m
    open-issue: { by: mallory, title: checkout is down, body: "namespace: shop" }
  - at: 1h 30m
    merge: { by: alice }
  - at: 2h
    sweep: {}
expect:
  incidents: 1
  incident:
    state: merged
    labels: { include: [category/image-pull], exclude: [kubemend/needs-human] }
  cluster:
    writes: { exclude: ["* /api/v1/nodes/cp-1*"] }
  github: { max-requests: 100 }
`;

const SEVERAL = `
clusters:
  homelab: { scenario: registry-outage }
  edge: { scenario: node-high-cpu, credentials: false }
config: kubemend.yml
steps:
  - at: 0s
    dispatch: alerts/firing.json
  - at: 4m
    facts: { registries: { docker.io: ok } }
  - at: 5m
    facts: { registries: { docker.io: ok } }
    cluster: edge
expect:
  clusters:
    edge: { writes: { exclude: ['*'] } }
`;

let n = 0;
function file(text: string): string {
  const path = join(dir, `rehearsal-${n++}.yaml`);
  writeFileSync(path, text);
  return path;
}

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await cli(args, {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    readStdin: () => Buffer.alloc(0),
  });
  return { code, stdout, stderr };
}

describe('a rehearsal file', () => {
  it('reads every step kind, with times on the simulated clock and paths beside the file', () => {
    const rehearsal = readRehearsal(file(GOOD), scenarioExists);
    expect(rehearsal.steps.map((s) => [s.kind, s.at])).toEqual([
      ['dispatch', 0],
      ['facts', 240_000],
      ['comment', 300_000],
      ['label', 360_000],
      ['open-issue', 420_000],
      ['merge', 5_400_000],
      ['sweep', 7_200_000],
    ]);
    expect(rehearsal.steps[0]).toMatchObject({
      body: { event_type: 'kubemend-alert', client_payload: { title: 'api is down' } },
      times: 3,
      concurrency: 2,
    });
    expect(rehearsal.steps[3]).toMatchObject({ on: 3 });
    expect(rehearsal.steps[2]).toMatchObject({ on: 'incident', by: 'mallory' });
    expect(rehearsal.config).toBe(join(dir, 'kubemend.yml'));
    expect(rehearsal).toMatchObject({ workflow: 'reusable', incidentMode: 'pr', clockRate: 1 });
  });

  it('takes a whole repository_dispatch body with its own event type', () => {
    const rehearsal = readRehearsal(
      file(GOOD.replace('alerts/firing.json', 'alerts/body.json')),
      scenarioExists,
    );
    expect(rehearsal.steps[0]).toMatchObject({
      body: { event_type: 'kubemend-retry', client_payload: { number: 1 } },
    });
  });

  it('reads several clusters, each with its scenario and whether kubemend has credentials for it', () => {
    const rehearsal = readRehearsal(file(SEVERAL), scenarioExists);
    expect(rehearsal.clusters).toEqual([
      { name: 'homelab', scenario: 'registry-outage', credentials: true },
      { name: 'edge', scenario: 'node-high-cpu', credentials: false },
    ]);
    // The first cluster is the one facts steps change unless they name another.
    expect(rehearsal.cluster).toBe('homelab');
    expect(rehearsal.steps.map((s) => (s.kind === 'facts' ? s.cluster : s.kind))).toEqual([
      'dispatch',
      'homelab',
      'edge',
    ]);
  });

  it.each([
    ['an unknown key', GOOD.replace('cluster: homelab', 'cluster: homelab\nclustr: lab'), 'clustr'],
    ['a bad duration', GOOD.replace('at: 4m', 'at: 4 minutes'), '\'steps[1].at\' is "4 minutes"'],
    [
      'a missing payload file',
      GOOD.replace('alerts/firing.json', 'alerts/missing.json'),
      '\'steps[0].dispatch\' names "alerts/missing.json", which does not exist',
    ],
    [
      'an unknown user in a step',
      GOOD.replace('by: mallory, body', 'by: bob, body'),
      '\'steps[2].comment.by\' is "bob", not a user of this rehearsal; allowed: alice, mallory',
    ],
    ['steps out of time order', GOOD.replace('at: 6m', 'at: 1m'), "'steps[3].at' is before"],
    [
      'two actions in one step',
      GOOD.replace('facts: {', 'merge: { by: alice }\n    facts: {'),
      "'steps[1]' has facts and merge",
    ],
    [
      'an unknown scenario',
      GOOD.replace('scenario: registry-outage', 'scenario: registry-outgae'),
      '\'scenario\' is "registry-outgae"',
    ],
    [
      'an unknown permission',
      GOOD.replace('mallory: read', 'mallory: owner'),
      '\'users.mallory\' is "owner"; allowed: one of read, triage, write, maintain, admin',
    ],
    [
      'a sweep with options',
      GOOD.replace('sweep: {}', 'sweep: { every: 10m }'),
      "'steps[6].sweep.every'",
    ],
    ['a sweep that is not a mapping', GOOD.replace('sweep: {}', 'sweep: true'), "'steps[6].sweep'"],
    [
      'a sweep with another action',
      GOOD.replace('sweep: {}', 'sweep: {}\n    merge: { by: alice }'),
      "'steps[6]' has merge and sweep",
    ],
    [
      'times on a sweep',
      GOOD.replace('sweep: {}', 'sweep: {}\n    times: 2'),
      "'steps[6].times' belongs to a dispatch step; this step is sweep",
    ],
    [
      'times on a comment',
      GOOD.replace('body: /kubemend approve }', 'body: hi }\n    times: 2'),
      "'steps[2].times' belongs to a dispatch step",
    ],
    [
      'clusters beside scenario',
      SEVERAL.replace('config:', 'scenario: registry-outage\nconfig:'),
      "'scenario' goes with one cluster; this file has clusters:",
    ],
    [
      'neither scenario nor clusters',
      GOOD.replace('scenario: registry-outage\n', ''),
      "'scenario' is missing; allowed: scenario and cluster for one cluster, or clusters: for several",
    ],
    [
      'a facts step naming a cluster the story does not have',
      SEVERAL.replace('cluster: edge', 'cluster: staging'),
      '\'steps[2].cluster\' is "staging", not a cluster of this rehearsal; allowed: homelab, edge',
    ],
    [
      'a cluster on a step other than facts',
      SEVERAL.replace(
        'dispatch: alerts/firing.json',
        'dispatch: alerts/firing.json\n    cluster: edge',
      ),
      "'steps[0].cluster' belongs to a facts step; this step is dispatch",
    ],
    [
      'expectations for a cluster the story does not have',
      SEVERAL.replace('    edge: { writes', '    prod: { writes'),
      "'expect.clusters.prod' is not a cluster of this rehearsal; allowed: homelab, edge",
    ],
    [
      "a cluster's unknown scenario",
      SEVERAL.replace('scenario: node-high-cpu', 'scenario: node-hi-cpu'),
      '\'clusters.edge.scenario\' is "node-hi-cpu"',
    ],
  ])('with %s exits 2 with one line naming the field', async (_what, text, field) => {
    const result = await run(['rehearse', file(text)]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(field);
    expect(result.stdout).toBe('');
  });

  it('refuses a second FILE and unknown options', async () => {
    expect((await run(['rehearse', file(GOOD), file(GOOD)])).code).toBe(2);
    const unknown = await run(['rehearse', '--jsn', file(GOOD)]);
    expect(unknown).toMatchObject({ code: 2 });
    expect(unknown.stderr).toContain('allowed: --json, --print-identity');
  });
});
