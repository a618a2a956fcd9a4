// deploy/flux as Kustomize renders it (the real `kubectl kustomize`): a githubdispatch
// Provider whose token comes from a Secret, and an Alert that sends the failures and the
// recoveries of Kustomizations and HelmReleases with the cluster's name in the metadata
// key intake reads; then an overlay as docs/flux.md writes one, and the events the Alert
// forwards read by intake as Flux sends them.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadAll } from 'js-yaml';
import { FLUX_CLUSTER_KEY } from '../../src/alerts/flux.js';
import { normalisePayload } from '../../src/alerts/shapes.js';

const run = promisify(execFile);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const BASE = join(ROOT, 'deploy/flux');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = Record<string, any>;

async function render(dir: string): Promise<Loose[]> {
  const { stdout } = await run('kubectl', ['kustomize', dir], { maxBuffer: 16 << 20 });
  return loadAll(stdout) as Loose[];
}
const one = (objects: Loose[], kind: string): Loose => {
  const found = objects.filter((o) => o.kind === kind);
  expect(found).toHaveLength(1);
  return found[0]!;
};

describe('deploy/flux renders', () => {
  let base: Loose[];
  beforeAll(async () => {
    base = await render(BASE);
  });

  it('a Provider and an Alert of notification.toolkit.fluxcd.io/v1beta3 in flux-system, and no Secret', () => {
    expect(base.map((o) => `${o.apiVersion} ${o.kind}`).sort()).toEqual([
      'notification.toolkit.fluxcd.io/v1beta3 Alert',
      'notification.toolkit.fluxcd.io/v1beta3 Provider',
    ]);
    for (const o of base) expect(o.metadata.namespace).toBe('flux-system');
  });

  it('a githubdispatch Provider for a repository, its token from a Secret', () => {
    const provider = one(base, 'Provider');
    expect(provider.spec).toEqual({
      type: 'githubdispatch',
      address: 'https://github.com/OWNER/REPO',
      secretRef: { name: 'kubemend-github-token' },
    });
  });

  it('an Alert through that Provider for every Kustomization and HelmRelease, info and up, naming the cluster', () => {
    const alert = one(base, 'Alert');
    expect(alert.spec.providerRef).toEqual({ name: one(base, 'Provider').metadata.name });
    expect(alert.spec.eventSources).toEqual([
      { kind: 'Kustomization', name: '*' },
      { kind: 'HelmRelease', name: '*' },
    ]);
    // Recoveries are info events: an Alert on error alone would never close an incident.
    expect(alert.spec.eventSeverity).toBe('info');
    expect(Object.keys(alert.spec.eventMetadata)).toEqual([FLUX_CLUSTER_KEY]);
  });
});

describe('an overlay of deploy/flux', () => {
  it('sets the repository, the cluster and a further namespace, and intake keys the events by that cluster', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubemend-flux-overlay-'));
    writeFileSync(
      join(dir, 'kustomization.yaml'),
      [
        'apiVersion: kustomize.config.k8s.io/v1beta1',
        'kind: Kustomization',
        'resources:',
        `  - ${relative(dir, BASE)}`,
        'patches:',
        '  - target: { kind: Provider, name: kubemend }',
        '    patch: |-',
        '      - { op: replace, path: /spec/address, value: https://github.com/octo-org/gitops }',
        '  - target: { kind: Alert, name: kubemend }',
        '    patch: |-',
        '      - { op: replace, path: /spec/eventMetadata/cluster, value: prod-eu1 }',
        '      - { op: add, path: /spec/eventSources/-, value: { kind: HelmRelease, name: "*", namespace: podinfo } }',
        '',
      ].join('\n'),
    );
    const objects = await render(dir);
    expect(one(objects, 'Provider').spec.address).toBe('https://github.com/octo-org/gitops');
    const alert = one(objects, 'Alert');
    expect(alert.spec.eventSources).toContainEqual({
      kind: 'HelmRelease',
      name: '*',
      namespace: 'podinfo',
    });
    // The notification-controller adds the Alert's eventMetadata to each event it sends.
    const [failure] = normalisePayload(
      {
        involvedObject: { kind: 'HelmRelease', namespace: 'podinfo', name: 'podinfo' },
        severity: 'error',
        timestamp: '2026-11-22T03:00:00Z',
        message: 'Helm upgrade failed for release podinfo/podinfo with chart podinfo@6.5.0',
        reason: 'UpgradeFailed',
        metadata: { revision: '6.5.0', ...alert.spec.eventMetadata },
        reportingController: 'helm-controller',
      },
      { cluster: 'the-input' },
    );
    expect(failure).toMatchObject({ cluster: 'prod-eu1', status: 'firing' });
  });
});
