// A simulated cluster's identity depends on its name alone: a rehearsal's emulator
// listens on a random port, so the CA certificate and the kube-system uid must come out
// the same on every run and machine for the config's two-of-three identity check to
// pass, and differ between clusters for it to mean anything. Checked through the real
// client-node, Node's TLS and the real kubectl.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from '../../src/kube/client.js';
import { checkIdentity, observeIdentity } from '../../src/kube/identity.js';
import { simulatedClusterIdentity, startCluster } from '../../src/sim/kube/cluster.js';
import type { KubeEmulator } from '../../src/sim/kube/server.js';
import { clusterTls } from '../../src/sim/kube/tls.js';

const run = promisify(execFile);
const started: KubeEmulator[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((kube) => kube.close()));
});

async function cluster(name: string): Promise<KubeEmulator> {
  const kube = await startCluster(name);
  started.push(kube);
  return kube;
}

async function observe(kube: KubeEmulator, caData?: string) {
  const kc = new KubeConfig();
  kc.loadFromString(kube.kubeconfig({ caData }));
  return observeIdentity(kc, new KubeClient(kc, { dryRun: true, backoffMs: 5 }));
}

async function kubectl(kube: KubeEmulator, caData: string | undefined, ...args: string[]) {
  const file = join(mkdtempSync(join(tmpdir(), 'kubectl-identity-')), 'config');
  writeFileSync(file, kube.kubeconfig({ caData }), { mode: 0o600 });
  return run('kubectl', ['--kubeconfig', file, ...args]);
}

describe('a simulated cluster identity', () => {
  it('is the same CA and kube-system uid for two emulators of one cluster name', async () => {
    const first = await observe(await cluster('prod-eu'));
    const second = await observe(await cluster('prod-eu'));
    expect(first.server).not.toBe(second.server);
    expect(first.caSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(second.caSha256).toBe(first.caSha256);
    expect(first.kubeSystemUid).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(second.kubeSystemUid).toBe(first.kubeSystemUid);
    expect(simulatedClusterIdentity('prod-eu')).toEqual({
      caSha256: first.caSha256,
      kubeSystemUid: first.kubeSystemUid,
    });
  });

  it('confirms against a config written from an earlier run, though the server URL differs', async () => {
    const earlier = await observe(await cluster('prod-eu'));
    const now = await observe(await cluster('prod-eu'));
    expect(checkIdentity(now, earlier)).toEqual({
      status: 'confirmed',
      matched: ['caSha256', 'kubeSystemUid'],
      mismatched: ['server'],
    });
  });

  it('differs between cluster names in both the CA and the kube-system uid', async () => {
    const prod = await observe(await cluster('prod-eu'));
    const staging = await observe(await cluster('staging-eu'));
    expect(staging.caSha256).not.toBe(prod.caSha256);
    expect(staging.kubeSystemUid).not.toBe(prod.kubeSystemUid);
    expect(checkIdentity(staging, prod)).toMatchObject({ status: 'uncertain', matched: [] });
  });

  it('is pinned: the same name gives the same identity in every kubemend version', () => {
    // Users paste these into their configs; a change here breaks every rehearsal config.
    expect(simulatedClusterIdentity('prod-eu')).toEqual({
      caSha256: '70e8c6dc927df08a6a95f5fed5c590563481db4e6e33b1a33aef2e3ae0a48b58',
      kubeSystemUid: '1297207a-5929-5be4-9d20-486699103c2d',
    });
    expect(clusterTls('prod-eu')).toEqual(clusterTls('prod-eu'));
  });

  it('gives a re-created namespace a new uid, as an API server does', async () => {
    const kube = await cluster('prod-eu');
    const core = (() => {
      const kc = new KubeConfig();
      kc.loadFromString(kube.kubeconfig());
      return kc.makeApiClient(CoreV1Api);
    })();
    const created = await core.createNamespace({ body: { metadata: { name: 'shop' } } });
    await core.deleteNamespace({ name: 'shop' });
    kube.advance(60_000);
    const again = await core.createNamespace({ body: { metadata: { name: 'shop' } } });
    expect(again.metadata!.uid).not.toBe(created.metadata!.uid);
  });
});

describe('TLS with the derived certificates', () => {
  it("Node's https client verifies the server against the cluster's CA and its IP SAN", async () => {
    const kube = await cluster('prod-eu');
    const ca = Buffer.from(clusterTls('prod-eu').caData, 'base64');
    const status = await new Promise<number | undefined>((resolve, reject) =>
      get(`${kube.url}/version`, { ca }, (res) => {
        res.resume();
        resolve(res.statusCode);
      }).on('error', reject),
    );
    expect(status).toBe(200);
  });

  it("client-node refuses the server with another cluster's CA", async () => {
    const kube = await cluster('prod-eu');
    await expect(observe(kube, clusterTls('staging-eu').caData)).rejects.toThrow();
  });

  it('kubectl connects with the CA and reads the derived kube-system uid', async () => {
    const kube = await cluster('prod-eu');
    const { stdout } = await kubectl(
      kube,
      undefined,
      'get',
      'namespace',
      'kube-system',
      '-o',
      'jsonpath={.metadata.uid}',
    );
    expect(stdout).toBe(simulatedClusterIdentity('prod-eu').kubeSystemUid);
  });

  it("kubectl refuses the server with another cluster's CA", async () => {
    const kube = await cluster('prod-eu');
    await expect(
      kubectl(kube, clusterTls('staging-eu').caData, 'get', 'namespace', 'kube-system'),
    ).rejects.toMatchObject({
      stderr: expect.stringMatching(/certificate signed by unknown authority/),
    });
  });
});
