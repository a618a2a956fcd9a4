// Intake's side of the relay: a payload carrying kubemend_occurrences counts as that many
// occurrences in the incident's record.
import { identityOf } from '../../src/alerts/identity.js';
import { normalisePayload, PayloadError } from '../../src/alerts/shapes.js';
import { foldRepeat, newRecord } from '../../src/incidents/record.js';

const generic = { title: 'Storefront down', cluster: 'homelab', status: 'firing' };

describe('kubemend_occurrences in a payload', () => {
  it('counts as that many occurrences in a new record and in a repeat', () => {
    const alerts = normalisePayload(
      { ...generic, kubemend_occurrences: 37 },
      { cluster: undefined },
    );
    expect(alerts[0]?.occurrences).toBe(37);
    const record = newRecord(identityOf(alerts[0]!), alerts, '2026-12-01T03:00:00Z');
    expect(record.occurrences).toBe(37);
    const repeat = normalisePayload(
      { event_type: 'kubemend-alert', client_payload: { ...generic, kubemend_occurrences: 5 } },
      { cluster: undefined },
    );
    expect(foldRepeat(record, repeat, '2026-12-01T03:05:00Z', 600_000).record.occurrences).toBe(42);
    const plain = normalisePayload(generic, { cluster: undefined });
    expect(plain[0]).not.toHaveProperty('occurrences');
    expect(foldRepeat(record, plain, '2026-12-01T03:06:00Z', 600_000).record.occurrences).toBe(38);
  });

  it('applies to every alert of an Alertmanager payload', () => {
    const alerts = normalisePayload(
      {
        version: '4',
        groupKey: 'g',
        alerts: [{ labels: { alertname: 'KubePodCrashLooping', cluster: 'c1' } }],
        kubemend_occurrences: 3,
      },
      { cluster: undefined },
    );
    expect(alerts.map((a) => a.occurrences)).toEqual([3]);
  });

  it.each([0, -1, 1.5, 1_000_001, '3', null, [2]])(
    'refuses %p with one line naming the field',
    (value) => {
      const run = () =>
        normalisePayload({ ...generic, kubemend_occurrences: value }, { cluster: undefined });
      expect(run).toThrow(PayloadError);
      expect(run).toThrow(
        /^payload\.kubemend_occurrences is .+; allowed: a whole number from 1 to 1000000\.$/,
      );
    },
  );
});
