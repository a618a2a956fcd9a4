// A simulated cluster for a remediation test, and the context a job runs with: the
// ledger namespace exists, waiting moves the simulated clock, and identity is what the
// test says the config holds.
import { KubeConfig } from '@kubernetes/client-node';
import type { ExpectedIdentity } from '../../src/config/config.js';
import { KubeClient } from '../../src/kube/client.js';
import { Ledger } from '../../src/kube/ledger.js';
import { GUARDRAIL_DEFAULTS } from '../../src/remediation/guardrails.js';
import type { RemediationContext } from '../../src/remediation/run.js';
import type { PlaybookMode } from '../../src/shared/constants.js';
import { resourceForKind } from '../../src/sim/kube/resources.js';
import { loadScenario } from '../../src/sim/kube/scenario.js';
import { KubeEmulator, type KubeUser } from '../../src/sim/kube/server.js';
import type { KObject } from '../../src/sim/kube/store.js';
import type { ClusterTls } from '../../src/sim/kube/tls.js';

export async function simulatedCluster(
  scenario: string,
  tls?: ClusterTls,
  access: { users?: Record<string, KubeUser>; token?: string } = {},
): Promise<{ kube: KubeEmulator; kc: KubeConfig }> {
  const kube = await new KubeEmulator({
    ...(tls ? { tls } : {}),
    ...(access.users ? { users: access.users } : {}),
  }).listen();
  loadScenario(kube, scenario);
  kube.seed(resourceForKind('v1', 'Namespace')!, {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'kubemend' },
  } as KObject);
  const kc = new KubeConfig();
  kc.loadFromString(kube.kubeconfig(access.token ? { token: access.token } : {}));
  return { kube, kc };
}

export function remediationContext(
  kube: KubeEmulator,
  kc: KubeConfig,
  mode: PlaybookMode,
  expectedIdentity: ExpectedIdentity | undefined,
): RemediationContext {
  const client = new KubeClient(kc, { dryRun: mode !== 'auto', backoffMs: 5 });
  return {
    kubeconfig: kc,
    client,
    ledger: new Ledger(
      client,
      { namespace: 'kubemend', name: 'kubemend-ledger' },
      {
        perHour: 20,
        perPlaybookPerHour: 10,
        cooldownMs: 15 * 60_000,
        stormIncidents: 5,
        stormWindowMs: 10 * 60_000,
      },
      5,
    ),
    guardrails: GUARDRAIL_DEFAULTS,
    expectedIdentity,
    maxTargets: 10,
    concurrency: 8,
    verify: { timeoutMs: 5 * 60_000, intervalMs: 15_000 },
    now: () => kube.clock.now(),
    clusterNow: () => kube.clock.now(),
    // Waiting is the simulated cluster moving on.
    sleep: async (ms) => kube.advance(ms),
    log: () => {},
  };
}
