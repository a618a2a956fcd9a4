// The story's simulated clusters: one HTTPS Kubernetes emulator per cluster the file
// names, each with the identity its name gives it, on one shared clock (an outage in
// one and a recovery in another happen at the same story time), and the KUBECONFIG
// secret as a user would write it for several clusters: one context per cluster name,
// for the clusters kubemend has credentials for only.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { resourceForKind } from '../sim/kube/resources.js';
import { podStatus } from '../sim/kube/table.js';
import { loadScenario, readScenario, settleSeconds, type Scenario } from '../sim/kube/scenario.js';
import type { KubeEmulator } from '../sim/kube/server.js';
import { startCluster } from '../sim/kube/cluster.js';
import { serviceAccountRules } from '../sim/kube/rbac.js';
import { wallClockTicker } from '../sim/kube/ticker.js';
import type { KObject } from '../sim/kube/store.js';
import { UsageError } from '../shared/errors.js';
import { isObject } from '../shared/json.js';
import type { Rehearsal, RehearsalCluster } from './file.js';
import type { ClusterWrite, NodeShown, PodShown } from './result.js';
import { packageRoot } from './package-root.js';

export interface StoryCluster extends RehearsalCluster {
  kube: KubeEmulator;
}

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export class StoryClusters {
  /** Log entries already turned into writes, per cluster. */
  private readonly seen = new Map<string, number>();
  /** Stops the wall-clock ticker runClock started. */
  private stopTicker: (() => void) | undefined;

  readonly all: StoryCluster[];

  private constructor(all: StoryCluster[]) {
    this.all = all;
    for (const c of all) this.seen.set(c.name, c.kube.log.length);
  }

  /**
   * Starts every cluster of the rehearsal with its scenario settled. kubemend acts as the
   * quick start's identity on each: the kubemend-remediate ServiceAccount, with exactly
   * the rules deploy/rbac/ grants it, enforced by the simulated API server.
   */
  static async start(rehearsal: Rehearsal, token: string): Promise<StoryClusters> {
    const scenarios = rehearsal.clusters.map((c) => readScenarioFile(c.scenario));
    const loaded = scenarios.map((s) => (typeof s === 'string' ? readScenario(s) : s));
    // Each clock starts as far back as its scenario settles, so every story begins now.
    const now = Date.now();
    const started: StoryCluster[] = [];
    try {
      for (const [i, cluster] of rehearsal.clusters.entries()) {
        const scenario = loaded[i] as Scenario;
        const kube = await startCluster(cluster.name, {
          clockStart: now - settleSeconds(scenario) * 1000,
          users: { [token]: remediateIdentity() },
        });
        started.push({ ...cluster, kube });
        try {
          loadScenario(kube, scenario);
        } catch (error) {
          const where =
            rehearsal.clusters.length > 1 ? `clusters.${cluster.name}.scenario` : 'scenario';
          throw new UsageError(
            `${rehearsal.file}: ${where}: ${(error as Error).message.split('\n')[0]}`,
          );
        }
        seedKubemendNamespace(kube);
      }
    } catch (error) {
      await Promise.all(started.map((c) => c.kube.close()));
      throw error;
    }
    return new StoryClusters(started);
  }

  /** The first cluster: the one facts steps and the relay use unless told otherwise. */
  get primary(): StoryCluster {
    return this.all[0] as StoryCluster;
  }

  get several(): boolean {
    return this.all.length > 1;
  }

  named(name: string): StoryCluster {
    const found = this.all.find((c) => c.name === name);
    if (!found) throw new Error(`no simulated cluster ${name}`);
    return found;
  }

  now(): number {
    return this.primary.kube.clock.now();
  }

  /** Moves every cluster's clock on by `ms`, controllers and kubelets catching up. */
  advance(ms: number): void {
    for (const c of this.all) c.kube.advance(ms);
  }

  /** Lets the shared clock run with wall time, `speedup` times faster (the actions wait for real). */
  runClock(speedup: number, tickMs = 100): void {
    this.stopClock();
    this.stopTicker = wallClockTicker((ms) => this.advance(ms), speedup, tickMs);
  }

  stopClock(): void {
    this.stopTicker?.();
    this.stopTicker = undefined;
  }

  async close(): Promise<void> {
    this.stopClock();
    await Promise.all(this.all.map((c) => c.kube.close()));
  }

  /**
   * The KUBECONFIG secret: one context per cluster kubemend has credentials for, named
   * as the cluster (as docs/guardrails.md tells users to write it); the first of them
   * current. Undefined when kubemend has credentials for none.
   */
  kubeconfig(token: string): string | undefined {
    const parts = this.all
      .filter((c) => c.credentials)
      .map((c) => JSON.parse(c.kube.kubeconfig({ token, context: c.name })) as Any);
    if (parts.length === 0) return undefined;
    return JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: parts.flatMap((p) => p.clusters),
      users: parts.flatMap((p) => p.users),
      contexts: parts.flatMap((p) => p.contexts),
      'current-context': (parts[0] as Any)['current-context'],
    });
  }

  /** kubemend's writes to any cluster since the last call (the simulation's own are not requests). */
  takeWrites(): ClusterWrite[] {
    return this.all.flatMap(({ name, kube }) => {
      const entries = kube.log.slice(this.seen.get(name) ?? 0);
      this.seen.set(name, kube.log.length);
      return (
        entries
          // A read the API server does not serve (discovery of a group not installed) has
          // no verb of its own: the method says it wrote nothing.
          .filter(
            (e) =>
              !['get', 'list', 'watch', 'discovery'].includes(e.verb) &&
              !['GET', 'HEAD', 'OPTIONS'].includes(e.method),
          )
          .map((e) => ({
            cluster: name,
            method: e.method,
            path: e.path,
            dryRun: e.dryRun,
            status: e.status,
          }))
      );
    });
  }

  /** The pods and nodes of every cluster as kubectl shows them, each naming its cluster. */
  view(): { pods: PodShown[]; nodes: NodeShown[] } {
    const views = this.all.map((c) => clusterView(c.name, c.kube));
    return { pods: views.flatMap((v) => v.pods), nodes: views.flatMap((v) => v.nodes) };
  }
}

/** The pods and nodes as kubectl shows them (pods being deleted included: kubectl shows them). */
function clusterView(
  cluster: string,
  kube: KubeEmulator,
): { pods: PodShown[]; nodes: NodeShown[] } {
  const podType = resourceForKind('v1', 'Pod');
  const nodeType = resourceForKind('v1', 'Node');
  const pods = podType ? (kube.store.list(podType) as Any[]) : [];
  const nodes = nodeType ? (kube.store.list(nodeType) as Any[]) : [];
  return {
    pods: pods.map((p) => {
      const statuses: Any[] = p.status?.containerStatuses ?? [];
      return {
        cluster,
        namespace: p.metadata.namespace,
        name: p.metadata.name,
        status: podStatus(p),
        ready: statuses.length > 0 && statuses.every((c) => c.ready === true),
        restarts: statuses.reduce((n, c) => n + (c.restartCount ?? 0), 0),
        node: p.spec?.nodeName ?? '',
      };
    }),
    nodes: nodes.map((n) => ({
      cluster,
      name: n.metadata.name,
      ready: (n.status?.conditions ?? []).some(
        (c: Any) => c.type === 'Ready' && c.status === 'True',
      ),
      schedulable: n.spec?.unschedulable !== true,
    })),
  };
}

/** The kubemend-remediate ServiceAccount with the rules `kubectl apply -f deploy/rbac/` gives it. */
function remediateIdentity(): { name: string; rules: ReturnType<typeof serviceAccountRules> } {
  const rbacDir = join(packageRoot(), 'deploy/rbac');
  const rbac = readdirSync(rbacDir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => readFileSync(join(rbacDir, f), 'utf8'))
    .join('\n---\n');
  return {
    name: 'system:serviceaccount:kubemend:kubemend-remediate',
    rules: serviceAccountRules(rbac, { namespace: 'kubemend', name: 'kubemend-remediate' }),
  };
}

/** deploy/rbac/ creates kubemend's namespace (its ledger lives there). */
function seedKubemendNamespace(kube: KubeEmulator): void {
  const namespaces = resourceForKind('v1', 'Namespace');
  if (namespaces && !kube.store.get(namespaces, undefined, 'kubemend'))
    kube.seed(namespaces, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'kubemend' },
    } as KObject);
}

function readScenarioFile(scenario: string): Scenario | string {
  if (!scenario.includes('/') && !scenario.includes('\\')) return scenario;
  const doc = load(readFileSync(scenario, 'utf8'));
  if (!isObject(doc) || typeof doc.description !== 'string')
    throw new UsageError(
      `${scenario}: not a scenario file (description, facts, nodes, objects, settleSeconds).`,
    );
  return doc as unknown as Scenario;
}
