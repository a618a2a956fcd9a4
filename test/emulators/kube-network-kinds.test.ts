// Ingress, HorizontalPodAutoscaler, EndpointSlice and cert-manager's Certificate on the
// emulator, found through discovery by the real client-node's KubernetesObjectApi; the
// EndpointSlices are kept from Services' selectors and pods, as the controller keeps them.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { KubeConfig, KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { findResource } from '../../src/sim/kube/resources.js';
import { loadScenario, type Scenario } from '../../src/sim/kube/scenario.js';
import { KubeEmulator } from '../../src/sim/kube/server.js';
import type { KObject } from '../../src/sim/kube/store.js';

const run = promisify(execFile);
const deployments = findResource('apps', 'v1', 'deployments')!;

const cluster: Scenario = {
  description: 'a web Deployment behind a Service, an Ingress, an HPA and a failing Certificate',
  nodes: [{ name: 'node-1' }],
  settleSeconds: 30,
  objects: [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'shop' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            containers: [
              {
                name: 'app',
                image: 'nginx:1.27.3',
                ports: [{ name: 'http', containerPort: 8080 }],
              },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'shop' },
      spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'web', namespace: 'shop' },
      spec: {
        ingressClassName: 'nginx',
        rules: [
          {
            host: 'shop.example.com',
            http: {
              paths: [
                {
                  path: '/',
                  pathType: 'Prefix',
                  backend: { service: { name: 'web', port: { number: 80 } } },
                },
              ],
            },
          },
        ],
      },
    },
    {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web', namespace: 'shop' },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        minReplicas: 2,
        maxReplicas: 5,
        metrics: [
          {
            type: 'Resource',
            resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
          },
        ],
      },
    },
    {
      // cert-manager's CRD: Certificates are served once it is installed.
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'certificates.cert-manager.io' },
      spec: {
        group: 'cert-manager.io',
        names: { kind: 'Certificate', plural: 'certificates', singular: 'certificate' },
        scope: 'Namespaced',
        versions: [{ name: 'v1', served: true, storage: true }],
      },
    },
    {
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: { name: 'shop-tls', namespace: 'shop' },
      spec: { secretName: 'shop-tls', dnsNames: ['shop.example.com'], issuerRef: { name: 'le' } },
      status: {
        conditions: [
          {
            type: 'Ready',
            status: 'False',
            reason: 'DoesNotExist',
            message: 'Issuing certificate as Secret does not exist',
          },
        ],
      },
    },
  ] as KObject[],
};

let kube: KubeEmulator;
let objects: KubernetesObjectApi;

beforeEach(async () => {
  kube = await new KubeEmulator().listen();
  loadScenario(kube, cluster);
  const kc = new KubeConfig();
  kc.loadFromString(kube.kubeconfig());
  objects = KubernetesObjectApi.makeApiClient(kc);
});
afterEach(async () => {
  await kube.close();
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = KubernetesObject & Record<string, any>;
const list = async (apiVersion: string, kind: string): Promise<Loose[]> =>
  (await objects.list<Loose>(apiVersion, kind, 'shop')).items;

describe('networking, autoscaling, discovery and cert-manager kinds', () => {
  it('serves Ingress, HorizontalPodAutoscaler and Certificate through discovery', async () => {
    expect(
      (await list('networking.k8s.io/v1', 'Ingress')).map((o) => o.spec.rules[0].host),
    ).toEqual(['shop.example.com']);
    const [hpa] = await list('autoscaling/v2', 'HorizontalPodAutoscaler');
    expect(hpa?.spec.scaleTargetRef).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'web',
    });
    const [cert] = await list('cert-manager.io/v1', 'Certificate');
    expect(cert?.status.conditions[0]).toMatchObject({ type: 'Ready', status: 'False' });
  });

  it('serves Certificates only while cert-manager’s CRD is installed', async () => {
    await objects.delete({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'certificates.cert-manager.io' },
    });
    const response = await fetch(`${kube.url}/apis/cert-manager.io/v1/certificates`);
    expect(response.status).toBe(404);
    const groups = (await (await fetch(`${kube.url}/apis`)).json()) as {
      groups: { name: string }[];
    };
    expect(groups.groups.map((g) => g.name)).not.toContain('cert-manager.io');
  });

  it('keeps an EndpointSlice per Service with its ready pods and resolved target port', async () => {
    const [slice] = await list('discovery.k8s.io/v1', 'EndpointSlice');
    expect(slice?.metadata?.labels?.['kubernetes.io/service-name']).toBe('web');
    expect(slice?.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'Service', name: 'web' });
    expect(slice?.ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }]);
    expect(slice?.endpoints).toHaveLength(2);
    expect(slice?.endpoints.every((e: Loose) => e.conditions.ready)).toBe(true);

    kube.patchObject(deployments, 'shop', 'web', { spec: { replicas: 3 } });
    kube.advance(30_000);
    const [scaled] = await list('discovery.k8s.io/v1', 'EndpointSlice');
    expect(scaled?.endpoints).toHaveLength(3);

    await objects.delete({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'shop' },
    });
    kube.advance(5_000);
    expect(await list('discovery.k8s.io/v1', 'EndpointSlice')).toEqual([]);
  });

  it('shows the kinds to kubectl get', async () => {
    const kubeconfig = join(mkdtempSync(join(tmpdir(), 'kubectl-')), 'config');
    writeFileSync(kubeconfig, kube.kubeconfig(), { mode: 0o600 });
    const kubectl = async (...args: string[]) =>
      (
        await run('kubectl', ['--kubeconfig', kubeconfig, '-n', 'shop', 'get', ...args], {
          timeout: 60_000,
        })
      ).stdout;
    expect(await kubectl('endpointslices')).toMatch(
      /\nweb-\w{5}\s+IPv4\s+8080\s+10\.\S+,10\.\S+\s/,
    );
    expect(await kubectl('ingress')).toMatch(/\nweb\s+nginx\s+shop\.example\.com\s+80\s/);
    expect(await kubectl('hpa')).toMatch(
      /\nweb\s+Deployment\/web\s+cpu: <unknown>\/70%\s+2\s+5\s+0\s/,
    );
    expect(await kubectl('certificates')).toMatch(/\nshop-tls\s+False\s+shop-tls\s/);
  });
});
