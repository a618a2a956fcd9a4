// The ledger shared by parallel remediation jobs: budgets, cooldown and storm, each
// reservation a compare-and-swap on the ConfigMap's resourceVersion, against the
// Kubernetes emulator with the real client-node.
import { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from '../../src/kube/client.js';
import { Ledger, type LedgerLimits } from '../../src/kube/ledger.js';
import { resourceForKind } from '../../src/sim/kube/resources.js';
import { KubeEmulator } from '../../src/sim/kube/server.js';
import type { KObject } from '../../src/sim/kube/store.js';

let kube: KubeEmulator;
let kubeconfig: string;
const AT = { namespace: 'kubemend', name: 'kubemend-ledger' };
const LIMITS: LedgerLimits = {
  perHour: 7,
  perPlaybookPerHour: 5,
  cooldownMs: 15 * 60_000,
  stormIncidents: 4,
  stormWindowMs: 10 * 60_000,
};
const NOW = Date.parse('2026-11-22T03:00:00Z');
const MINUTE = 60_000;

beforeEach(async () => {
  kube = await new KubeEmulator().listen();
  kube.seed(resourceForKind('v1', 'Namespace')!, {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'kubemend' },
  } as KObject);
  kubeconfig = kube.kubeconfig();
});
afterEach(async () => {
  await kube.close();
});

function ledger(limits: Partial<LedgerLimits> = {}, dryRun = false): Ledger {
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfig);
  return new Ledger(new KubeClient(kc, { dryRun, backoffMs: 5 }), AT, { ...LIMITS, ...limits }, 5);
}

const ask = (
  l: Ledger,
  target: string,
  options: { playbook?: string; incident?: string; now?: number } = {},
) =>
  l.reserve({
    playbook: options.playbook ?? 'image-pull',
    target,
    incident: options.incident ?? 'inc-1',
    now: options.now ?? NOW,
  });

describe('the ledger', () => {
  it('grants up to the hourly budget, then refuses with the reason, and frees it an hour later', async () => {
    const l = ledger({ perPlaybookPerHour: 100 });
    for (let i = 0; i < 7; i++) expect((await ask(l, `shop/Pod/p${i}`)).granted).toBe(true);
    expect(await ask(l, 'shop/Pod/p7')).toEqual({
      granted: false,
      guardrail: 'rate-limit',
      reason: 'rate limit: 7 actions in the last hour (limit 7)',
    });
    expect((await ask(l, 'shop/Pod/p7', { now: NOW + 61 * MINUTE })).granted).toBe(true);
  });

  it('keeps a budget per playbook', async () => {
    const l = ledger();
    for (let i = 0; i < 5; i++) await ask(l, `shop/Pod/p${i}`, { playbook: 'node' });
    expect(await ask(l, 'shop/Pod/x', { playbook: 'node' })).toMatchObject({
      granted: false,
      guardrail: 'playbook-rate-limit',
    });
    expect((await ask(l, 'shop/Pod/x', { playbook: 'oom' })).granted).toBe(true);
  });

  it('refuses a second action on one target within the cooldown, whichever playbook asks', async () => {
    const l = ledger();
    await ask(l, 'shop/Deployment/api', { playbook: 'crash-loop' });
    expect(
      await ask(l, 'shop/Deployment/api', { playbook: 'oom', now: NOW + 14 * MINUTE }),
    ).toMatchObject({
      granted: false,
      guardrail: 'cooldown',
      reason: expect.stringMatching(
        /^cooldown: shop\/Deployment\/api was acted on at 2026-11-22T03:00:00\.000Z \(crash-loop\)/,
      ),
    });
    expect((await ask(l, 'shop/Deployment/api', { now: NOW + 16 * MINUTE })).granted).toBe(true);
  });

  it('stops automating a target that was fixed and came back twice within the recurrence window', async () => {
    const l = ledger({ recurrenceLimit: 2, recurrenceWindowMs: 24 * 60 * MINUTE });
    const target = 'shop/Deployment/api';
    expect((await ask(l, target)).granted).toBe(true);
    // Past the cooldown, the problem is back: a second fix is still allowed.
    expect((await ask(l, target, { now: NOW + 30 * MINUTE })).granted).toBe(true);
    const third = await ask(l, target, { now: NOW + 90 * MINUTE });
    expect(third).toMatchObject({
      granted: false,
      guardrail: 'recurrence',
      reason: expect.stringMatching(
        /^recurrence: shop\/Deployment\/api was acted on 2 times in the last 24h \(2026-11-22T03:00:00\.000Z, 2026-11-22T03:30:00\.000Z\)/,
      ),
    });
    // Other targets are untouched, and a day later the target is automated again.
    expect((await ask(l, 'shop/Deployment/web', { now: NOW + 90 * MINUTE })).granted).toBe(true);
    expect((await ask(l, target, { now: NOW + 24 * 60 * MINUTE + 31 * MINUTE })).granted).toBe(
      true,
    );
  });

  it('stops automation when too many distinct incidents come at once', async () => {
    const l = ledger();
    for (let i = 0; i < 4; i++)
      expect((await ask(l, `ns${i}/Pod/p`, { incident: `inc-${i}` })).granted).toBe(true);
    expect(await ask(l, 'ns9/Pod/p', { incident: 'inc-9' })).toMatchObject({
      granted: false,
      guardrail: 'storm',
    });
    // An incident already in the window is not a new one.
    expect((await ask(l, 'ns0/Pod/q', { incident: 'inc-0' })).granted).toBe(true);
  });

  it('lets 20 jobs racing for 7 actions take exactly 7, through compare-and-swap on resourceVersion', async () => {
    const jobs = Array.from({ length: 20 }, () =>
      ledger({ perPlaybookPerHour: 100, stormIncidents: 100 }),
    );
    const results = await Promise.all(
      jobs.map((l, i) => ask(l, `shop/Pod/p${i}`, { incident: `inc-${i}` })),
    );
    expect(results.filter((r) => r.granted)).toHaveLength(7);
    expect(
      results.filter((r) => !r.granted).every((r) => !r.granted && r.guardrail === 'rate-limit'),
    ).toBe(true);
    expect(await jobs[0]!.entries(NOW)).toHaveLength(7);
    // They did collide, and the losers re-read instead of overwriting.
    expect(jobs.reduce((n, l) => n + l.conflicts, 0)).toBeGreaterThan(0);
    expect(kube.log.some((e) => e.status === 409)).toBe(true);
  });

  it('in dry-run decides as a live run would and persists nothing', async () => {
    const l = ledger({}, true);
    expect((await ask(l, 'shop/Pod/p')).granted).toBe(true);
    expect(kube.writes()).toEqual([]);
    expect(kube.log.filter((e) => e.verb === 'create').every((e) => e.dryRun)).toBe(true);
  });

  it('says how to fix a missing ledger namespace', async () => {
    const l = new Ledger(
      (() => {
        const kc = new KubeConfig();
        kc.loadFromString(kubeconfig);
        return new KubeClient(kc, { dryRun: false, backoffMs: 5 });
      })(),
      { namespace: 'absent', name: 'kubemend-ledger' },
      LIMITS,
    );
    await expect(ask(l, 'shop/Pod/p')).rejects.toThrow(
      'ledger absent/kubemend-ledger: namespace absent does not exist; create it (deploy/rbac/) or set guardrails.ledger-namespace.',
    );
  });
});
