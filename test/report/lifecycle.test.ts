// What report makes of a run for the incident's life: states that tell the truth
// (proposed is not a dry run, a resolve at the source never asks for a person), and a
// record whose targets and timeline keep what every earlier run did.
import { identityOf } from '../../src/alerts/identity.js';
import { normalisePayload } from '../../src/alerts/shapes.js';
import { foldRepeat, newRecord, type IncidentRecord } from '../../src/incidents/record.js';
import type { RemediationResult } from '../../src/remediation/result.js';
import { foldResults } from '../../src/report/fold.js';
import { statusComment } from '../../src/report/render.js';
import { decideState } from '../../src/report/state.js';

const T0 = Date.parse('2026-11-22T03:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString().replace('.000', '');

const alerts = (status: 'firing' | 'resolved') =>
  normalisePayload(
    {
      version: '4',
      status,
      alerts: [
        {
          status,
          labels: {
            alertname: 'KubeContainerOOMKilled',
            cluster: 'homelab',
            namespace: 'shop',
            deployment: 'order-worker',
            pod: 'order-worker-6d4b9c7f5-x2k8p',
          },
        },
      ],
    },
    { cluster: undefined },
  );

const record = (): IncidentRecord =>
  newRecord(identityOf(alerts('firing')[0]!), alerts('firing'), at(0));

function result(overrides: Partial<RemediationResult> = {}): RemediationResult {
  return {
    version: 1,
    playbook: 'oom',
    category: 'oom',
    incident: 1,
    cluster: 'homelab',
    mode: 'auto',
    targets: {
      cluster: 'homelab',
      namespace: 'shop',
      workload: { kind: 'Deployment', name: 'order-worker' },
    },
    identity: { status: 'confirmed' },
    findings: [],
    decisions: [],
    actions: [],
    verification: { before: 1, after: 0, polls: 1 },
    outcome: 'resolved',
    reason: 'Deployment order-worker runs within its new limits',
    requests: 5,
    durations: { totalMs: 1000, verifyMs: 500 },
    ...overrides,
  };
}

const commit = {
  verb: 'commit' as const,
  object: 'apps/shop/order-worker.yaml',
  dryRun: false,
  detail: 'committed abc1234 to apps/shop/order-worker.yaml',
  diff: ['-memory: 256Mi', '+memory: 320Mi'],
};
const dryPatch = {
  verb: 'patch' as const,
  object: 'shop/Deployment/order-worker',
  dryRun: true,
  detail: 'raise memory by 25%',
  diff: ['spec.template.spec.containers[0].resources.limits.memory: 256Mi → 320Mi'],
};
const livePatch = { ...dryPatch, dryRun: false };
const info = (minute: number) => ({
  at: at(minute),
  trigger: 'repository_dispatch',
  run: undefined,
});

describe('the state report decides', () => {
  it('is proposed, not a dry run, when a commit waits for review', () => {
    const proposed = result({
      mode: 'propose',
      outcome: 'skipped',
      actions: [dryPatch, commit],
      reason: 'proposed for review',
    });
    expect(decideState([proposed]).state).toBe('proposed');
  });

  it('is a dry run only when nothing was written anywhere', () => {
    const dry = result({
      mode: 'dry-run',
      outcome: 'skipped',
      actions: [dryPatch],
      reason: 'dry run',
    });
    expect(decideState([dry]).state).toBe('dry-run');
  });

  it('never asks for a person when the alert resolved at the source: the sweep finishes it', () => {
    const resolved = foldRepeat(record(), alerts('resolved'), at(5), 600_000).record;
    for (const state of ['firing', 'needs-human'] as const)
      expect(decideState([], { ...resolved, state })).toMatchObject({ state: 'acting' });
    expect(decideState([], { ...resolved, state: 'proposed' }).state).toBe('proposed');
    expect(decideState([], { ...resolved, state: 'dry-run' }).state).toBe('dry-run');
  });

  it('asks for a person when nothing can act on an incident still firing, saying where to start', () => {
    const verdict = decideState([], record());
    expect(verdict.state).toBe('needs-human');
    expect(verdict.reasons[0]).toContain('troubleshooting commands');
  });

  it('is resolved when kubemend changed the cluster and verified it, recovered when it changed nothing', () => {
    expect(decideState([result({ actions: [livePatch] })]).state).toBe('resolved');
    expect(decideState([result()]).state).toBe('recovered');
  });
});

describe('a run folded into the record', () => {
  it('a second run that does nothing keeps the first run’s action on the target and in the timeline', () => {
    const acted = result({
      actions: [livePatch],
      outcome: 'improved',
      reason: 'one pod still OOMKilled',
    });
    const first = foldResults(record(), [acted], decideState([acted]), info(1));
    const idle = result({ outcome: 'unchanged', reason: 'still OOMKilled' });
    const second = foldResults(first, [idle], decideState([idle]), info(2));
    const [target] = second.targets;
    expect(target?.ref).toBe('Deployment/shop/order-worker');
    expect(target?.action).toMatchObject({
      at: at(1),
      by: 'oom',
      what: 'patch Deployment',
      live: true,
    });
    expect(target?.outcome).toMatchObject({ at: at(2), value: 'unchanged' });
    const comment = statusComment(second, [idle], decideState([idle]), { skipped: [] });
    expect(comment).toContain('patch shop/Deployment/order-worker: raise memory by 25%');
    expect(comment).toContain('one pod still OOMKilled');
    expect(comment).toContain('still OOMKilled');
    // Every entry of the first run is still there, in order, before the second's.
    const stages = second.timeline.entries.map((e) => `${e.at} ${e.stage}`);
    expect(stages).toEqual([`${at(0)} intake`, `${at(1)} oom`, `${at(1)} report`, `${at(2)} oom`]);
  });

  it('adds a target a playbook acted on that no alert named, saying why', () => {
    const storm = result({
      playbook: 'image-pull',
      subjects: [
        {
          target: 'Deployment/shop/order-worker',
          outcome: 'resolved',
          reason: 'no pod stuck',
          action: 'delete Pod ×2',
        },
        {
          target: 'Deployment/shop/cart',
          why: 'its pods were stuck pulling from the same registry (docker.io)',
          outcome: 'resolved',
          reason: 'no pod stuck',
          action: 'delete Pod ×1',
        },
      ],
    });
    const next = foldResults(record(), [storm], decideState([storm]), info(1));
    expect(next.targets.map((t) => [t.ref, t.source.status, t.why])).toEqual([
      ['Deployment/shop/order-worker', 'firing', undefined],
      [
        'Deployment/shop/cart',
        'none',
        'its pods were stuck pulling from the same registry (docker.io)',
      ],
    ]);
    expect(statusComment(next, [storm], decideState([storm]), { skipped: [] })).toContain(
      '| Deployment/shop/cart | added: its pods were stuck pulling from the same registry',
    );
  });
});
