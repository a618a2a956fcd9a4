// deploy/relay as Kustomize renders it (the real `kubectl kustomize`), held to what the
// relay's packaging promises: the kinds it ships, a Deployment that runs non-root on a
// read-only root filesystem with probes, limits and its Secret, RBAC that only reads
// events, pods, their logs and namespaces, a NetworkPolicy that selects the relay; then
// every object of the example overlay created on the Kubernetes emulator through the
// real client-node, and the relay's ServiceAccount held to those rules by the emulator.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { load, loadAll } from 'js-yaml';
import { serviceAccountRules } from '../../src/sim/kube/rbac.js';
import { KubeEmulator } from '../../src/sim/kube/server.js';

const run = promisify(execFile);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const BASE = join(ROOT, 'deploy/relay');
const EXAMPLE = join(ROOT, 'examples/relay-overlay');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = KubernetesObject & Record<string, any>;

async function render(dir: string): Promise<{ text: string; objects: Loose[] }> {
  const { stdout } = await run('kubectl', ['kustomize', dir], { maxBuffer: 16 << 20 });
  return { text: stdout, objects: loadAll(stdout) as Loose[] };
}

const only = (objects: Loose[], kind: string): Loose[] => objects.filter((o) => o.kind === kind);
const one = (objects: Loose[], kind: string): Loose => {
  const found = only(objects, kind);
  expect(found).toHaveLength(1);
  return found[0]!;
};

/** What the relay's RBAC may grant: read verbs, on these resources of these groups. */
const READ_VERBS = ['get', 'list', 'watch'];
const READABLE: Record<string, string[]> = {
  '': ['events', 'pods', 'pods/log', 'namespaces'],
  'events.k8s.io': ['events'],
};

let base: Loose[];
let example: { text: string; objects: Loose[] };
beforeAll(async () => {
  base = (await render(BASE)).objects;
  example = await render(EXAMPLE);
});

describe('deploy/relay renders', () => {
  it('the relay and what it needs, namespace-agnostic and with no Secret', () => {
    expect(base.map((o) => o.kind).sort()).toEqual([
      'ClusterRole',
      'ClusterRoleBinding',
      'ConfigMap',
      'ConfigMap',
      'Deployment',
      'NetworkPolicy',
      'Service',
      'ServiceAccount',
    ]);
    // The overlay sets the namespace; the Secret holds tokens the user creates.
    for (const o of base) expect(o.metadata?.namespace).toBeUndefined();
    // Left for the overlay's namespace, not bound to an account of some other namespace.
    expect(one(base, 'ClusterRoleBinding').subjects[0].namespace).toBeUndefined();
  });

  it('a Deployment of one relay that runs non-root on a read-only root filesystem', () => {
    const deployment = one(base, 'Deployment');
    // Grouping state is in memory: a second replica would dispatch every incident twice.
    expect(deployment.spec.replicas).toBe(1);
    const pod = deployment.spec.template.spec;
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
    expect(pod.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
    expect(pod.serviceAccountName).toBe(one(base, 'ServiceAccount').metadata!.name);
    // The relay drains for up to 25 s on SIGTERM.
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(30);
    expect(pod.containers).toHaveLength(1);
    const [container] = pod.containers;
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    for (const kind of ['requests', 'limits'])
      expect(Object.keys(container.resources[kind]).sort()).toEqual(['cpu', 'memory']);
    expect(container.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(container.args.slice(0, 2)).toEqual(['--listen', '0.0.0.0:8080']);
    expect(container.args).toContain('--repository');
    // Every mount read-only: the relay writes nothing.
    for (const mount of container.volumeMounts ?? []) expect(mount.readOnly).toBe(true);
  });

  it("the Deployment's tokens come from the Secret kubemend-relay, the rest from the generated ConfigMaps", () => {
    const deployment = one(base, 'Deployment');
    const [container] = deployment.spec.template.spec.containers;
    const env = Object.fromEntries(
      (container.env as Loose[]).map((e) => [e.name, e.valueFrom ?? e.value]),
    );
    expect(env.GITHUB_TOKEN).toEqual({
      secretKeyRef: { name: 'kubemend-relay', key: 'github-token', optional: true },
    });
    expect(env.GITHUB_APP_PRIVATE_KEY).toEqual({
      secretKeyRef: { name: 'kubemend-relay', key: 'github-app-private-key', optional: true },
    });
    expect(env.KUBEMEND_RELAY_TOKEN).toEqual({
      secretKeyRef: { name: 'kubemend-relay', key: 'relay-token' },
    });
    expect(env.KUBEMEND_RELAY_TOKEN_PREVIOUS).toEqual({
      secretKeyRef: { name: 'kubemend-relay', key: 'relay-token-previous', optional: true },
    });
    // Kustomize renamed the generated ConfigMaps (hash suffix) and the references with them.
    const configMaps = new Map(only(base, 'ConfigMap').map((c) => [c.metadata!.name, c]));
    const settings = configMaps.get(env.KUBEMEND_REPOSITORY.configMapKeyRef.name);
    expect(settings?.data.repository).toBeDefined();
    const volume = deployment.spec.template.spec.volumes.find((v: Loose) => v.configMap);
    const config = configMaps.get(volume.configMap.name);
    expect(Object.keys(config?.data ?? {})).toEqual(['kubemend.yml']);
    const mount = container.volumeMounts.find((m: Loose) => m.name === volume.name);
    expect(container.args).toContain(`${mount.mountPath}/kubemend.yml`);
  });

  it("the image is the one the release workflow pushes, at the package's version", () => {
    const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Loose)
      .version as string;
    const [container] = one(base, 'Deployment').spec.template.spec.containers;
    expect(container.image).toBe(`ghcr.io/kubemend/kubemend-relay:${version}`);
    const [shown] = one(example.objects, 'Deployment').spec.template.spec.containers;
    expect(shown.image).toBe(container.image);
    const workflow = readFileSync(join(ROOT, '.github/workflows/relay-image.yml'), 'utf8');
    expect(workflow).toContain('kubemend-relay');
  });

  it('RBAC that only reads events, pods, their logs and namespaces', () => {
    const roles = [...only(base, 'ClusterRole'), ...only(base, 'Role')];
    expect(roles.length).toBeGreaterThan(0);
    const granted: string[] = [];
    for (const role of roles) {
      expect(role.aggregationRule).toBeUndefined();
      for (const rule of role.rules as Loose[]) {
        expect(rule.nonResourceURLs).toBeUndefined();
        expect(rule.resourceNames).toBeUndefined();
        for (const verb of rule.verbs) expect(READ_VERBS).toContain(verb);
        for (const group of rule.apiGroups)
          for (const resource of rule.resources) {
            expect(READABLE[group] ?? []).toContain(resource);
            granted.push(`${group}/${resource}`);
          }
      }
    }
    // All four the event watcher reads, so it works as well as it is contained.
    expect(granted).toEqual(
      expect.arrayContaining(['/events', '/pods', '/pods/log', '/namespaces']),
    );
    const binding = one(base, 'ClusterRoleBinding');
    expect(binding.roleRef).toEqual({
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      name: one(base, 'ClusterRole').metadata!.name,
    });
    expect(binding.subjects.map((s: Loose) => [s.kind, s.name])).toEqual([
      ['ServiceAccount', one(base, 'ServiceAccount').metadata!.name],
    ]);
  });

  it('a NetworkPolicy that selects the relay and lets in only its port', () => {
    const policy = one(base, 'NetworkPolicy');
    const labels = one(base, 'Deployment').spec.template.metadata.labels;
    for (const [key, value] of Object.entries(policy.spec.podSelector.matchLabels))
      expect(labels[key]).toBe(value);
    expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    for (const rule of policy.spec.ingress as Loose[]) {
      expect(rule.ports).toEqual([{ port: 'http', protocol: 'TCP' }]);
      // From named pods of a named namespace, never from anywhere.
      for (const peer of rule.from as Loose[]) {
        expect(peer.namespaceSelector?.matchLabels).toBeDefined();
        expect(peer.podSelector?.matchLabels).toBeDefined();
      }
    }
    const service = one(base, 'Service');
    expect(service.spec.selector).toEqual(policy.spec.podSelector.matchLabels);
    expect(service.spec.ports).toEqual([
      { name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP' },
    ]);
  });

  it("an overlay's namespace reaches every object and the binding's subject", async () => {
    const overlay = mkdtempSync(join(tmpdir(), 'kubemend-overlay-'));
    writeFileSync(
      join(overlay, 'kustomization.yaml'),
      [
        'namespace: alerting',
        'resources:',
        `  - ${relative(overlay, BASE)}`,
        'configMapGenerator:',
        '  - name: kubemend-relay-settings',
        '    behavior: merge',
        '    literals: [repository=octo-org/gitops]',
        '',
      ].join('\n'),
    );
    const { objects } = await render(overlay);
    for (const o of objects)
      if (!['ClusterRole', 'ClusterRoleBinding'].includes(o.kind!))
        expect(o.metadata?.namespace).toBe('alerting');
    expect(one(objects, 'ClusterRoleBinding').subjects[0].namespace).toBe('alerting');
    const settings = only(objects, 'ConfigMap').find((c) => c.data.repository);
    expect(settings?.data.repository).toBe('octo-org/gitops');
  });

  it("the Alertmanager receiver posts to the Service in the example overlay's namespace", () => {
    const receiver = load(readFileSync(join(BASE, 'alertmanager-receiver.yaml'), 'utf8')) as Loose;
    const service = one(example.objects, 'Service');
    const [port] = service.spec.ports;
    expect(receiver.receivers[0].webhook_configs[0].url).toBe(
      `http://${service.metadata!.name}.${service.metadata!.namespace}.svc:${port.port}/alertmanager`,
    );
  });

  it('the example overlay sets a repository the relay accepts, not the placeholder', () => {
    const settings = only(example.objects, 'ConfigMap').find((c) => c.data?.repository);
    expect(settings?.data.repository).toMatch(/^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/);
    const placeholder = only(base, 'ConfigMap').find((c) => c.data?.repository);
    // The base's placeholder is refused by the relay at start, so a forgotten overlay fails loudly.
    expect(placeholder?.data.repository).not.toMatch(/^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/);
  });
});

describe('on the Kubernetes emulator', () => {
  const RELAY_TOKEN = 'relay-service-account-token';
  let kube: KubeEmulator;
  let admin: KubeConfig;
  beforeAll(async () => {
    kube = await new KubeEmulator({
      users: {
        // The relay's ServiceAccount, holding what the rendered RBAC binds to it.
        [RELAY_TOKEN]: {
          name: 'system:serviceaccount:kubemend:kubemend-relay',
          rules: serviceAccountRules(example.text, {
            namespace: 'kubemend',
            name: 'kubemend-relay',
          }),
        },
      },
    }).listen();
    admin = new KubeConfig();
    admin.loadFromString(kube.kubeconfig());
  });
  afterAll(async () => kube.close());

  it('accepts every object of the example overlay, created through client-node', async () => {
    const client = KubernetesObjectApi.makeApiClient(admin);
    expect(example.objects[0]?.kind).toBe('Namespace');
    for (const object of example.objects) {
      const created = await client.create(object);
      expect([created.kind, created.metadata?.name, created.metadata?.uid]).toEqual([
        object.kind,
        object.metadata?.name,
        expect.any(String),
      ]);
    }
    const deployment = await admin.makeApiClient(AppsV1Api).readNamespacedDeployment({
      name: 'kubemend-relay',
      namespace: 'kubemend',
    });
    expect(
      deployment.spec?.template.spec?.containers[0]?.securityContext?.readOnlyRootFilesystem,
    ).toBe(true);
  });

  it('lets the relay account read events, pods, logs and namespaces, and nothing else', async () => {
    const kc = new KubeConfig();
    kc.loadFromString(kube.kubeconfig({ token: RELAY_TOKEN }));
    const core = kc.makeApiClient(CoreV1Api);
    const apps = kc.makeApiClient(AppsV1Api);
    await expect(core.listPodForAllNamespaces()).resolves.toBeDefined();
    await expect(core.listEventForAllNamespaces()).resolves.toBeDefined();
    await expect(core.listNamespace()).resolves.toBeDefined();
    const refused = async (call: Promise<unknown>): Promise<number | undefined> =>
      call.then(
        () => undefined,
        (error: { code?: number }) => error.code,
      );
    expect(await refused(core.listSecretForAllNamespaces())).toBe(403);
    expect(
      await refused(core.readNamespacedSecret({ name: 'kubemend-relay', namespace: 'kubemend' })),
    ).toBe(403);
    expect(await refused(apps.listDeploymentForAllNamespaces())).toBe(403);
    expect(await refused(core.deleteCollectionNamespacedPod({ namespace: 'kubemend' }))).toBe(403);
  });

  it('refuses RBAC a cluster would refuse, so accepting the base means something', async () => {
    const client = KubernetesObjectApi.makeApiClient(admin);
    const binding = structuredClone(one(example.objects, 'ClusterRoleBinding'));
    binding.metadata = { name: 'no-subject-namespace' };
    delete binding.subjects[0].namespace;
    const role = structuredClone(one(example.objects, 'ClusterRole'));
    role.metadata = { name: 'no-verbs' };
    role.rules[0].verbs = [];
    for (const [object, message] of [
      [binding, /subjects\[0\]\.namespace: Required value/],
      [role, /rules\[0\]\.verbs: Required value/],
    ] as const) {
      const error = await client.create(object).then(
        () => undefined,
        (e: { code?: number; body?: string }) => e,
      );
      expect(error?.code).toBe(422);
      expect(String(error?.body)).toMatch(message);
    }
  });
});
