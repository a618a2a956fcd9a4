// The sweep stage with the real Octokit against the GitHub emulator and the real
// client-node against the Kubernetes emulator (node-high-cpu: the Deployment etl, the
// DaemonSet node-exporter and the workers are healthy). Incidents are seeded as intake
// would have left them; the sweep reads them from a list, observes their targets with
// list calls, and finishes, closes as stale or leaves each one as its rules say.
import type { KubeConfig, V1Node } from '@kubernetes/client-node';
import type { KubemendConfig } from '../../src/config/config.js';
import { identityOfRecord } from '../../src/alerts/identity.js';
import { KubeClient } from '../../src/kube/client.js';
import { parseRecord, type IncidentRecord } from '../../src/incidents/record.js';
import { CORDONED_BY } from '../../src/remediation/playbooks/node.js';
import { startGitHubEmulator, type GitHubEmulator } from '../../src/sim/github/server.js';
import type { KubeEmulator } from '../../src/sim/kube/server.js';
import { sweep } from '../../src/sweep/stage.js';
import { simulatedCluster } from '../remediation/support.js';
import { githubClient, recordOf, REPOSITORY, seedIncident, sweepConfig } from './support.js';

const NOW = Date.parse('2026-11-22T03:00:00Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const RUN_URL = 'https://github.com/octo-org/gitops/actions/runs/4242';

let gh: GitHubEmulator;
let kube: KubeEmulator;
let kc: KubeConfig;
const repo = () => gh.repo(REPOSITORY);

beforeEach(async () => {
  gh = await startGitHubEmulator({ repos: [REPOSITORY], budget: 100_000 });
  gh.clock.set(NOW);
  ({ kube, kc } = await simulatedCluster('node-high-cpu'));
});
afterEach(async () => {
  await gh.close();
  await kube.close();
});

function runSweep(config: KubemendConfig = sweepConfig(kube, ['homelab'])) {
  const github = githubClient(gh);
  return sweep({
    github,
    config,
    kubeconfig: kc,
    log: () => {},
    runUrl: RUN_URL,
    trigger: 'schedule',
  });
}

/** A generic alert about the Deployment analytics/etl (healthy on the cluster). */
const etl = (title: string, status: 'firing' | 'resolved', cluster = 'homelab') => ({
  title,
  cluster,
  severity: 'warning',
  status,
  namespace: 'analytics',
  resource: 'Deployment/etl',
  message: 'etl is slow',
});

/** A record whose alert last spoke `ago` ms before now, with `status`. */
const recordAgo = (payload: Record<string, unknown>, ago: number) => recordOf(payload, NOW - ago);

const issue = (number: number) => repo().issues.get(number)!;
const statusComment = (number: number) =>
  repo()
    .commentsOn(number)
    .find((c) => c.body.startsWith('<!-- kubemend:status -->'))?.body;
const stateRow = (number: number) => /^\| State \| (.*) \|$/m.exec(issue(number).body ?? '')?.[1];
function recordFile(record: IncidentRecord): IncidentRecord {
  const { branch, recordPath } = identityOfRecord(record);
  const text = repo().readFile(branch, recordPath);
  const found = text === undefined ? undefined : parseRecord(text);
  if (!found) throw new Error(`no record at ${recordPath} on ${branch}`);
  return found;
}
const node = async (name: string) =>
  (await fetch(`${kube.url}/api/v1/nodes/${name}`)).json() as Promise<V1Node>;

describe('sweep', () => {
  it('with nothing to change, sweeps 100 open incidents in at most 5 GitHub requests and writes nothing', async () => {
    const targets = [
      { namespace: 'analytics', resource: 'Deployment/etl' },
      { namespace: 'monitoring', resource: 'DaemonSet/node-exporter' },
      { resource: 'node/worker-1' },
      { resource: 'node/worker-3' },
    ];
    for (let i = 0; i < 100; i++) {
      // Firing now, resolved within the stable window, or snoozed: none may change.
      const kind = i % 3;
      const record = recordAgo(
        {
          title: `Problem ${i}`,
          cluster: 'homelab',
          status: kind === 1 ? 'resolved' : 'firing',
          ...targets[i % targets.length],
        },
        kind === 1 ? 2 * MINUTE : kind === 2 ? 2 * HOUR : MINUTE,
      );
      if (kind === 2)
        record.controls = {
          snoozedUntil: new Date(NOW + HOUR).toISOString(),
          autoclose: null,
          dryRun: false,
          retryRequestedAt: null,
          approvals: [],
          log: [],
        };
      seedIncident(gh, record, i % 2 ? 'pull' : 'issue');
    }
    const before = gh.log.length;
    const kubeWrites = kube.writes().length;

    const outcome = await runSweep();

    expect(outcome).toMatchObject({ incidents: 100, targets: 100, changed: [], closed: 0 });
    expect(outcome.warnings).toEqual([]);
    expect(outcome.githubRequests).toBeLessThanOrEqual(5);
    expect(gh.log.length - before).toBe(outcome.githubRequests);
    expect(gh.writes().length).toBe(0);
    expect(kube.writes().length).toBe(kubeWrites);
    expect(repo().openIssues().length + repo().openPulls().length).toBe(100);
    // Four targets in two namespaces and the nodes: the same lists however many incidents.
    expect(kube.log.filter((e) => e.verb === 'list')).toHaveLength(5);
  });

  it('closes an issue resolved at the source longer ago than the stable window, its targets healthy, as recovered', async () => {
    const record = recordAgo(etl('Etl lagging', 'resolved'), 20 * MINUTE);
    const number = seedIncident(gh, record, 'issue');

    const outcome = await runSweep();

    expect(outcome.changed).toEqual([
      {
        number,
        from: 'firing',
        to: 'recovered',
        ending: 'Closed as completed after verification.',
      },
    ]);
    expect(outcome.closed).toBe(1);
    expect(issue(number)).toMatchObject({ state: 'closed', stateReason: 'completed' });
    expect(issue(number).labels).toContain('kubemend/recovered');
    expect(issue(number).labels).not.toContain('kubemend/firing');
    expect(stateRow(number)).toBe('recovered since 2026-11-22T03:00:00Z');
    const file = recordFile(record);
    expect(file).toMatchObject({ state: 'recovered', incident: { state: 'closed' } });
    const entry = file.timeline.entries.at(-1)!;
    expect(entry).toMatchObject({ stage: 'sweep', trigger: 'schedule', outcome: 'recovered' });
    expect(entry.summary).toMatch(/^resolved at the source since .* and healthy on the cluster$/);
    // The status comment shows the sweep's line of the timeline.
    expect(statusComment(number)).toMatch(
      /\| 2026-11-22T03:00:00Z \| schedule \| sweep \| — \| recovered \| resolved at the source since .* and healthy on the cluster \[run\]\(https:\/\/github\.com\/octo-org\/gitops\/actions\/runs\/4242\) \|/,
    );
    expect(statusComment(number)).toContain('🌤️ **Recovered**');
  });

  it('merges a pull request resolved at the source longer ago than the stable window as resolved when kubemend acted live on a target', async () => {
    const record = recordAgo(etl('Etl crash looping', 'resolved'), 30 * MINUTE);
    record.targets[0]!.action = {
      at: new Date(NOW - 40 * MINUTE).toISOString(),
      by: 'crash-loop',
      mode: 'auto',
      what: 'rollout restart (patch Deployment)',
      live: true,
    };
    const number = seedIncident(gh, record, 'pull');

    const outcome = await runSweep();

    expect(outcome.changed).toEqual([
      { number, from: 'firing', to: 'resolved', ending: 'Merged (squash) after verification.' },
    ]);
    expect(issue(number).pull?.merged).toBe(true);
    expect(issue(number).labels).toContain('kubemend/resolved');
    expect(stateRow(number)).toBe('resolved since 2026-11-22T03:00:00Z');
    expect(statusComment(number)).toMatch(
      /\| 2026-11-22T03:00:00Z \| schedule \| sweep \| — \| resolved \| resolved at the source since .* and healthy on the cluster/,
    );
  });

  it('leaves open an incident resolved at the source within the stable window', async () => {
    const number = seedIncident(gh, recordAgo(etl('Etl lagging', 'resolved'), 5 * MINUTE), 'issue');
    const outcome = await runSweep();
    expect(outcome).toMatchObject({ incidents: 1, changed: [], closed: 0 });
    expect(issue(number).state).toBe('open');
    expect(issue(number).labels).toContain('kubemend/firing');
    expect(gh.writes()).toEqual([]);
  });

  it('never closes an incident still firing at the source, even when its targets are healthy', async () => {
    // First seen a day ago, last seen within sweep.stale-after: still firing.
    const number = seedIncident(gh, recordAgo(etl('Etl lagging', 'firing'), 23 * HOUR), 'pull');
    const outcome = await runSweep();
    expect(outcome).toMatchObject({ incidents: 1, targets: 1, changed: [], closed: 0 });
    expect(issue(number).state).toBe('open');
    expect(gh.writes()).toEqual([]);
  });

  it('leaves a snoozed incident alone, even one that would be closed', async () => {
    const record = recordAgo(etl('Etl lagging', 'resolved'), 2 * HOUR);
    record.controls = {
      snoozedUntil: new Date(NOW + HOUR).toISOString(),
      autoclose: null,
      dryRun: false,
      retryRequestedAt: null,
      approvals: [],
      log: [
        { verb: 'snooze', arg: '3h', by: 'octocat', at: new Date(NOW - 2 * HOUR).toISOString() },
      ],
    };
    const number = seedIncident(gh, record, 'issue');
    const outcome = await runSweep();
    expect(outcome.changed).toEqual([]);
    expect(issue(number).state).toBe('open');
    expect(gh.writes()).toEqual([]);
  });

  it('closes as stale an incident firing at the source that no alert spoke of for longer than sweep.stale-after, its targets healthy', async () => {
    const asIssue = seedIncident(gh, recordAgo(etl('Etl lagging', 'firing'), 25 * HOUR), 'issue');
    const asPull = seedIncident(gh, recordAgo(etl('Etl stuck', 'firing'), 25 * HOUR), 'pull');

    const outcome = await runSweep();

    // The list answers newest first; the order of the sweep's work says nothing.
    expect([...outcome.changed].sort((a, b) => a.number - b.number)).toEqual([
      { number: asIssue, from: 'firing', to: 'stale', ending: 'Closed as stale (not planned).' },
      { number: asPull, from: 'firing', to: 'stale', ending: 'Closed as stale without merging.' },
    ]);
    expect(issue(asIssue)).toMatchObject({ state: 'closed', stateReason: 'not_planned' });
    expect(issue(asPull)).toMatchObject({ state: 'closed' });
    expect(issue(asPull).pull?.merged).toBe(false);
    for (const number of [asIssue, asPull]) {
      expect(issue(number).labels).toContain('kubemend/stale');
      expect(issue(number).labels).not.toContain('kubemend/firing');
      expect(stateRow(number)).toBe('stale since 2026-11-22T03:00:00Z');
    }
  });

  it('neither observes nor closes an incident of a cluster whose identity is not configured, and warns naming the cluster', async () => {
    const number = seedIncident(
      gh,
      recordAgo(etl('Etl lagging', 'resolved', 'elsewhere'), 2 * HOUR),
      'issue',
    );
    const outcome = await runSweep(sweepConfig(kube, ['homelab']));
    expect(outcome).toMatchObject({ incidents: 1, targets: 0, changed: [], closed: 0 });
    expect(outcome.warnings).toEqual([
      expect.stringMatching(/^Cluster elsewhere: its identity is not configured/),
    ]);
    expect(outcome.warnings[0]).toContain(`  elsewhere:\n    server: ${kube.url}`);
    expect(kube.log.filter((e) => e.verb === 'list')).toEqual([]);
    expect(issue(number).state).toBe('open');
    expect(gh.writes()).toEqual([]);
  });

  describe('a node kubemend cordoned for the incident', () => {
    /** NodeHighCPU on worker-1 and worker-2, resolved: kubemend cordoned worker-1, a person worker-2. */
    async function cordoned(): Promise<{ record: IncidentRecord; number: number }> {
      const record = recordOf(
        {
          version: '4',
          groupKey: '{}:{alertname="NodeHighCPU"}',
          status: 'resolved',
          alerts: ['worker-1', 'worker-2'].map((name) => ({
            status: 'resolved',
            labels: {
              alertname: 'NodeHighCPU',
              cluster: 'homelab',
              node: name,
              severity: 'warning',
            },
            annotations: { summary: `CPU above 90% on ${name}` },
            startsAt: new Date(NOW - 2 * HOUR).toISOString(),
          })),
        },
        NOW - 20 * MINUTE,
      );
      const worker1 = record.targets.find((t) => t.ref === 'Node/worker-1')!;
      worker1.action = {
        at: new Date(NOW - HOUR).toISOString(),
        by: 'node',
        mode: 'auto',
        what: 'cordon (patch Node)',
        live: true,
      };
      const admin = new KubeClient(kc, { dryRun: false, backoffMs: 5 });
      await admin.patch(
        { apiVersion: 'v1', kind: 'Node', name: 'worker-1' },
        {
          metadata: { annotations: { [CORDONED_BY]: identityOfRecord(record).hash8 } },
          spec: { unschedulable: true },
        },
      );
      await admin.patch(
        { apiVersion: 'v1', kind: 'Node', name: 'worker-2' },
        { spec: { unschedulable: true } },
      );
      return { record, number: seedIncident(gh, record, 'issue') };
    }

    it("is uncordoned when the incident finishes and playbooks.node.uncordon is on; a person's cordon stays", async () => {
      const { record, number } = await cordoned();
      const outcome = await runSweep(
        sweepConfig(kube, ['homelab'], 'playbooks:\n  node:\n    uncordon: true\n'),
      );
      expect(outcome.changed).toEqual([expect.objectContaining({ number, to: 'resolved' })]);
      const one = await node('worker-1');
      expect(one.spec?.unschedulable).toBeFalsy();
      expect(one.metadata?.annotations?.[CORDONED_BY]).toBeUndefined();
      expect((await node('worker-2')).spec?.unschedulable).toBe(true);
      expect(issue(number)).toMatchObject({ state: 'closed', stateReason: 'completed' });
      expect(issue(number).labels).toContain('kubemend/resolved');
      const file = recordFile(record);
      expect(file.timeline.entries.at(-1)?.actions).toEqual([
        `uncordon Node/worker-1: Node worker-1: uncordoned (kubemend cordoned it for incident ${identityOfRecord(record).hash8})`,
      ]);
      expect(file.targets.find((t) => t.ref === 'Node/worker-1')?.action).toMatchObject({
        by: 'sweep',
        what: 'uncordon (patch Node)',
        live: true,
      });
    });

    it('stays cordoned when playbooks.node.uncordon is off, though the incident finishes', async () => {
      const { number } = await cordoned();
      const outcome = await runSweep();
      expect(outcome.changed).toEqual([expect.objectContaining({ number, to: 'resolved' })]);
      expect((await node('worker-1')).spec?.unschedulable).toBe(true);
      expect(kube.writes().filter((w) => w.verb === 'patch' && w.name === 'worker-1')).toHaveLength(
        1,
      );
    });
  });
});
