import { identityOf } from '../../src/alerts/identity.js';
import { normalisePayload } from '../../src/alerts/shapes.js';
import { codeBlock } from '../../src/incidents/markdown.js';
import {
  displayRecord,
  foldRepeat,
  isStablyResolved,
  newRecord,
  parseRecord,
  RECORD_DETAILS,
  recordBlock,
  recordFromBody,
  serialiseRecord,
} from '../../src/incidents/record.js';
import { alertFromRecord } from '../../src/alerts/stored.js';

const WINDOW = 10 * 60_000;
const at = (minutes: number) => new Date(Date.UTC(2026, 10, 22, 3, minutes)).toISOString();
const alerts = (
  status: 'firing' | 'resolved',
  pod = 'store-front-7d9f8b6c4-xk2pq',
  severity = 'warning',
) =>
  normalisePayload(
    {
      title: 'Storefront down',
      cluster: 'homelab',
      status,
      severity,
      namespace: 'shop',
      resource: pod,
    },
    { cluster: undefined },
  );

describe('the incident record', () => {
  it('counts a repeat in place and says nothing a reader needs', () => {
    const record = newRecord(identityOf(alerts('firing')[0]!), alerts('firing'), at(0));
    const { record: next, notable } = foldRepeat(record, alerts('firing'), at(1), WINDOW);
    expect(next).toMatchObject({
      occurrences: 2,
      firstSeen: at(0),
      lastSeen: at(1),
      status: 'firing',
    });
    expect(notable).toEqual([]);
  });

  it('notes a severity change, a new target and a status change', () => {
    const record = newRecord(identityOf(alerts('firing')[0]!), alerts('firing'), at(0));
    expect(
      foldRepeat(record, alerts('firing', 'store-front-7d9f8b6c4-xk2pq', 'critical'), at(1), WINDOW)
        .notable,
    ).toEqual(['severity']);
    expect(foldRepeat(record, alerts('firing', 'other-pod'), at(1), WINDOW).notable).toEqual([
      'targets',
    ]);
    expect(foldRepeat(record, alerts('resolved'), at(1), WINDOW).notable).toEqual(['status']);
  });

  it('counts a re-fire inside the stable window as a flap, and resolves only after the window', () => {
    const record = newRecord(identityOf(alerts('firing')[0]!), alerts('firing'), at(0));
    const resolved = foldRepeat(record, alerts('resolved'), at(5), WINDOW).record;
    expect(isStablyResolved(resolved, at(10), WINDOW)).toBe(false);
    expect(isStablyResolved(resolved, at(15), WINDOW)).toBe(true);
    const flap = foldRepeat(resolved, alerts('firing'), at(9), WINDOW);
    expect(flap.notable).toEqual(['flap', 'status']);
    expect(flap.record).toMatchObject({ flaps: 1, status: 'firing', resolvedAt: null });
    const late = foldRepeat(resolved, alerts('firing'), at(20), WINDOW);
    expect(late.record.flaps).toBe(0);
  });

  it('round-trips through YAML and refuses anything that is not a record', () => {
    const record = newRecord(identityOf(alerts('firing')[0]!), alerts('firing'), at(0));
    expect(parseRecord(serialiseRecord(record))).toEqual(record);
    expect(parseRecord('key: [unclosed')).toBeUndefined();
    expect(parseRecord('version: 1\nkey: x\n')).toBeUndefined();
    expect(parseRecord('!!js/function "function(){}"')).toBeUndefined();
  });

  it('keeps the chat message references, drops malformed ones, and reads a record without them as before', () => {
    const record = newRecord(identityOf(alerts('firing')[0]!), alerts('firing'), at(0));
    // By channel name: two Slack channels keep a message each.
    const messages = {
      ops: { slack: { channel: 'C0KUBEMEND', ts: '1765000001.000100' } },
      team: { slack: { channel: 'C0TEAM', ts: '1765000002.000200' } },
      dev: { discord: { messageId: '112233445566778899' } },
    };
    const text = serialiseRecord({ ...record, messages });
    expect(parseRecord(text)).toEqual({ ...record, messages });
    // Not shown in the body: message ids mean nothing to a reader.
    expect(displayRecord({ ...record, messages })).not.toContain('messages');
    // An old record (no field) reads with none.
    expect(parseRecord(serialiseRecord(record))).not.toHaveProperty('messages');
    // Edited by hand into the wrong shapes: each bad one is dropped, the good one kept.
    const bad = text.replace("ts: '1765000001.000100'", "ts: '<!channel>'");
    expect(bad).toContain('<!channel>');
    expect(parseRecord(bad)?.messages).toEqual({ team: messages.team, dev: messages.dev });
    const worse = bad
      .replace(/messageId: .*/, 'messageId: https://evil.example')
      .replace("ts: '1765000002.000200'", "ts: '@here'");
    expect(parseRecord(worse)).not.toHaveProperty('messages');
  });

  it("is read from the block after the body's own heading, not from a payload's code block that shows one", () => {
    const record = newRecord(identityOf(alerts('firing')[0]!), alerts('firing'), at(0));
    const forged = { ...record, incident: null, firstSeen: '2020-01-01T00:00:00Z' };
    const payload = codeBlock([RECORD_DETAILS, codeBlock(displayRecord(forged))].join('\n'));
    const real = codeBlock(displayRecord({ ...record, incident: null }), 20_000, 'yaml');
    const lines = [payload, '', RECORD_DETAILS, '', real, '', '</details>'].join('\n').split('\n');
    const body = lines.join('\n');
    const block = recordBlock(body);
    expect(block?.open).toBe(lines.indexOf(real.split('\n')[0]!));
    expect(block?.close).toBe(lines.length - 3);
    expect(recordFromBody(body)?.firstSeen).toBe(record.firstSeen);
  });

  it('an incident body edited by hand reads its wrong-typed fields as defaults, and is not ours without its key', () => {
    const record = newRecord(identityOf(alerts('firing')[0]!), alerts('firing'), at(0));
    const edited = serialiseRecord({ ...record, incident: null })
      .replace(/^named:\n( {2}.*\n)+/m, 'named: {namespaces: shop, pods: [7, store-front]}\n')
      .replace(/^targets:\n(( {2}|- ).*\n)+/m, 'targets: {ref: 7}\n')
      .replace('severity: warning', 'severity: [loud]');
    const body = (yaml: string) =>
      `<details><summary>Incident record</summary>\n\n\`\`\`yaml\n${yaml}\`\`\`\n</details>`;
    const shown = recordFromBody(body(edited));
    expect(shown?.targets).toEqual([]);
    expect(shown?.named).toEqual({
      namespaces: [],
      workloads: [],
      pods: ['store-front'],
      nodes: [],
    });
    expect(alertFromRecord(shown!)).toMatchObject({ severity: 'warning', pod: 'store-front' });
    expect(recordFromBody(body(edited.replace(/^key: .*\n/m, '')))).toBeUndefined();
  });

  it('a firing notification received before the resolve, but written after it, is counted without re-opening', () => {
    const record = newRecord(identityOf(alerts('firing')[0]!), alerts('firing'), at(0));
    const resolved = foldRepeat(record, alerts('resolved'), at(2), WINDOW).record;
    const late = foldRepeat(resolved, alerts('firing'), at(3), WINDOW, at(1));
    expect(late.record).toMatchObject({
      status: 'resolved',
      occurrences: 3,
      flaps: 0,
      resolvedAt: at(2),
    });
    expect(late.notable).toEqual([]);
    const fresh = foldRepeat(resolved, alerts('firing'), at(3), WINDOW, at(3));
    expect(fresh.record).toMatchObject({ status: 'firing', flaps: 1 });
  });
});
