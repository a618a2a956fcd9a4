// `kubemend relay` inside a rehearsal: the real server, grouper, queue and delivery, on
// loopback, between the story's Alertmanager and the simulated GitHub, with the story's
// clock, so a storm shows what it costs in dispatches and workflow runs once grouped.
import { randomBytes } from 'node:crypto';
import { normalisePayload } from '../alerts/shapes.js';
import type { KubemendConfig } from '../config/config.js';
import { createGitHubClient, type RequestStats } from '../github/client.js';
import type { RelayClock } from '../relay/clock.js';
import { silentLog } from '../relay/log.js';
import { Relay } from '../relay/relay.js';
import { RelayServer } from '../relay/server.js';
import { relayOptions } from '../relay/settings.js';

export interface StoryRelayOptions {
  githubUrl: string;
  repository: string;
  /** The token the relay dispatches with (the story's alert sender). */
  token: string;
  cluster: string;
  config: KubemendConfig;
  /** The story's simulated time. */
  now: () => number;
}

export class StoryRelay {
  private readonly relay: Relay;
  private readonly server: RelayServer;
  private readonly stats: RequestStats;
  private readonly bearer: string;
  private counted = 0;

  private constructor(relay: Relay, server: RelayServer, stats: RequestStats, bearer: string) {
    this.relay = relay;
    this.server = server;
    this.stats = stats;
    this.bearer = bearer;
  }

  static async start(options: StoryRelayOptions): Promise<StoryRelay> {
    const { octokit, stats } = createGitHubClient({
      token: options.token,
      baseUrl: options.githubUrl,
      retries: 0,
      writeIntervalMs: 0,
      notificationIntervalMs: 0,
      retryUnitMs: 1,
      warn: () => {},
    });
    // Time is the story's; a wait (a rate limit, a back-off) is a short real pause after
    // which the relay looks at the story's clock again.
    const clock: RelayClock = {
      now: options.now,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 20))),
    };
    const relay = new Relay({
      octokit,
      repository: options.repository,
      clock,
      log: silentLog,
      ...relayOptions(options.config.relay, options.config.intake.groupBy),
    });
    const bearer = randomBytes(16).toString('hex');
    const server = await new RelayServer({
      relay,
      tokens: [bearer],
      log: silentLog,
      clock,
      cluster: options.cluster,
      perClientPerMinute: 1_000_000,
    }).listen(0);
    relay.start();
    return new StoryRelay(relay, server, stats, bearer);
  }

  /** The relay's route for a payload, or undefined when it goes straight to GitHub. */
  static routeOf(payload: Record<string, unknown>): string | undefined {
    try {
      const source = normalisePayload(payload, { cluster: undefined })[0]?.source;
      if (source === 'alertmanager') return '/alertmanager';
      if (source === 'generic') return '/v1/alerts';
    } catch {
      // A payload the relay would refuse goes to GitHub as it is: intake says why.
    }
    return undefined;
  }

  /** POSTs one alert payload as Alertmanager would; the relay's HTTP status. */
  async post(route: string, payload: Record<string, unknown>): Promise<number> {
    const response = await fetch(`${this.server.url}${route}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.bearer}`, 'content-type': 'application/json' },
      body: JSON.stringify(payload),
    });
    await response.arrayBuffer();
    return response.status;
  }

  /** Lets the relay's windows end at the story's time, then waits until it has delivered. */
  async settle(): Promise<void> {
    this.relay.tick();
    await this.relay.deliverer.whenIdle();
  }

  /** Dispatches GitHub took from the relay so far. */
  get dispatched(): number {
    return Object.values(this.relay.deliverer.dispatched).reduce((a, b) => a + b, 0);
  }

  /** GitHub requests the relay made since the last call. */
  takeRequests(): number {
    const n = this.stats.total - this.counted;
    this.counted = this.stats.total;
    return n;
  }

  async close(): Promise<void> {
    this.relay.deliverer.stop();
    await this.server.close();
  }
}
