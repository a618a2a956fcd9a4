// The real kubectl against the emulator: the verbs the playbooks and runbooks use, and
// the state the emulator shows afterwards. kubectl is a reference nobody here wrote.
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadScenario, type Scenario } from '../../src/sim/kube/scenario.js';
import { KubeEmulator } from '../../src/sim/kube/server.js';
import { findResource } from '../../src/sim/kube/resources.js';

const run = promisify(execFile);
let kube: KubeEmulator;
let kubeconfig: string;

/** Asynchronous on purpose: the emulator serves from this process's event loop. */
async function kubectl(...args: string[]): Promise<string> {
  try {
    const { stdout } = await run('kubectl', ['--kubeconfig', kubeconfig, ...args], {
      timeout: 60_000,
    });
    return stdout;
  } catch (error) {
    const e = error as { code: number; stderr: string };
    throw new Error(`kubectl ${args.join(' ')} exited ${e.code}: ${e.stderr}`, { cause: error });
  }
}

const pods = findResource('', 'v1', 'pods')!;
const nodes = findResource('', 'v1', 'nodes')!;
const deployments = findResource('apps', 'v1', 'deployments')!;
const replicasets = findResource('apps', 'v1', 'replicasets')!;

const cluster: Scenario = {
  description: 'a small cluster with one opt-in Deployment behind a PodDisruptionBudget',
  nodes: [
    { name: 'cp-1', roles: ['control-plane'] },
    { name: 'worker-1', roles: ['worker'] },
    { name: 'worker-2', roles: ['worker'] },
  ],
  objects: [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'shop' },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'nginx', image: 'nginx:1.27.3' }] },
        },
      },
    },
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'web', namespace: 'shop' },
      spec: { minAvailable: 2, selector: { matchLabels: { app: 'web' } } },
    },
  ],
  settleSeconds: 60,
};

beforeAll(() => {
  execFileSync('kubectl', ['version', '--client']);
});

beforeEach(async () => {
  kube = await new KubeEmulator({ clockStart: Date.now() - 60_000 }).listen();
  loadScenario(kube, cluster);
  kubeconfig = join(mkdtempSync(join(tmpdir(), 'kubectl-')), 'config');
  writeFileSync(kubeconfig, kube.kubeconfig(), { mode: 0o600 });
});
afterEach(async () => {
  await kube.close();
});

const podsOf = (namespace = 'shop') => kube.store.list(pods, namespace);

describe('kubectl against the emulator', () => {
  it('get pods -A prints the table the server computed', async () => {
    const out = await kubectl('get', 'pods', '-A');
    const lines = out.trim().split('\n');
    expect(lines[0]).toMatch(/^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
    expect(lines.slice(1)).toHaveLength(3);
    expect(
      lines.slice(1).every((l) => /^shop\s+web-\w+-\w{5}\s+1\/1\s+Running\s+0\s+\d+s$/.test(l)),
    ).toBe(true);
  });

  it('describe pod shows conditions and the kubelet events', async () => {
    const name = podsOf()[0]!.metadata.name;
    const out = await kubectl('describe', 'pod', '-n', 'shop', name);
    expect(out).toMatch(/^Name:\s+web-/m);
    expect(out).toMatch(/^Status:\s+Running$/m);
    expect(out).toMatch(/Controlled By:\s+ReplicaSet\/web-/);
    expect(out).toMatch(
      /Normal\s+Scheduled\s+.*default-scheduler\s+Successfully assigned shop\/web-/,
    );
  });

  it('cordon and uncordon set spec.unschedulable', async () => {
    expect(await kubectl('cordon', 'worker-1')).toBe('node/worker-1 cordoned\n');
    expect(
      (kube.store.get(nodes, undefined, 'worker-1')!.spec as { unschedulable?: boolean })
        .unschedulable,
    ).toBe(true);
    expect(await kubectl('get', 'node', 'worker-1')).toMatch(
      /worker-1\s+Ready,SchedulingDisabled\s+worker/,
    );
    await kubectl('uncordon', 'worker-1');
    expect(
      (kube.store.get(nodes, undefined, 'worker-1')!.spec as { unschedulable?: boolean })
        .unschedulable,
    ).toBeUndefined();
  });

  it('drain evicts through the eviction API, honouring the PodDisruptionBudget', async () => {
    const onWorker1 = podsOf().filter(
      (p) => (p.spec as { nodeName: string }).nodeName === 'worker-1',
    );
    expect(onWorker1.length).toBe(3);
    // minAvailable 2 of 3: one eviction at a time; replacements land on worker-2.
    const out = await kubectl('drain', 'worker-1', '--ignore-daemonsets', '--timeout=30s');
    expect(out).toMatch(/node\/worker-1 drained/);
    const after = podsOf();
    expect(after.filter((p) => (p.spec as { nodeName: string }).nodeName === 'worker-1')).toEqual(
      [],
    );
    expect(after).toHaveLength(3);
    expect(kube.log.filter((e) => e.resource === 'pods/eviction' && e.status === 201)).toHaveLength(
      3,
    );
  });

  it('rollout restart replaces the pods through a new ReplicaSet; rollout undo brings the old template back', async () => {
    const before = podsOf().map((p) => p.metadata.name);
    expect(await kubectl('rollout', 'restart', 'deployment/web', '-n', 'shop')).toBe(
      'deployment.apps/web restarted\n',
    );
    kube.advance(60_000);
    expect(
      podsOf()
        .map((p) => p.metadata.name)
        .filter((n) => before.includes(n)),
    ).toEqual([]);
    await kubectl('set', 'image', 'deployment/web', 'nginx=nginx:1.28.0', '-n', 'shop');
    kube.advance(60_000);
    expect(await kubectl('rollout', 'undo', 'deployment/web', '-n', 'shop')).toBe(
      'deployment.apps/web rolled back\n',
    );
    kube.advance(60_000);
    const d = kube.store.get(deployments, 'shop', 'web') as unknown as {
      spec: { template: { spec: { containers: { image: string }[] } } };
    };
    expect(d.spec.template.spec.containers[0]!.image).toBe('nginx:1.27.3');
    const revisions = kube.store
      .list(replicasets, 'shop')
      .map((rs) => [
        rs.metadata.annotations?.['deployment.kubernetes.io/revision'],
        (rs.spec as { replicas: number }).replicas,
      ]);
    expect(revisions.sort()).toEqual([
      ['1', 0],
      ['3', 0],
      ['4', 3],
    ]);
  });

  it('patch with each strategy changes what the emulator stores', async () => {
    await kubectl('patch', 'deployment', 'web', '-n', 'shop', '-p', '{"spec":{"replicas":4}}');
    await kubectl(
      'patch',
      'deployment',
      'web',
      '-n',
      'shop',
      '--type=merge',
      '-p',
      '{"metadata":{"labels":{"team":"sre"}}}',
    );
    await kubectl(
      'patch',
      'deployment',
      'web',
      '-n',
      'shop',
      '--type=json',
      '-p',
      '[{"op":"add","path":"/metadata/annotations/owner","value":"sre"}]',
    );
    kube.advance(30_000);
    const d = kube.store.get(deployments, 'shop', 'web')!;
    expect((d.spec as { replicas: number }).replicas).toBe(4);
    expect(d.metadata.labels).toMatchObject({ team: 'sre' });
    expect(d.metadata.annotations).toMatchObject({ owner: 'sre' });
    expect(podsOf()).toHaveLength(4);
  });

  it('delete --grace-period=0 --force removes the pod at once', async () => {
    const name = podsOf()[0]!.metadata.name;
    await kubectl('delete', 'pod', name, '-n', 'shop', '--grace-period=0', '--force');
    expect(kube.store.get(pods, 'shop', name)).toBeUndefined();
    expect(podsOf()).toHaveLength(3);
  });
});

describe('the standalone Kubernetes emulator', () => {
  it('npm run emulator:kube --scenario registry-outage prints a kubeconfig with which kubectl shows the broken pods', async () => {
    const { spawn } = await import('node:child_process');
    const child = spawn(
      'npm',
      ['run', '--silent', 'emulator:kube', '--', '--port', '0', '--scenario', 'registry-outage'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      const printed = await new Promise<string[]>((resolve, reject) => {
        let out = '';
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
          out += chunk;
          const lines = out.split('\n').filter(Boolean);
          if (lines.length >= 2) resolve(lines);
        });
        child.on('exit', (code) => reject(new Error(`emulator exited ${code}`)));
      });
      expect(printed[0]).toMatch(/^listening on http:\/\/127\.0\.0\.1:\d+$/);
      kubeconfig = printed[1]!;
      const table = await kubectl('get', 'pods', '-A');
      const rows = table.trim().split('\n').slice(1);
      expect(rows.filter((row) => /\s(ErrImagePull|ImagePullBackOff)\s/.test(row))).toHaveLength(
        32,
      );
      expect(rows.every((row) => /\s\d+m\d*s?$|\s\d+s$/.test(row))).toBe(true); // ages read true, not <invalid>
    } finally {
      child.kill('SIGTERM');
    }
  });
});
