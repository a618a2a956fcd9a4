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
import { makeClusterTls } from '../../src/sim/kube/tls.js';

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

describe('kubectl reads what a real cluster publishes', () => {
  it('cluster-info names the API server; get svc and get endpoints show the kubernetes Service every cluster starts with', async () => {
    expect(await kubectl('cluster-info')).toMatch(
      new RegExp(`Kubernetes control plane is running at ${kube.url.replace(/\./g, '\\.')}`),
    );
    const services = (await kubectl('get', 'svc')).trim().split('\n');
    expect(services[0]).toMatch(/^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE$/);
    expect(services.slice(1)).toEqual([
      expect.stringMatching(/^kubernetes\s+ClusterIP\s+10\.96\.0\.1\s+<none>\s+443\/TCP\s+\d+s$/),
    ]);
    const endpoints = (await kubectl('get', 'endpoints', '-n', 'default')).trim().split('\n');
    expect(endpoints[0]).toMatch(/^NAME\s+ENDPOINTS\s+AGE$/);
    expect(endpoints.slice(1)).toEqual([
      expect.stringMatching(/^kubernetes\s+127\.0\.0\.1:6443\s/),
    ]);
  });

  it('a Service applied with kubectl gets a cluster IP and its ports defaulted', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'svc-')), 'svc.json');
    writeFileSync(
      file,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'web', namespace: 'shop' },
        spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
      }),
    );
    await kubectl('apply', '-f', file);
    const row = (
      await kubectl('get', 'svc', 'web', '-n', 'shop', '-o', 'wide', '--no-headers')
    ).trim();
    expect(row).toMatch(
      /^web\s+ClusterIP\s+10\.\d+\.\d+\.\d+\s+<none>\s+80\/TCP\s+\d+s\s+app=web$/,
    );
  });

  it('auth can-i answers from the user: the admin may do anything, a reader what its rules allow', async () => {
    expect(await kubectl('auth', 'can-i', 'delete', 'nodes')).toBe('yes\n');
    // kubectl sends a token only over HTTPS: a second emulator with a CA and a reader.
    const tls = makeClusterTls();
    const secure = await new KubeEmulator({
      tls,
      users: {
        'reader-token': {
          name: 'reader',
          rules: [{ apiGroups: [''], resources: ['pods', 'pods/log'], verbs: ['get', 'list'] }],
        },
      },
    }).listen();
    try {
      kubeconfig = join(mkdtempSync(join(tmpdir(), 'kubectl-')), 'config');
      writeFileSync(kubeconfig, secure.kubeconfig({ token: 'reader-token' }), { mode: 0o600 });
      expect(await kubectl('auth', 'can-i', 'list', 'pods', '-n', 'shop')).toBe('yes\n');
      expect(await kubectl('auth', 'can-i', 'get', 'pods', '--subresource=log')).toBe('yes\n');
      // "no" is exit status 1.
      await expect(kubectl('auth', 'can-i', 'delete', 'pods')).rejects.toThrow(/exited 1/);
      await expect(kubectl('auth', 'can-i', 'list', 'deployments.apps')).rejects.toThrow(
        /exited 1/,
      );
      expect(secure.writes()).toEqual([]); // a review is a question, not a write
    } finally {
      await secure.close();
    }
  });

  it('explain pods and explain a nested Deployment field read the schemas from /openapi/v3', async () => {
    const pod = await kubectl('explain', 'pods');
    expect(pod).toMatch(/^KIND:\s+Pod$/m);
    expect(pod).toMatch(/^\s+spec\s+<PodSpec>$/m);
    const containers = await kubectl('explain', 'deployment.spec.template.spec.containers');
    expect(containers).toMatch(/^GROUP:\s+apps$/m);
    expect(containers).toMatch(/^FIELD: containers <\[\]Container>$/m);
    expect(containers).toMatch(/^\s+imagePullPolicy\s+<string>$/m);
  });

  it('client-side apply -f creates a Deployment, then patches it by a three-way strategic merge', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'apply-'));
    const manifest = (image: string, replicas: number): string => {
      const file = join(dir, `api-${replicas}.yaml`);
      writeFileSync(
        file,
        JSON.stringify({
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'api', namespace: 'shop' },
          spec: {
            replicas,
            selector: { matchLabels: { app: 'api' } },
            template: {
              metadata: { labels: { app: 'api' } },
              spec: { containers: [{ name: 'api', image }] },
            },
          },
        }),
      );
      return file;
    };
    expect(await kubectl('apply', '-f', manifest('api:1.0', 1))).toBe(
      'deployment.apps/api created\n',
    );
    // A field set by another writer survives the apply: the patch names only what changed.
    await kubectl('annotate', 'deployment', 'api', '-n', 'shop', 'owner=sre');
    expect(await kubectl('apply', '-f', manifest('api:1.1', 2))).toBe(
      'deployment.apps/api configured\n',
    );
    const patch = kube.log.filter((e) => e.verb === 'patch' && e.name === 'api');
    expect(patch.map((e) => e.status)).toEqual([200, 200]); // annotate, then apply
    const d = kube.store.get(deployments, 'shop', 'api') as unknown as {
      metadata: { annotations: Record<string, string> };
      spec: { replicas: number; template: { spec: { containers: { image: string }[] } } };
    };
    expect(d.spec.replicas).toBe(2);
    expect(d.spec.template.spec.containers.map((c) => c.image)).toEqual(['api:1.1']);
    expect(d.metadata.annotations.owner).toBe('sre');
    expect(
      JSON.parse(d.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']!),
    ).toMatchObject({ spec: { replicas: 2 } });
  });

  it('cordon adds the node.kubernetes.io/unschedulable taint; uncordon removes it', async () => {
    const taints = () =>
      (
        kube.store.get(nodes, undefined, 'cp-1')!.spec as { taints?: { key: string }[] }
      ).taints?.map((t) => t.key);
    expect(taints()).toEqual(['node-role.kubernetes.io/control-plane']);
    await kubectl('cordon', 'cp-1');
    expect(taints()).toEqual([
      'node-role.kubernetes.io/control-plane',
      'node.kubernetes.io/unschedulable',
    ]);
    expect(await kubectl('get', 'node', 'cp-1', '-o', 'jsonpath={.spec.taints[1].effect}')).toBe(
      'NoSchedule',
    );
    await kubectl('uncordon', 'cp-1');
    expect(taints()).toEqual(['node-role.kubernetes.io/control-plane']);
    await kubectl('cordon', 'worker-2');
    await kubectl('uncordon', 'worker-2');
    expect(kube.store.get(nodes, undefined, 'worker-2')!.spec).not.toHaveProperty('taints');
  });

  it('pods carry the QoS class their requests and limits give them', async () => {
    const pod = (name: string, resources: unknown[]) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'shop' },
      spec: {
        containers: resources.map((r, i) => ({
          name: `c${i}`,
          image: 'nginx:1.27.3',
          resources: r,
        })),
      },
    });
    const file = join(mkdtempSync(join(tmpdir(), 'qos-')), 'pods.json');
    writeFileSync(
      file,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: [
          // Requests default to the limits: both containers are guaranteed what they use.
          pod('guaranteed', [
            { limits: { cpu: '500m', memory: '128Mi' } },
            { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '1000m', memory: '1Gi' } },
          ]),
          pod('burstable', [{ limits: { cpu: '500m', memory: '128Mi' } }, {}]),
          pod('burstable-request', [{ requests: { memory: '64Mi' } }]),
          pod('besteffort', [{}, { requests: { 'ephemeral-storage': '1Gi' } }]),
        ],
      }),
    );
    await kubectl('create', '-f', file);
    const out = await kubectl(
      'get',
      'pods',
      '-n',
      'shop',
      '-o',
      'jsonpath={range .items[*]}{.metadata.name}={.status.qosClass}{"\\n"}{end}',
    );
    const classes = Object.fromEntries(
      out
        .trim()
        .split('\n')
        .map((l) => l.split('=')),
    );
    expect(classes).toMatchObject({
      guaranteed: 'Guaranteed',
      burstable: 'Burstable',
      'burstable-request': 'Burstable',
      besteffort: 'BestEffort',
    });
  });

  it('get -o wide adds the priority-1 columns for pods and nodes', async () => {
    const pods = (await kubectl('get', 'pods', '-n', 'shop', '-o', 'wide')).trim().split('\n');
    expect(pods[0]).toMatch(
      /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES$/,
    );
    expect(pods[1]).toMatch(/\s10\.244\.\d+\.\d+\s+worker-\d\s+<none>\s+<none>$/);
    const nodes = (await kubectl('get', 'nodes', '-o', 'wide')).trim().split('\n');
    expect(nodes[0]).toMatch(
      /^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\s+INTERNAL-IP\s+EXTERNAL-IP\s+OS-IMAGE\s+KERNEL-VERSION\s+CONTAINER-RUNTIME$/,
    );
    expect(nodes[1]).toMatch(
      /^cp-1\s+Ready\s+control-plane\s+\S+\s+v1\.32\.4\s+10\.0\.0\.\d+\s+<none>\s+Debian GNU\/Linux 12 \(bookworm\)\s+6\.1\.0-37-amd64\s+containerd:\/\/1\.7\.27$/,
    );
    // Without -o wide, the same tables keep to their priority-0 columns.
    expect((await kubectl('get', 'nodes')).split('\n')[0]).toMatch(
      /^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION$/,
    );
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
