// One kubeconfig secret per cluster: the naming rule (one function), the config refusing
// two clusters that would share a secret, and the two places that hand the name to the
// workflow: the sweep's list of clusters and triage's matrix entries.
import { checkConfig, parseConfig } from '../../src/config/config.js';
import { kubeconfigSecretName } from '../../src/shared/names.js';
import { sweepClusters } from '../../src/sweep/clusters.js';
import { buildMatrix } from '../../src/triage/matrix.js';
import { triagePayload } from '../../src/triage/triage.js';

const identity =
  '{ server: https://10.0.0.1:6443, kube-system-uid: 6f1e2d3c-0a1b-4c5d-8e9f-0a1b2c3d4e5f }';

describe("a cluster's kubeconfig secret", () => {
  it.each([
    ['prod-eu', 'KUBECONFIG_PROD_EU'],
    ['homelab', 'KUBECONFIG_HOMELAB'],
    ['Lab.2', 'KUBECONFIG_LAB_2'],
    ['a_b-c.d', 'KUBECONFIG_A_B_C_D'],
  ])('of %s is %s: upper-cased, every character but A-Z and 0-9 as _', (cluster, secret) => {
    expect(kubeconfigSecretName(cluster)).toBe(secret);
  });

  it('is always a name GitHub allows for a secret, and none for no cluster', () => {
    for (const cluster of ['x', '9lives', 'ünïcode-ß', 'a b;c$(d)'])
      expect(kubeconfigSecretName(cluster)).toMatch(/^KUBECONFIG_[A-Z0-9_]+$/);
    expect(kubeconfigSecretName('')).toBe('');
  });
});

describe('validate-config and the clusters block', () => {
  it('refuses two clusters whose secrets would have one name, in one line naming both', () => {
    const { config, problems } = checkConfig(
      `clusters:\n  prod-eu: ${identity}\n  lab: ${identity}\n  PROD_EU: ${identity}\n`,
      '.github/kubemend.yml',
    );
    expect(config).toBeUndefined();
    expect(problems).toEqual([
      "Config .github/kubemend.yml: 'clusters' names prod-eu and PROD_EU, whose kubeconfig secrets would both be KUBECONFIG_PROD_EU; rename one: names must differ in more than case and punctuation.",
    ]);
  });

  it('accepts clusters whose secrets differ', () => {
    const { problems } = checkConfig(
      `clusters:\n  prod-eu: ${identity}\n  prod-us: ${identity}\n`,
      '.github/kubemend.yml',
    );
    expect(problems).toEqual([]);
  });
});

describe('the clusters a sweep runs for', () => {
  it("are the config's clusters, each with its secret, whatever the workflow names", () => {
    const config = parseConfig(
      `clusters:\n  prod-eu: ${identity}\n  homelab: ${identity}\n`,
      '.github/kubemend.yml',
    );
    expect(sweepClusters(config, 'elsewhere')).toEqual([
      { cluster: 'prod-eu', 'kubeconfig-secret': 'KUBECONFIG_PROD_EU' },
      { cluster: 'homelab', 'kubeconfig-secret': 'KUBECONFIG_HOMELAB' },
    ]);
  });

  it('are the one the workflow names when the config names none, or one unnamed entry', () => {
    const config = parseConfig('', '.github/kubemend.yml');
    expect(sweepClusters(config, 'lab')).toEqual([
      { cluster: 'lab', 'kubeconfig-secret': 'KUBECONFIG_LAB' },
    ]);
    expect(sweepClusters(config, undefined)).toEqual([{ cluster: '', 'kubeconfig-secret': '' }]);
  });
});

it("triage's matrix entries name their cluster's secret", () => {
  const config = parseConfig('', '.github/kubemend.yml');
  const { incidents } = triagePayload(
    {
      title: 'ImagePullBackOff',
      cluster: 'prod-eu',
      status: 'firing',
      namespace: 'shop',
      resource: 'Deployment/web',
      message: 'Back-off pulling image "web:1.2"',
    },
    { cluster: 'prod-eu', config },
  );
  const { include } = buildMatrix(
    incidents.map((incident) => ({ incident, number: 7 })),
    config,
  );
  expect(include.length).toBeGreaterThan(0);
  for (const entry of include) expect(entry['kubeconfig-secret']).toBe('KUBECONFIG_PROD_EU');
});
