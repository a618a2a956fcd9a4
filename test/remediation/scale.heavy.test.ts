// Remediation at scale (docs/architecture.md, Performance budgets): pods stuck pulling
// across many namespaces are found with list calls, never one GET per pod, and deleted
// with a bounded number of requests in flight; the simulated cluster then says whether it
// worked. The test runs 100 pods across 10 namespaces (the emulator reconciles its whole
// cluster on every write, about a quarter second per deletion at 500 pods);
// bench/remediate-scale measures the 500 pods across 50 namespaces of the budget.
// Heavy: `npm run test:heavy`.
import { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from '../../src/kube/client.js';
import { observeIdentity } from '../../src/kube/identity.js';
import { Ledger } from '../../src/kube/ledger.js';
import { runImagePull } from '../../src/remediation/playbooks/image-pull.js';
import type { RemediationJob } from '../../src/remediation/run.js';
import { scaleScenario } from '../../bench/scale-scenario.js';
import { resourceForKind } from '../../src/sim/kube/resources.js';
import { loadScenario } from '../../src/sim/kube/scenario.js';
import { KubeEmulator } from '../../src/sim/kube/server.js';
import type { KObject } from '../../src/sim/kube/store.js';
import { remediationContext } from './support.js';

let kube: KubeEmulator;
afterEach(async () => {
  await kube.close();
});

it('handles 100 stuck pods across 10 namespaces with list calls and at most 8 requests in flight', async () => {
  kube = await new KubeEmulator().listen();
  loadScenario(kube, scaleScenario(10, 2, 5));
  kube.seed(resourceForKind('v1', 'Namespace')!, {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'kubemend' },
  } as KObject);
  const kc = new KubeConfig();
  kc.loadFromString(kube.kubeconfig());
  const observed = await observeIdentity(kc, new KubeClient(kc, { dryRun: true }));
  const base = remediationContext(kube, kc, 'auto', {
    server: observed.server,
    kubeSystemUid: observed.kubeSystemUid,
  });
  const ctx = {
    ...base,
    maxTargets: 200,
    concurrency: 8,
    ledger: new Ledger(
      base.client,
      { namespace: 'kubemend', name: 'kubemend-ledger' },
      {
        perHour: 1000,
        perPlaybookPerHour: 1000,
        cooldownMs: 60_000,
        stormIncidents: 10,
        stormWindowMs: 60_000,
      },
      5,
    ),
  };
  // quay.io comes back as kubemend acts, so the recreated pods can run.
  kube.onAnswer = (entry) => {
    if (entry.verb === 'delete' && !entry.dryRun) kube.sim.facts.registries['quay.io'] = 'ok';
  };
  kube.log.length = 0;
  ctx.client.stats.maxInFlight = 0;
  const job: RemediationJob = {
    playbook: 'image-pull',
    category: 'image-pull',
    incident: 1,
    id: '5ca1e500',
    cluster: 'lab',
    targets: { cluster: 'lab' },
    mode: 'auto',
  };
  const result = await runImagePull(job, ctx);

  const count = (verb: string, resource: string) =>
    kube.log.filter((e) => e.verb === verb && e.resource === resource).length;
  expect(result.verification.before).toBe(100);
  expect(count('delete', 'pods')).toBe(100);
  // Not one GET per pod: pods are only ever listed (diagnosis, then each verification poll).
  expect(count('get', 'pods')).toBe(0);
  expect(count('list', 'pods')).toBeLessThanOrEqual(2 + result.verification.polls * 2);
  // The client counts what it has sent and not had answered: one workload's pods at once
  // (five here), never past the bound.
  expect(ctx.client.stats.maxInFlight).toBeGreaterThan(1);
  expect(ctx.client.stats.maxInFlight).toBeLessThanOrEqual(8);
  expect(result.outcome).toBe('resolved');
});
