// The sweep's scan with the real Octokit against the GitHub emulator and the real
// client-node against the Kubernetes emulator (oom-loop: the Deployment shop/order-worker
// is killed for memory again and again, nothing else is wrong). No alert is wired: the
// scan is the source, and intake keys its findings as any alert's.
import type { KubeConfig } from '@kubernetes/client-node';
import type { KubemendConfig } from '../../src/config/config.js';
import { identityOfRecord } from '../../src/alerts/identity.js';
import { parseRecord, type IncidentRecord } from '../../src/incidents/record.js';
import { startGitHubEmulator, type GitHubEmulator } from '../../src/sim/github/server.js';
import type { KubeEmulator } from '../../src/sim/kube/server.js';
import { sweep } from '../../src/sweep/stage.js';
import { simulatedCluster } from '../remediation/support.js';
import { githubClient, recordOf, REPOSITORY, seedIncident, sweepConfig } from './support.js';

const NOW = Date.parse('2026-11-22T03:00:00Z');
const MINUTE = 60_000;

let gh: GitHubEmulator;
let kube: KubeEmulator;
let kc: KubeConfig;
const repo = () => gh.repo(REPOSITORY);

beforeEach(async () => {
  gh = await startGitHubEmulator({ repos: [REPOSITORY], budget: 100_000 });
  gh.clock.set(NOW);
  ({ kube, kc } = await simulatedCluster('oom-loop'));
});
afterEach(async () => {
  await gh.close();
  await kube.close();
});

const quiet = { info: () => {}, warning: () => {} };

function runSweep(config: KubemendConfig, cluster?: string) {
  return sweep({
    github: githubClient(gh),
    config,
    kubeconfig: kc,
    log: () => {},
    runUrl: undefined,
    trigger: 'schedule',
    scan: {
      cluster,
      intake: {
        mode: 'pr',
        base: { branch: undefined, sha: undefined },
        labels: [],
        backoffMs: 1,
        log: quiet,
      },
    },
  });
}

const config = (yaml = '') => sweepConfig(kube, ['homelab'], yaml);
const incidents = () => [...repo().issues.values()];
function recordFile(record: { key: string; cluster: string }): IncidentRecord {
  const { branch, recordPath } = identityOfRecord(record);
  const text = repo().readFile(branch, recordPath);
  const found = text === undefined ? undefined : parseRecord(text);
  if (!found) throw new Error(`no record at ${recordPath} on ${branch}`);
  return found;
}
/** The fix a person makes: the memory limit raised, the rollout given time to finish. */
async function raiseMemoryLimit(): Promise<void> {
  const response = await fetch(
    `${kube.url}/apis/apps/v1/namespaces/shop/deployments/order-worker`,
    {
      method: 'PATCH',
      headers: { 'content-type': 'application/strategic-merge-patch+json' },
      body: JSON.stringify({
        spec: {
          template: {
            spec: { containers: [{ name: 'worker', resources: { limits: { memory: '512Mi' } } }] },
          },
        },
      }),
    },
  );
  if (!response.ok) throw new Error(`PATCH answered ${response.status}`);
  kube.advance(10 * MINUTE);
}

describe('the sweep scan', () => {
  it('opens one incident for a problem no alert reported, named by the analyzer and its target', async () => {
    const first = await runSweep(config());
    expect(first.scan).toMatchObject({ cluster: 'homelab', findings: 1, fed: 1, resolved: 0 });
    const opened = incidents();
    expect(opened.map((i) => i.title)).toEqual([
      '[critical] homelab: Deployment shop/order-worker is killed for memory (OOMKilled)',
    ]);
    expect(opened[0]?.body).toContain('Deployment/shop/order-worker (firing)');
    // What triage reads next: the finding as intake's alert, source scan.
    expect(first.scan?.intake?.alerts.map((a) => [a.source, a.status, a.labels.category])).toEqual([
      ['scan', 'firing', 'oom'],
    ]);
  });

  it('writes nothing while the problem keeps firing within repeat-interval, and feeds it again after', async () => {
    await runSweep(config('scan: { repeat-interval: 30m }'));
    const writes = () => gh.log.filter((e) => e.method !== 'GET').length;
    const before = writes();
    gh.clock.set(NOW + 10 * MINUTE);
    const again = await runSweep(config('scan: { repeat-interval: 30m }'));
    expect(again.scan).toMatchObject({ findings: 1, fed: 0, unchanged: 1 });
    expect(writes()).toBe(before);
    gh.clock.set(NOW + 31 * MINUTE);
    const due = await runSweep(config('scan: { repeat-interval: 30m }'));
    expect(due.scan).toMatchObject({ fed: 1, unchanged: 0 });
    expect(incidents()).toHaveLength(1);
  });

  it('resolves its incident at the source once the scan no longer finds the problem, and a later sweep closes it', async () => {
    await runSweep(config());
    const [incident] = incidents();
    await raiseMemoryLimit();
    gh.clock.set(NOW + 10 * MINUTE);
    const after = await runSweep(config());
    expect(after.scan).toMatchObject({ findings: 0, fed: 1, resolved: 1 });
    const body = repo().issues.get(incident!.number)?.body ?? '';
    expect(body).toContain('Deployment/shop/order-worker (resolved)');
    expect(repo().issues.get(incident!.number)?.state).toBe('open');
    // Past the stable window (10m), healthy on the cluster: the sweep merges the incident.
    gh.clock.set(NOW + 21 * MINUTE);
    const later = await runSweep(config());
    expect(later.scan).toMatchObject({ findings: 0, fed: 0 });
    expect(later.changed).toEqual([
      expect.objectContaining({ number: incident!.number, to: 'recovered' }),
    ]);
    expect(repo().issues.get(incident!.number)?.state).toBe('closed');
  });

  it('does not resolve an incident when its analyzer could not run (the namespace not scanned)', async () => {
    await runSweep(config());
    const narrowed = await runSweep(config('scan: { namespaces: [kube-system] }'));
    expect(narrowed.scan).toMatchObject({ findings: 0, fed: 0, resolved: 0 });
    const body = repo().issues.get(incidents()[0]!.number)?.body ?? '';
    expect(body).toContain('Deployment/shop/order-worker (firing)');
  });

  it("joins an alert's open incident that names the same target, under its title", async () => {
    const alert = recordOf(
      {
        title: 'OrderWorkerRestarting',
        cluster: 'homelab',
        severity: 'warning',
        status: 'firing',
        namespace: 'shop',
        resource: 'Deployment/order-worker',
        message: 'order-worker restarts',
      },
      NOW - 2 * 60 * MINUTE,
    );
    const number = seedIncident(gh, alert, 'pull');
    const result = await runSweep(config());
    expect(result.scan).toMatchObject({ findings: 1, fed: 1 });
    expect(incidents().map((i) => i.number)).toEqual([number]);
    const record = recordFile(alert);
    expect(record.occurrences).toBe(2);
    expect(record.latest.name).toBe('scan/oom');
    // The alert's incident: the scan never resolves it on its own silence.
    expect(record.source).toBe('generic');
  });

  it('feeds nothing for an ignored finding or one below the severity floor', async () => {
    const ignored = await runSweep(
      config(
        "scan: { ignore: [{ namespace: shop, selector: 'app.kubernetes.io/name in (order-worker)' }] }",
      ),
    );
    expect(ignored.scan).toMatchObject({ findings: 1, fed: 0, ignored: 1 });
    const floor = await runSweep(config('scan: { severity-floor: critical }'));
    // oom is critical when none of the workload's pods is ready: it is fed.
    expect(floor.scan?.belowFloor).toBe(0);
    expect(incidents()).toHaveLength(1);
  });

  it('does not scan under a cluster name the kubeconfig is not, when it shows a configured cluster', async () => {
    const misnamed = await runSweep(config(), 'prod');
    expect(misnamed.scan).toBeUndefined();
    expect(misnamed.warnings).toEqual([
      "Scan skipped: the sweep's cluster input names prod, but the kubeconfig shows the identity of homelab.",
    ]);
    expect(incidents()).toHaveLength(0);
    // Its own name is scanned as the configured cluster it is.
    expect((await runSweep(config(), 'homelab')).scan).toMatchObject({ cluster: 'homelab' });
  });

  it('does not scan when the config turns it off', async () => {
    const off = await runSweep(config('scan: { enabled: false }'));
    expect(off.scan).toBeUndefined();
    expect(incidents()).toHaveLength(0);
  });
});
