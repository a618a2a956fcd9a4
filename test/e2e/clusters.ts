// The end-to-end scenarios run against a cluster through this interface, which the
// Kubernetes emulator and a real cluster (kind on GitHub, `.github/workflows/e2e-kind.yml`)
// both satisfy: load a scenario, hand its kubeconfig to the bundled actions, and read
// what the cluster shows. KUBEMEND_E2E_KUBECONFIG (a path) selects the real cluster;
// without it the emulator serves, so `npm test` exercises the suite too.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  type KubernetesObject,
  type V1Pod,
} from '@kubernetes/client-node';
import { load } from 'js-yaml';
import { resourceForKind } from '../../src/sim/kube/resources.js';
import { loadScenario, type Scenario } from '../../src/sim/kube/scenario.js';
import { KubeEmulator } from '../../src/sim/kube/server.js';
import type { KObject } from '../../src/sim/kube/store.js';

export interface ScenarioCluster {
  readonly kind: 'emulator' | 'real';
  /** The kubeconfig the actions get, as YAML or JSON text. */
  readonly kubeconfig: string;
  /** How long the actions' verification may wait here (`verify-timeout`). */
  readonly verifyTimeout: string;
  /** Applies the scenario's objects and then-steps, each followed by its settling. */
  load(scenario: Scenario): Promise<void>;
  pods(namespace: string): Promise<V1Pod[]>;
  /** What the config's `clusters.<name>` must say for writes to be allowed. */
  identity(): Promise<{ server: string; 'kube-system-uid': string }>;
  close(): Promise<void>;
}

export function readE2eScenario(name: string): Scenario {
  const dir = join(fileURLToPath(new URL('.', import.meta.url)), 'scenarios');
  return load(readFileSync(join(dir, `${name}.yaml`), 'utf8')) as Scenario;
}

export async function openCluster(): Promise<ScenarioCluster> {
  const path = process.env.KUBEMEND_E2E_KUBECONFIG;
  return path ? new RealCluster(readFileSync(path, 'utf8')) : EmulatedCluster.start();
}

/** The emulator, its clock 60 times the wall clock so the actions' real waits pass. */
class EmulatedCluster implements ScenarioCluster {
  readonly kind = 'emulator';
  readonly verifyTimeout = '10s';
  private readonly kube: KubeEmulator;
  private constructor(kube: KubeEmulator) {
    this.kube = kube;
  }

  static async start(): Promise<EmulatedCluster> {
    return new EmulatedCluster(await new KubeEmulator().listen());
  }

  get kubeconfig(): string {
    return this.kube.kubeconfig();
  }

  async load(scenario: Scenario): Promise<void> {
    loadScenario(this.kube, scenario);
    this.kube.seed(resourceForKind('v1', 'Namespace')!, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'kubemend' },
    } as KObject);
    this.kube.runClock(60);
  }

  async pods(namespace: string): Promise<V1Pod[]> {
    return real(this.kube.kubeconfig()).pods(namespace);
  }

  async identity(): Promise<{ server: string; 'kube-system-uid': string }> {
    return real(this.kube.kubeconfig()).identity();
  }

  async close(): Promise<void> {
    await this.kube.close();
  }
}

const real = (kubeconfig: string) => new RealCluster(kubeconfig);

/** A real cluster: objects applied through client-node, settling waited out in real time. */
class RealCluster implements ScenarioCluster {
  readonly kind = 'real';
  readonly verifyTimeout = '3m';
  private readonly kc = new KubeConfig();
  private readonly namespaces: string[] = [];

  readonly kubeconfig: string;
  constructor(kubeconfig: string) {
    this.kubeconfig = kubeconfig;
    this.kc.loadFromString(kubeconfig);
  }

  async load(scenario: Scenario): Promise<void> {
    const objects = this.kc.makeApiClient(KubernetesObjectApi);
    const ledger = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kubemend' } };
    for (const object of [ledger, ...(scenario.objects ?? [])] as KubernetesObject[]) {
      try {
        await objects.create(object);
      } catch (error) {
        if ((error as { code?: number }).code !== 409) throw error;
      }
      if (object.kind === 'Namespace' && object.metadata?.name !== 'kubemend')
        this.namespaces.push(object.metadata?.name ?? '');
    }
    await this.settle(scenario.settleSeconds ?? 60);
    for (const step of scenario.then ?? []) {
      await objects.patch(
        {
          apiVersion: step.apiVersion,
          kind: step.kind,
          metadata: { name: step.name, namespace: step.namespace },
          ...(step.patch as object),
        },
        undefined,
        undefined,
        undefined,
        undefined,
        PatchStrategy.StrategicMergePatch,
      );
      await this.settle(step.settleSeconds ?? 60);
    }
  }

  /**
   * Waits until no pod of the scenario's namespaces is still being created (images pull
   * at the network's pace), then the scenario's settling time, at most 5 minutes in all.
   */
  private async settle(seconds: number): Promise<void> {
    const deadline = Date.now() + 5 * 60_000;
    const creating = (pod: V1Pod) =>
      (pod.status?.containerStatuses ?? []).length === 0 ||
      (pod.status?.containerStatuses ?? []).some((s) =>
        ['ContainerCreating', 'PodInitializing'].includes(s.state?.waiting?.reason ?? ''),
      );
    while (Date.now() < deadline) {
      const pods = (await Promise.all(this.namespaces.map((ns) => this.pods(ns)))).flat();
      if (pods.length > 0 && !pods.some(creating)) break;
      await new Promise((r) => setTimeout(r, 2000));
    }
    await new Promise((r) => setTimeout(r, Math.min(seconds, 120) * 1000));
  }

  async pods(namespace: string): Promise<V1Pod[]> {
    const { items } = await this.kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace });
    return items.filter((p) => !p.metadata?.deletionTimestamp);
  }

  async identity(): Promise<{ server: string; 'kube-system-uid': string }> {
    const ns = await this.kc.makeApiClient(CoreV1Api).readNamespace({ name: 'kube-system' });
    return {
      server: this.kc.getCurrentCluster()?.server ?? '',
      'kube-system-uid': ns.metadata?.uid ?? '',
    };
  }

  async close(): Promise<void> {
    const core = this.kc.makeApiClient(CoreV1Api);
    for (const name of this.namespaces) await core.deleteNamespace({ name }).catch(() => undefined);
  }
}
