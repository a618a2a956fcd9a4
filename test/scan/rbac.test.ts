// deploy/rbac/kubemend-scan.yaml grants list and watch on exactly the kinds the analyzers
// read: the scan runs as its ServiceAccount on the emulator (which enforces the rules as
// the API server's RBAC would) without a 403, and anything else is refused.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KubeClient } from '../../src/kube/client.js';
import { repoRoot } from '../../src/rehearse/action.js';
import { ANALYZERS } from '../../src/scan/analyzers.js';
import { kindsOf, scanCluster } from '../../src/scan/scan.js';
import { serviceAccountRules } from '../../src/sim/kube/rbac.js';
import { resourceForKind } from '../../src/sim/kube/resources.js';
import type { KubeEmulator } from '../../src/sim/kube/server.js';
import type { KObject } from '../../src/sim/kube/store.js';
import { simulatedCluster } from '../remediation/support.js';
import { CERT_MANAGER_CRD } from './cert-manager.js';

const manifests = readFileSync(join(repoRoot, 'deploy/rbac/kubemend-scan.yaml'), 'utf8');
const rules = serviceAccountRules(manifests, { namespace: 'kubemend', name: 'kubemend-scan' });
const TOKEN = 'kubemend-scan-token';

let kube: KubeEmulator | undefined;
afterEach(async () => {
  await kube?.close();
  kube = undefined;
});

describe('the RBAC of deploy/rbac/kubemend-scan.yaml', () => {
  it('grants list and watch on exactly the kinds the analyzers read', () => {
    const granted = rules.flatMap((r) =>
      r.apiGroups.flatMap((g) => r.resources.map((res) => `${g}/${res} ${r.verbs.join(',')}`)),
    );
    expect(granted.sort()).toEqual(
      kindsOf(ANALYZERS)
        .map((k) => `${k.group}/${k.resource} list,watch`)
        .sort(),
    );
  });

  it('is enough for a full scan, and refuses anything beyond listing', async () => {
    const cluster = await simulatedCluster('oom-loop', undefined, {
      users: { [TOKEN]: { name: 'system:serviceaccount:kubemend:kubemend-scan', rules } },
      token: TOKEN,
    });
    kube = cluster.kube;
    // cert-manager and Longhorn installed: every kind the analyzers read is served, so each is listed.
    const crd = resourceForKind('apiextensions.k8s.io/v1', 'CustomResourceDefinition')!;
    kube.seed(crd, CERT_MANAGER_CRD as KObject);
    kube.seed(crd, {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'volumes.longhorn.io' },
    });
    const client = new KubeClient(cluster.kc, { dryRun: false, backoffMs: 5 });
    const result = await scanCluster(client, { cluster: 'lab' });
    expect(cluster.kube.log.filter((e) => e.status === 403)).toEqual([]);
    expect(result.unlisted).toEqual([]);
    expect(result.findings.map((f) => `${f.analyzer} ${f.target.kind}/${f.target.name}`)).toEqual([
      'oom Deployment/order-worker',
    ]);
    // No get, no secrets.
    await expect(
      client.get({ apiVersion: 'v1', kind: 'Pod', namespace: 'shop', name: 'x' }),
    ).rejects.toMatchObject({ code: 403 });
    await expect(client.list('v1', 'Secret')).rejects.toMatchObject({ code: 403 });
  });
});
