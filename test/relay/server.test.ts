// The relay's HTTP surface: what it takes, what it refuses and how it says so.
import { request } from 'node:http';
import { Relay } from '../../src/relay/relay.js';
import { RelayServer } from '../../src/relay/server.js';
import { silentLog } from '../../src/relay/log.js';
import { createGitHubClient } from '../../src/github/client.js';
import {
  dispatches,
  post,
  PREVIOUS_TOKEN,
  RELAY_TOKEN,
  startRelay,
  webhook,
  type Harness,
} from './support.js';

describe('the relay server', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('answers 401 without a token or with a wrong one, and takes the current and the previous token', async () => {
    h = await startRelay();
    const url = `${h.server.url}/v1/alerts`;
    const alert = { title: 'Backup failed', cluster: 'nas' };
    const none = await post(url, alert, null);
    expect(none).toEqual({
      status: 401,
      body: { error: 'Authorization: Bearer <token> is missing.' },
    });
    expect((await post(url, alert, 'relay-token-current-0123456788')).status).toBe(401);
    expect((await post(url, alert, `${RELAY_TOKEN}x`)).status).toBe(401);
    expect((await post(url, alert, RELAY_TOKEN)).status).toBe(202);
    expect((await post(url, { ...alert, status: 'resolved' }, PREVIOUS_TOKEN)).status).toBe(202);
    await h.clock.advance(5000);
    expect(dispatches(h.gh)).toHaveLength(2);
  });

  it('refuses to start without a token, in one line', () => {
    const { octokit } = createGitHubClient({
      token: 't',
      baseUrl: 'http://127.0.0.1:9',
      warn: () => {},
    });
    const clock = { now: () => 0, sleep: () => new Promise<void>(() => {}) };
    const relay = new Relay({ octokit, repository: 'o/r', clock, log: silentLog });
    expect(
      () => new RelayServer({ relay, tokens: [undefined, ''], log: silentLog, clock }),
    ).toThrow(/^kubemend relay: KUBEMEND_RELAY_TOKEN is empty; [^\n]+$/);
  });

  it('answers 413 to a body over 1 MB and 400 naming the field to a bad payload', async () => {
    h = await startRelay();
    const big = await post(`${h.server.url}/v1/alerts`, {
      title: 'x',
      cluster: 'c',
      message: 'a'.repeat(1_100_000),
    });
    expect(big.status).toBe(413);
    expect(big.body.error).toBe('payload is larger than 1000000 bytes; allowed: at most 1000000.');
    const json = await post(`${h.server.url}/alertmanager`, '{"version": "4",');
    expect(json).toEqual({
      status: 400,
      body: { error: 'payload is not JSON; expected a JSON object.' },
    });
    const hook = webhook([{ alertname: 'A' }]);
    (hook.alerts as { labels: Record<string, unknown> }[])[0]!.labels = { severity: 'critical' };
    const field = await post(`${h.server.url}/alertmanager`, hook);
    expect(field.status).toBe(400);
    expect(field.body.error).toBe(
      "payload.alerts[0].labels.alertname is missing; expected the alert's name.",
    );
    const shape = await post(`${h.server.url}/alertmanager`, { title: 'generic', cluster: 'c' });
    expect(shape.status).toBe(400);
    expect(shape.body.error).toMatch(/^payload is not an Alertmanager webhook; /);
    const forged = await post(`${h.server.url}/v1/alerts`, {
      title: 'x',
      cluster: 'c',
      kubemend_occurrences: 900,
    });
    expect(forged.status).toBe(400);
    expect(forged.body.error).toMatch(/^payload\.kubemend_occurrences is set by the relay itself/);
    await h.clock.advance(1000);
    expect(dispatches(h.gh)).toHaveLength(0);
  });

  it('answers 503 and is not ready while the queue is full, and ready again once GitHub takes it', async () => {
    h = await startRelay({ capacity: 2 });
    h.gh.inject('repos/create-dispatch-event', { status: 502 }, 1_000_000);
    expect((await fetch(`${h.server.url}/readyz`)).status).toBe(200);
    await post(`${h.server.url}/v1/alerts`, { title: 'One', cluster: 'c' });
    await post(`${h.server.url}/v1/alerts`, { title: 'Two', cluster: 'c' });
    const full = await post(`${h.server.url}/v1/alerts`, { title: 'Three', cluster: 'c' });
    expect(full).toEqual({
      status: 503,
      body: { error: 'the dispatch queue is full (2); retry later.' },
    });
    expect((await fetch(`${h.server.url}/readyz`)).status).toBe(503);
    expect((await fetch(`${h.server.url}/healthz`)).status).toBe(200);
    h.gh.clearFaults();
    await h.clock.advance(120_000);
    expect((await fetch(`${h.server.url}/readyz`)).status).toBe(200);
    expect(dispatches(h.gh).map((d) => d.clientPayload.title)).toEqual(['One', 'Two']);
  });

  it('is not ready while draining, and refuses new alerts with 503', async () => {
    h = await startRelay();
    const draining = h.relay.drain(1000);
    expect((await fetch(`${h.server.url}/readyz`)).status).toBe(503);
    expect((await post(`${h.server.url}/v1/alerts`, { title: 'late', cluster: 'c' })).status).toBe(
      503,
    );
    await h.clock.advance(1000);
    expect(await draining).toBe(true);
  });

  it('answers 429 to a client over its rate', async () => {
    h = await startRelay({ perClientPerMinute: 2 });
    const url = `${h.server.url}/v1/alerts`;
    const statuses = [];
    for (let i = 0; i < 3; i++)
      statuses.push((await post(url, { title: `T${i}`, cluster: 'c' })).status);
    expect(statuses).toEqual([202, 202, 429]);
  });

  it('exposes received, suppressed, dispatched and failed counts, queue depth and latency on /metrics', async () => {
    h = await startRelay();
    for (let i = 0; i < 3; i++)
      await post(`${h.server.url}/alertmanager`, webhook([{ alertname: 'A' }]));
    await post(`${h.server.url}/v1/alerts`, { title: 'G', cluster: 'c' });
    await h.clock.advance(1000);
    const res = await fetch(`${h.server.url}/metrics`);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await res.text();
    for (const line of [
      'kubemend_relay_alerts_received_total{source="alertmanager"} 3',
      'kubemend_relay_alerts_received_total{source="generic"} 1',
      'kubemend_relay_alerts_suppressed_total{source="alertmanager"} 2',
      'kubemend_relay_dispatches_total{source="alertmanager"} 1',
      'kubemend_relay_dispatches_total{source="generic"} 1',
      'kubemend_relay_dispatch_failures_total{source="generic"} 0',
      'kubemend_relay_queue_depth 0',
      'kubemend_relay_dispatch_latency_seconds_count{source="alertmanager"} 1',
      'kubemend_relay_http_responses_total{code="202"} 4',
      '# TYPE kubemend_relay_dispatch_latency_seconds histogram',
    ])
      expect(text.split('\n')).toContain(line);
  });

  it('answers 408 to a client that sends its body too slowly', async () => {
    const fast = await startRelay();
    h = fast;
    // A server with a short header timeout, on the same relay.
    const slow = await new RelayServer({
      relay: fast.relay,
      tokens: [RELAY_TOKEN],
      log: silentLog,
      clock: fast.clock,
      headersTimeoutMs: 200,
      requestTimeoutMs: 300,
      checkIntervalMs: 100,
    }).listen(0);
    try {
      const status = await new Promise<number | string>((resolve) => {
        const req = request(`${slow.url}/v1/alerts`, {
          method: 'POST',
          headers: { authorization: `Bearer ${RELAY_TOKEN}`, 'content-length': '100' },
        });
        req.on('response', (res) => resolve(res.statusCode ?? 0));
        req.on('error', (e) => resolve(e.message));
        req.flushHeaders();
        // Never ends the body: the request timeout answers 408 or closes.
      });
      expect([408, 'socket hang up', 'read ECONNRESET']).toContain(status);
    } finally {
      await slow.close();
    }
  });
});
