// The sweep's rules, one incident at a time: never close what still fires at the source,
// leave snoozed and ended incidents alone, finish after the stable window only when the
// cluster shows the targets healthy, and close a quiet, healthy incident as stale.
import { identityOf } from '../../src/alerts/identity.js';
import { normalisePayload } from '../../src/alerts/shapes.js';
import { foldRepeat, newRecord, type IncidentRecord } from '../../src/incidents/record.js';
import { decideSweep, type Seen, type SweepFacts } from '../../src/sweep/decide.js';

const T0 = Date.parse('2026-11-22T03:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString().replace('.000', '');
const WINDOW = 10 * 60_000;
const STALE = 24 * 3_600_000;

const alert = (status: 'firing' | 'resolved') =>
  normalisePayload(
    {
      version: '4',
      status,
      alerts: [
        {
          status,
          labels: {
            alertname: 'KubePodNotReady',
            cluster: 'homelab',
            namespace: 'shop',
            deployment: 'storefront',
          },
        },
      ],
    },
    { cluster: undefined },
  );

function incident(resolvedAtMinute?: number): IncidentRecord {
  const record = newRecord(identityOf(alert('firing')[0]!), alert('firing'), at(0));
  return resolvedAtMinute === undefined
    ? record
    : foldRepeat(record, alert('resolved'), at(resolvedAtMinute), WINDOW).record;
}

const healthy = new Map<string, Seen>([
  ['Deployment/shop/storefront', { healthy: true, detail: '3/3 ready, rolled out' }],
]);
const sick = new Map<string, Seen>([
  ['Deployment/shop/storefront', { healthy: false, detail: 'ImagePullBackOff' }],
]);

function facts(record: IncidentRecord, minute: number, seen = healthy, merged = false): SweepFacts {
  return {
    record,
    seen,
    now: T0 + minute * 60_000,
    stableWindowMs: WINDOW,
    staleAfterMs: STALE,
    merged,
  };
}

describe('the sweep rules', () => {
  it('never closes an incident still firing at the source, however healthy its targets look', () => {
    expect(decideSweep(facts(incident(), 60))).toMatchObject({
      action: 'none',
      rule: 'firing at the source',
    });
  });

  it('waits out the stable window after a resolve, then finishes: recovered when kubemend did nothing', () => {
    const record = incident(20);
    expect(decideSweep(facts(record, 25))).toMatchObject({
      action: 'none',
      rule: 'within the stable window',
    });
    expect(decideSweep(facts(record, 30))).toMatchObject({ action: 'finish', state: 'recovered' });
  });

  it('finishes as resolved when kubemend did something live to a target', () => {
    const record = incident(20);
    record.targets[0]!.action = {
      at: at(1),
      by: 'image-pull',
      mode: 'auto',
      what: 'delete Pod ×2',
      live: true,
    };
    expect(decideSweep(facts(record, 31))).toMatchObject({ action: 'finish', state: 'resolved' });
    record.targets[0]!.action.live = false;
    expect(decideSweep(facts(record, 31))).toMatchObject({ action: 'finish', state: 'recovered' });
  });

  it('asks a person once when the source resolved but the cluster still shows trouble after the window', () => {
    const record = incident(20);
    expect(decideSweep(facts(record, 25, sick))).toMatchObject({ action: 'none' });
    expect(decideSweep(facts(record, 31, sick))).toMatchObject({
      action: 'mark',
      state: 'needs-human',
    });
    expect(decideSweep(facts({ ...record, state: 'needs-human' }, 40, sick))).toMatchObject({
      action: 'none',
      rule: 'unhealthy after the source stopped',
    });
  });

  it('leaves a snoozed incident alone and an ended one untouched', () => {
    const record = incident(20);
    const snoozed = {
      ...record,
      controls: {
        snoozedUntil: at(120),
        autoclose: null,
        dryRun: false,
        retryRequestedAt: null,
        approvals: [],
        log: [],
      },
    };
    expect(decideSweep(facts(snoozed, 60))).toMatchObject({ action: 'none', rule: 'snoozed' });
    expect(decideSweep(facts(snoozed, 121))).toMatchObject({ action: 'finish' });
    expect(decideSweep(facts({ ...record, state: 'resolved' }, 60))).toMatchObject({
      rule: 'ended',
    });
  });

  it('takes the snoozed state off once the snooze ran out, back to firing while the source fires', () => {
    const snoozed: IncidentRecord = {
      ...incident(),
      state: 'snoozed',
      controls: {
        snoozedUntil: at(60),
        autoclose: null,
        dryRun: false,
        retryRequestedAt: null,
        approvals: [],
        log: [],
      },
    };
    expect(decideSweep(facts(snoozed, 30))).toMatchObject({ action: 'none', rule: 'snoozed' });
    expect(decideSweep(facts(snoozed, 61))).toMatchObject({
      action: 'mark',
      state: 'firing',
      rule: 'snooze over',
    });
  });

  it('closes as stale an incident no alert has spoken of for longer than stale-after, only when healthy', () => {
    const record = incident();
    const day = 24 * 60 + 1;
    expect(decideSweep(facts(record, day))).toMatchObject({ action: 'finish', state: 'stale' });
    expect(decideSweep(facts(record, day, sick))).toMatchObject({ action: 'none' });
  });

  it('verifies a merged proposal by the cluster alone, and waits while it is not yet live', () => {
    const record = incident();
    expect(decideSweep(facts(record, 5, sick, true))).toMatchObject({ action: 'none' });
    expect(decideSweep(facts(record, 5, healthy, true))).toMatchObject({
      action: 'finish',
      state: 'resolved',
    });
  });

  it('lets the source decide for targets the cluster cannot tell about', () => {
    const record = incident(20);
    const unknown = new Map<string, Seen>([
      ['Deployment/shop/storefront', { healthy: null, detail: 'forbidden' }],
    ]);
    const verdict = decideSweep(facts(record, 31, unknown));
    expect(verdict).toMatchObject({ action: 'finish', state: 'recovered' });
    expect(verdict.why).toContain('the cluster cannot tell for Deployment/shop/storefront');
  });
});
