// The hostile payload classes intake handles, sent to the relay: each is refused with one
// line (400, 413) or queued as data; what reaches GitHub is a payload intake accepts, and
// the relay's log never carries the payload's text.
import { normalisePayload } from '../../src/alerts/shapes.js';
import { jsonLog } from '../../src/relay/log.js';
import { dispatches, RELAY_TOKEN, startRelay, type Harness } from './support.js';

const generic = (overrides: Record<string, unknown>) =>
  JSON.stringify({ title: 'Disk full', cluster: 'homelab', ...overrides });
const deep = (n: number): unknown => (n === 0 ? 'x' : { a: deep(n - 1) });
const webhook = (labels: Record<string, string>, annotations: Record<string, string> = {}) =>
  JSON.stringify({
    version: '4',
    groupKey: '{}:{}',
    status: 'firing',
    alerts: [{ status: 'firing', labels: { cluster: 'homelab', ...labels }, annotations }],
  });

const CASES: [string, '/v1/alerts' | '/alertmanager', string | Buffer][] = [
  [
    'path traversal',
    '/v1/alerts',
    generic({
      title: '../../../etc/passwd',
      namespace: '../../kube-system',
      resource: 'Pod/../../x',
    }),
  ],
  [
    'workflow commands and expressions',
    '/v1/alerts',
    generic({ title: '::set-output name=x::y', message: '\n::error::forged\n${{ secrets.X }}' }),
  ],
  [
    'shell metacharacters in labels',
    '/alertmanager',
    webhook({ alertname: '$(reboot)', namespace: '`id`;rm -rf /', pod: 'a|b' }),
  ],
  [
    'Markdown, HTML and mentions',
    '/alertmanager',
    webhook(
      { alertname: 'KubePodNotReady' },
      { summary: '<img src=x onerror=alert(1)> @octocat #1', description: '[a](javascript:x)' },
    ),
  ],
  [
    'forged markers',
    '/v1/alerts',
    generic({ message: '<!-- kubemend:incident deadbeef -->\n<details><summary>x</summary>' }),
  ],
  [
    'oversized strings',
    '/v1/alerts',
    generic({ title: 'x'.repeat(100_000), message: 'y'.repeat(500_000) }),
  ],
  ['an oversized payload', '/v1/alerts', generic({ message: 'z'.repeat(1_300_000) })],
  ['deep nesting', '/v1/alerts', JSON.stringify({ title: 't', cluster: 'c', context: deep(40) })],
  [
    'control characters',
    '/v1/alerts',
    generic({ title: 'a\u0000b\u001b[31mred\u0007', message: 'c\u202ed' }),
  ],
  [
    'invalid UTF-8',
    '/v1/alerts',
    Buffer.concat([
      Buffer.from('{"title":"bad '),
      Buffer.from([0xff, 0xfe, 0xc3]),
      Buffer.from('","cluster":"homelab"}'),
    ]),
  ],
  [
    'homoglyphs and right-to-left marks',
    '/v1/alerts',
    generic({ cluster: 'hоmelab', title: 'Disk \u202efull' }),
  ],
  [
    'YAML-special strings',
    '/v1/alerts',
    generic({ title: 'yes', message: '*a &r !!python/object:os.system' }),
  ],
  [
    'tens of thousands of alerts',
    '/alertmanager',
    JSON.stringify({
      version: '4',
      groupKey: 'g',
      alerts: Array.from({ length: 30_000 }, () => ({ labels: { alertname: 'A', cluster: 'c' } })),
    }),
  ],
  [
    'a hundred long labels (past the 64 KB GitHub takes in one dispatch)',
    '/alertmanager',
    webhook({
      alertname: 'KubePodNotReady',
      ...Object.fromEntries(Array.from({ length: 90 }, (_, i) => [`l${i}`, 'v'.repeat(3000)])),
    }),
  ],
  [
    'a secret in the text',
    '/v1/alerts',
    generic({ message: 'password=hunter2 token ghp_0123456789abcdefghijklmnopqrstuvwxyzAB' }),
  ],
];

/** The classes refused outright; every other one is relayed as data. */
const REFUSED: Record<string, number> = {
  'an oversized payload': 413,
  'deep nesting': 400,
  'tens of thousands of alerts': 413,
};

describe('the relay on hostile payloads (the classes of the intake issue)', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it.each(CASES)(
    '%s: refused in one line, or relayed as data intake accepts',
    async (_name, route, body) => {
      const lines: string[] = [];
      h = await startRelay({ log: jsonLog((line) => lines.push(line)) });
      const res = await fetch(`${h.server.url}${route}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${RELAY_TOKEN}`, 'content-type': 'application/json' },
        body,
      });
      const answer = (await res.json()) as { error?: string };
      expect(res.status).toBe(REFUSED[_name] ?? 202);
      if (res.status !== 202) expect(answer.error).toMatch(/^[^\n]{1,400}$/);
      await h.clock.advance(1000);
      const sent = dispatches(h.gh);
      expect(sent.length).toBe(res.status === 202 ? 1 : 0);
      for (const { clientPayload } of sent) {
        expect(Object.keys(clientPayload).length).toBeLessThanOrEqual(10);
        expect(JSON.stringify(clientPayload).length).toBeLessThan(64 * 1024);
        expect(normalisePayload(clientPayload, { cluster: undefined }).length).toBeGreaterThan(0);
      }
      const log = lines.join('');
      for (const line of log.trim().split('\n').filter(Boolean))
        expect(() => JSON.parse(line) as unknown).not.toThrow();
      for (const text of [
        'set-output',
        'reboot',
        'onerror',
        'kubemend:incident',
        'hunter2',
        'ghp_',
      ])
        expect(log).not.toContain(text);
    },
  );
});
