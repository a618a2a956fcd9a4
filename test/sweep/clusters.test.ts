// A sweep for one cluster of several (the reusable workflow runs a sweep job per cluster),
// with one kubeconfig holding a context per cluster name: it sweeps only that cluster's
// incidents and scans only that cluster, through its own context; with several contexts
// and none of its name it reads nothing at all and says so. The sweep stage in this
// process, against two Kubernetes emulators and the GitHub emulator.
import { KubeConfig } from '@kubernetes/client-node';
import { parseConfig, type KubemendConfig } from '../../src/config/config.js';
import { startGitHubEmulator, type GitHubEmulator } from '../../src/sim/github/server.js';
import type { KubeEmulator } from '../../src/sim/kube/server.js';
import { sweep } from '../../src/sweep/stage.js';
import { simulatedCluster } from '../remediation/support.js';
import { githubClient, kubeSystemUid, recordOf, REPOSITORY, seedIncident } from './support.js';

const NOW = Date.parse('2026-11-22T03:00:00Z');

let gh: GitHubEmulator;
// homelab: a Deployment killed for memory again and again (the scan finds it); prod: healthy.
let homelab: KubeEmulator;
let prod: KubeEmulator;

beforeEach(async () => {
  gh = await startGitHubEmulator({ repos: [REPOSITORY], budget: 100_000 });
  gh.clock.set(NOW);
  [{ kube: homelab }, { kube: prod }] = await Promise.all([
    simulatedCluster('oom-loop'),
    simulatedCluster('node-high-cpu'),
  ]);
});
afterEach(async () => {
  await Promise.all([gh.close(), homelab.close(), prod.close()]);
});

/** One kubeconfig, a context per cluster name, the current one homelab's. */
function twoContexts(): KubeConfig {
  const parts = [
    homelab.kubeconfig({ context: 'homelab' }),
    prod.kubeconfig({ context: 'prod' }),
  ].map((text) => JSON.parse(text) as Record<string, unknown[]>);
  const config = new KubeConfig();
  config.loadFromString(
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: parts.flatMap((p) => p.clusters),
      users: parts.flatMap((p) => p.users),
      contexts: parts.flatMap((p) => p.contexts),
      'current-context': 'homelab',
    }),
  );
  return config;
}

/** Both clusters configured with their identities. */
function config(): KubemendConfig {
  const identity = (name: string, kube: KubeEmulator) =>
    `  ${name}:\n    server: ${kube.url}\n    kube-system-uid: ${kubeSystemUid(kube)}\n`;
  return parseConfig(
    `clusters:\n${identity('homelab', homelab)}${identity('prod', prod)}`,
    '.github/kubemend.yml',
  );
}

function runSweep(cluster: string) {
  return sweep({
    github: githubClient(gh),
    config: config(),
    kubeconfig: twoContexts(),
    cluster,
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
        log: { info: () => {}, warning: () => {} },
      },
    },
  });
}

/** An open incident about the healthy Deployment analytics/etl, on `cluster`. */
function seedEtl(cluster: string): number {
  const payload = {
    title: `etl slow on ${cluster}`,
    cluster,
    severity: 'warning',
    status: 'firing',
    namespace: 'analytics',
    resource: 'Deployment/etl',
    message: 'etl is slow',
  };
  return seedIncident(gh, recordOf(payload, NOW - 60_000));
}

const titles = () => [...gh.repo(REPOSITORY).issues.values()].map((i) => i.title);

describe('a sweep for one cluster', () => {
  it("sweeps only that cluster's incidents and scans only that cluster, through its context", async () => {
    seedEtl('homelab');
    seedEtl('prod');
    const before = homelab.log.length;
    const outcome = await runSweep('prod');
    expect(outcome.skipped).toBeUndefined();
    expect(outcome.incidents).toBe(1);
    expect(outcome.scan).toMatchObject({ cluster: 'prod', fed: 0 });
    // homelab's OOM loop is not prod's to report, and homelab was not read at all.
    expect(homelab.log.length).toBe(before);
    expect(prod.log.length).toBeGreaterThan(0);
    expect(titles()).toHaveLength(2);
    expect(outcome.warnings).toEqual([]);
  });

  it("records the scan's findings under its own cluster, leaving the other cluster unread", async () => {
    const before = prod.log.length;
    const outcome = await runSweep('homelab');
    expect(outcome.scan).toMatchObject({ cluster: 'homelab', fed: 1 });
    expect(titles()).toEqual([
      '[critical] homelab: Deployment shop/order-worker is killed for memory (OOMKilled)',
    ]);
    expect(prod.log.length).toBe(before);
  });

  it('reads nothing when the kubeconfig has several contexts and none of its name, and says so in one line', async () => {
    seedEtl('staging');
    const reads = [homelab.log.length, prod.log.length];
    const outcome = await runSweep('staging');
    const line =
      "no credentials for cluster staging: the kubeconfig's contexts are homelab, prod; add a context named staging. Nothing was swept or scanned for it.";
    expect(outcome.skipped).toBe(line);
    expect(outcome.warnings).toEqual([line]);
    expect(outcome).toMatchObject({ incidents: 0, githubRequests: 0, kubeRequests: 0 });
    expect([homelab.log.length, prod.log.length]).toEqual(reads);
  });
});
