// The relay under test: the real Octokit over HTTP to the GitHub emulator, the relay's
// own HTTP server on loopback, and a manual clock so minutes of windows, back-offs and
// rate limits pass without waiting.
import { createGitHubClient } from '../../src/github/client.js';
import type { RelayClock } from '../../src/relay/clock.js';
import { silentLog } from '../../src/relay/log.js';
import { Relay, type RelayOptions } from '../../src/relay/relay.js';
import { RelayServer } from '../../src/relay/server.js';
import { startGitHubEmulator, type GitHubEmulator } from '../../src/sim/github/server.js';

export const REPOSITORY = 'octo-org/gitops';
export const RELAY_TOKEN = 'relay-token-current-0123456789';
export const PREVIOUS_TOKEN = 'relay-token-previous-9876543210';
export const T0 = Date.parse('2026-12-01T03:00:00Z');

/** Time that moves only when a test moves it; sleeps resolve as it passes them. */
export class ManualClock implements RelayClock {
  private t: number;
  private timers: { at: number; resolve: () => void }[] = [];
  /** Waits until the relay's delivery loop is parked (not sending over HTTP). */
  settle: () => Promise<void> = () => nextMacrotask();

  constructor(start = T0) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.timers.push({ at: this.t + ms, resolve }));
  }

  /** Moves time forward by `ms`, waking each sleeper in turn as its time comes. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await this.settle();
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers[0];
      if (!next || next.at > end) break;
      this.timers.shift();
      this.t = Math.max(this.t, next.at);
      next.resolve();
    }
    this.t = end;
    await this.settle();
  }
}

const nextMacrotask = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export interface Harness {
  gh: GitHubEmulator;
  clock: ManualClock;
  relay: Relay;
  server: RelayServer;
  /** A new relay (and server) on the same emulator and clock: a restart. */
  restart: () => Promise<void>;
  close: () => Promise<void>;
}

export async function startRelay(
  options: Partial<RelayOptions> & { perClientPerMinute?: number } = {},
  gh?: GitHubEmulator,
): Promise<Harness> {
  const emulator = gh ?? (await startGitHubEmulator({ budget: 1_000_000 }));
  const clock = new ManualClock();
  const make = async (): Promise<{ relay: Relay; server: RelayServer }> => {
    const { octokit } = createGitHubClient({
      token: 'ghs_relay_test',
      baseUrl: emulator.url,
      // The relay retries itself, on its own clock, keeping order.
      retries: 0,
      writeIntervalMs: 0,
      notificationIntervalMs: 0,
      retryUnitMs: 1,
      warn: () => {},
    });
    const relay = new Relay({
      octokit,
      repository: REPOSITORY,
      clock,
      log: silentLog,
      ...options,
    });
    const server = await new RelayServer({
      relay,
      tokens: [RELAY_TOKEN, PREVIOUS_TOKEN],
      log: options.log ?? silentLog,
      clock,
      perClientPerMinute: options.perClientPerMinute ?? 1_000_000,
    }).listen(0);
    relay.start();
    return { relay, server };
  };
  const first = await make();
  const harness: Harness = {
    gh: emulator,
    clock,
    ...first,
    restart: async () => {
      await harness.server.close();
      harness.relay.deliverer.stop();
      const next = await make();
      harness.relay = next.relay;
      harness.server = next.server;
    },
    close: async () => {
      harness.relay.deliverer.stop();
      await harness.server.close();
      if (!gh) await emulator.close();
    },
  };
  clock.settle = async () => {
    do await nextMacrotask();
    while (harness.relay.deliverer.state === 'sending');
  };
  return harness;
}

/** POSTs JSON to the relay; the answer's status and parsed body. */
export async function post(
  url: string,
  body: unknown,
  token: string | null = RELAY_TOKEN,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** An Alertmanager webhook (v4) for alerts named by `alertname`. */
export function webhook(
  alerts: { alertname: string; status?: 'firing' | 'resolved'; severity?: string }[],
  cluster = 'prod-eu',
): Record<string, unknown> {
  return {
    version: '4',
    groupKey: '{}:{alertname="x"}',
    status: 'firing',
    receiver: 'kubemend',
    groupLabels: {},
    commonLabels: { cluster },
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    alerts: alerts.map((a) => ({
      status: a.status ?? 'firing',
      labels: { alertname: a.alertname, namespace: 'shop', severity: a.severity ?? 'warning' },
      annotations: { summary: `${a.alertname} in shop` },
      startsAt: '2026-12-01T03:00:00Z',
    })),
  };
}

/** The dispatches GitHub took, oldest first. */
export function dispatches(gh: GitHubEmulator): { clientPayload: Record<string, unknown> }[] {
  return gh.repo(REPOSITORY).dispatches;
}

export function occurrencesOf(list: { clientPayload: Record<string, unknown> }[]): number {
  return list.reduce((n, d) => n + Number(d.clientPayload.kubemend_occurrences), 0);
}
