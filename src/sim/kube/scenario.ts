// Scenario files (src/sim/scenarios/NAME.yaml): initial objects, nodes in shorthand, and
// the facts the simulated kubelet derives pod status from.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';
import { resourceForKind } from './resources.js';
import type { KubeEmulator } from './server.js';
import type { Facts } from './sim.js';
import type { KObject } from './store.js';

export interface NodeSpec {
  name: string;
  roles?: string[];
  cpu?: string;
  memory?: string;
  taints?: { key: string; value?: string; effect: string }[];
  unschedulable?: boolean;
  ready?: boolean;
  labels?: Record<string, string>;
}

export interface Scenario {
  description: string;
  facts?: Partial<Facts>;
  nodes?: NodeSpec[];
  objects?: KObject[];
  /** Simulated seconds to let the cluster settle after loading. */
  settleSeconds?: number;
  /** Later changes (a rollout, say), each a strategic merge patch followed by its own settling time. */
  then?: {
    apiVersion: string;
    kind: string;
    namespace?: string;
    name: string;
    patch: unknown;
    settleSeconds?: number;
  }[];
}

/**
 * src/sim/scenarios/, found by walking up from this module: from src/sim/kube/ in the
 * sources, from dist/ in the bundle (the package ships src/sim/scenarios/). A walk, not a
 * fixed relative path, because the bundler rewrites literal paths beside the module.
 */
function findScenariosDir(): string {
  let dir = fileURLToPath(new URL('.', import.meta.url));
  for (let up = 0; up < 5; up++) {
    for (const candidate of [['scenarios'], ['src', 'sim', 'scenarios']]) {
      const path = join(dir, ...candidate);
      if (existsSync(join(path, 'registry-outage.yaml'))) return path;
    }
    dir = dirname(dir);
  }
  throw new Error('the shipped scenarios (src/sim/scenarios/) are missing: reinstall kubemend');
}

export const scenariosDir = findScenariosDir();

export function scenarioNames(): string[] {
  return readdirSync(scenariosDir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.replace(/\.yaml$/, ''))
    .sort();
}

export function readScenario(name: string): Scenario {
  if (!scenarioNames().includes(name)) {
    throw new Error(`no such scenario; allowed: ${scenarioNames().join(', ')}`);
  }
  return load(readFileSync(join(scenariosDir, `${name}.yaml`), 'utf8')) as Scenario;
}

/**
 * A shipped scenario by name, or a scenario file (the same YAML) by path: what the
 * standalone emulator's --scenario takes.
 */
export function readScenarioNameOrFile(nameOrPath: string): Scenario {
  if (scenarioNames().includes(nameOrPath)) return readScenario(nameOrPath);
  if (!existsSync(nameOrPath))
    throw new Error(
      `no such scenario or file; allowed: a scenario file or one of ${scenarioNames().join(', ')}`,
    );
  let scenario: unknown;
  try {
    scenario = load(readFileSync(nameOrPath, 'utf8'));
  } catch (error) {
    throw new Error(`not YAML: ${(error as Error).message.split('\n')[0]}`, { cause: error });
  }
  if (typeof scenario !== 'object' || scenario === null || Array.isArray(scenario))
    throw new Error(
      'not a scenario; allowed: a YAML mapping with description, nodes, objects, facts',
    );
  for (const key of ['nodes', 'objects', 'then'] as const) {
    const value = (scenario as Record<string, unknown>)[key];
    if (value !== undefined && !Array.isArray(value))
      throw new Error(`${key} is not a list; allowed: a YAML list`);
  }
  return scenario as Scenario;
}

export function nodeObject(spec: NodeSpec, clockIso: string): KObject {
  const labels: Record<string, string> = {
    'kubernetes.io/hostname': spec.name,
    'kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    ...Object.fromEntries(
      (spec.roles ?? []).map((role) => [`node-role.kubernetes.io/${role}`, '']),
    ),
    ...spec.labels,
  };
  const taints =
    spec.taints ??
    ((spec.roles ?? []).includes('control-plane')
      ? [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }]
      : undefined);
  const capacity = {
    cpu: spec.cpu ?? '4',
    memory: spec.memory ?? '8Gi',
    pods: '110',
    'ephemeral-storage': '100Gi',
  };
  const ready = spec.ready ?? true;
  const condition = (type: string, status: string, reason: string, message: string) => ({
    type,
    status,
    reason,
    message,
    lastHeartbeatTime: clockIso,
    lastTransitionTime: clockIso,
  });
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: spec.name, labels },
    spec: {
      ...(spec.unschedulable ? { unschedulable: true } : {}),
      ...(taints ? { taints } : {}),
      podCIDR: '10.244.0.0/24',
    },
    status: {
      capacity,
      allocatable: capacity,
      conditions: [
        condition(
          'MemoryPressure',
          'False',
          'KubeletHasSufficientMemory',
          'kubelet has sufficient memory available',
        ),
        condition(
          'DiskPressure',
          'False',
          'KubeletHasNoDiskPressure',
          'kubelet has no disk pressure',
        ),
        condition(
          'PIDPressure',
          'False',
          'KubeletHasSufficientPID',
          'kubelet has sufficient PID available',
        ),
        ready
          ? condition('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status')
          : condition(
              'Ready',
              'Unknown',
              'NodeStatusUnknown',
              'Kubelet stopped posting node status.',
            ),
      ],
      addresses: [
        { type: 'InternalIP', address: `10.0.0.${10 + (spec.name.length % 200)}` },
        { type: 'Hostname', address: spec.name },
      ],
      nodeInfo: {
        kubeletVersion: 'v1.32.4',
        kubeProxyVersion: 'v1.32.4',
        containerRuntimeVersion: 'containerd://1.7.27',
        osImage: 'Debian GNU/Linux 12 (bookworm)',
        kernelVersion: '6.1.0-37-amd64',
        operatingSystem: 'linux',
        architecture: 'amd64',
        machineID: '',
        systemUUID: '',
        bootID: '',
      },
    },
  };
}

/** Total simulated seconds a scenario spends settling, so a clock can start that far back. */
export function settleSeconds(s: Scenario): number {
  return (
    (s.settleSeconds ?? 60) + (s.then ?? []).reduce((n, step) => n + (step.settleSeconds ?? 60), 0)
  );
}

/** Loads a scenario into an emulator: facts, nodes, objects, then lets it settle. */
export function loadScenario(emulator: KubeEmulator, scenario: Scenario | string): Scenario {
  const s = typeof scenario === 'string' ? readScenario(scenario) : scenario;
  Object.assign(emulator.sim.facts.registries, s.facts?.registries);
  Object.assign(emulator.sim.facts.images, s.facts?.images);
  Object.assign(emulator.sim.facts.nodeClockSkew, s.facts?.nodeClockSkew);
  Object.assign(emulator.sim.facts.nodeCpuPercent, s.facts?.nodeCpuPercent);
  Object.assign(emulator.sim.facts.flux, s.facts?.flux);
  Object.assign(emulator.sim.facts.nodeConditions, s.facts?.nodeConditions);
  Object.assign(emulator.sim.facts.cpuUtilization, s.facts?.cpuUtilization);
  const objects = [
    ...(s.nodes ?? []).map((n) => nodeObject(n, emulator.clock.iso())),
    ...(s.objects ?? []),
  ];
  // Namespaces first, as `kubectl apply` of a directory would need them, then the
  // CustomResourceDefinitions the custom objects need served.
  const order = (o: KObject) =>
    o.kind === 'Namespace' ? 0 : o.kind === 'CustomResourceDefinition' ? 1 : 2;
  objects.sort((a, b) => order(a) - order(b));
  // Stored as one apply would store them; the controllers then act on all of it at once.
  emulator.sim.hold(() => {
    for (const object of objects) {
      const r = resourceForKind(object.apiVersion, object.kind);
      if (!r)
        throw new Error(
          `scenario object ${object.apiVersion} ${object.kind} is not a resource the emulator serves`,
        );
      // The system namespaces exist from the start; a scenario may name them too.
      if (object.kind === 'Namespace' && emulator.store.get(r, undefined, object.metadata.name))
        continue;
      emulator.seed(r, object);
    }
  });
  emulator.advance((s.settleSeconds ?? 60) * 1000);
  for (const step of s.then ?? []) {
    const r = resourceForKind(step.apiVersion, step.kind);
    if (!r)
      throw new Error(
        `scenario step ${step.apiVersion} ${step.kind} is not a resource the emulator serves`,
      );
    emulator.patchObject(r, step.namespace, step.name, step.patch);
    emulator.advance((step.settleSeconds ?? 60) * 1000);
  }
  return s;
}
