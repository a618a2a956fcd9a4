// The relay's HTTP face (node:http): Alertmanager webhooks and generic alerts in, 2xx
// only once their dispatches are queued. Every refusal is one JSON line naming why:
// 400 bad JSON or shape (intake's PayloadError names the field), 401, 413, 429 (one
// client too fast), 503 (queue full or stopping: Alertmanager retries).
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LIMITS } from '../alerts/model.js';
import { PayloadError } from '../alerts/shapes.js';
import { UsageError, oneLine } from '../shared/errors.js';
import type { RelayClock } from './clock.js';
import type { RelaySource } from './grouper.js';
import type { Log } from './log.js';
import { offersOf } from './payloads.js';
import type { Relay } from './relay.js';
import type { WatcherStats } from './watcher.js';

export interface RelayServerOptions {
  relay: Relay;
  /** The event watcher, when it runs: its series join /metrics. */
  watcher?: { readonly stats: WatcherStats };
  /** Accepted bearer tokens: the current one and, while rotating, the previous one. */
  tokens: (string | undefined)[];
  log: Log;
  clock: RelayClock;
  /** Cluster of a payload that names none. */
  cluster?: string;
  /** Requests per minute from one client address. Default 600. */
  perClientPerMinute?: number;
  /** Body limit in bytes. Default 1 MB (intake's payload limit). */
  maxBodyBytes?: number;
  /** Against slow clients: all headers within, and the whole request within. Defaults 10 s, 30 s. */
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** How often those timeouts are checked. Default 1 s (Node's own is 30 s). */
  checkIntervalMs?: number;
}

const ROUTES: Record<string, RelaySource> = {
  '/alertmanager': 'alertmanager',
  '/v1/alerts': 'generic',
};

class HttpRefusal extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

export class RelayServer {
  url = '';
  private readonly options: RelayServerOptions;
  private readonly tokens: Buffer[];
  private readonly server: Server;
  private readonly perClient = new Map<string, { tokens: number; at: number }>();

  constructor(options: RelayServerOptions) {
    const tokens = options.tokens.filter((t): t is string => typeof t === 'string' && t !== '');
    if (tokens.length === 0)
      throw new UsageError(
        'kubemend relay: KUBEMEND_RELAY_TOKEN is empty; the relay refuses to start without a bearer token for its clients.',
      );
    this.options = options;
    const { watcher } = options;
    if (watcher) options.relay.metrics.watch(() => watcher.stats);
    // Hashed once: comparing digests of equal length in constant time tells nothing of
    // a token's length or of how much of it a guess got right.
    this.tokens = tokens.map(digest);
    this.server = createServer(
      {
        headersTimeout: options.headersTimeoutMs ?? 10_000,
        requestTimeout: options.requestTimeoutMs ?? 30_000,
        keepAliveTimeout: 5_000,
        connectionsCheckingInterval: options.checkIntervalMs ?? 1_000,
      },
      (req, res) => void this.handle(req, res),
    );
  }

  async listen(port: number, host = '127.0.0.1'): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve());
    });
    const address = this.server.address() as AddressInfo;
    const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    this.url = `http://${shown}:${address.port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
    try {
      if (req.method === 'GET' && path === '/healthz') return this.send(res, 200, { status: 'ok' });
      if (req.method === 'GET' && path === '/readyz') {
        const { relay } = this.options;
        if (relay.draining) return this.send(res, 503, { status: 'draining' });
        if (relay.queue.full) return this.send(res, 503, { status: 'queue full' });
        return this.send(res, 200, { status: 'ready', queued: relay.queue.size });
      }
      if (req.method === 'GET' && path === '/metrics') {
        const { metrics } = this.options.relay;
        const text = await metrics.render();
        this.count(200);
        res.writeHead(200, { 'content-type': metrics.contentType });
        res.end(text);
        return;
      }
      const source = ROUTES[path];
      if (!source)
        throw new HttpRefusal(
          404,
          `no route ${req.method ?? ''} ${path.slice(0, 80)}; allowed: POST /alertmanager, POST /v1/alerts, GET /healthz, /readyz, /metrics.`,
        );
      if (req.method !== 'POST') throw new HttpRefusal(405, `${path} takes POST.`);
      this.limitClient(req);
      this.authorise(req);
      const { relay } = this.options;
      if (relay.draining)
        throw new HttpRefusal(503, 'the relay is stopping; retry another replica.');
      if (relay.queue.full)
        throw new HttpRefusal(
          503,
          `the dispatch queue is full (${relay.queue.capacity}); retry later.`,
        );
      const body = await this.readBody(req);
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        throw new HttpRefusal(400, 'payload is not JSON; expected a JSON object.');
      }
      const offers = offersOf(parsed, source, { cluster: this.options.cluster });
      const dispatches = relay.accept(offers);
      this.send(res, 202, { status: 'queued', alerts: offers.length, dispatches });
    } catch (error) {
      const status =
        error instanceof HttpRefusal ? error.status : error instanceof PayloadError ? 400 : 500;
      const message =
        status === 500
          ? 'internal error'
          : oneLine(error instanceof Error ? error.message : String(error));
      if (status === 500)
        this.options.log('error', 'request failed', {
          error: error instanceof Error ? error.message.slice(0, 300) : 'unknown',
        });
      else if (status !== 404 && status !== 405)
        this.options.log('info', 'request refused', {
          status,
          path,
          reason: message.slice(0, 300),
        });
      this.send(res, status, { error: message }, status === 413);
    }
  }

  private send(res: ServerResponse, status: number, body: unknown, close = false): void {
    this.count(status);
    if (res.headersSent) return;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    // A body still arriving past the limit is not read: the connection closes after.
    if (close) headers.connection = 'close';
    if (status === 401) headers['www-authenticate'] = 'Bearer realm="kubemend-relay"';
    if (status === 429 || status === 503) headers['retry-after'] = '5';
    res.writeHead(status, headers);
    res.end(`${JSON.stringify(body)}\n`);
  }

  private count(status: number): void {
    this.options.relay.metrics.countResponse(status);
  }

  private authorise(req: IncomingMessage): void {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer (\S{1,4096})$/i.exec(header);
    if (!match?.[1]) throw new HttpRefusal(401, 'Authorization: Bearer <token> is missing.');
    const given = digest(match[1]);
    // Every token compared, whichever matches: the time taken says nothing of which.
    let ok = false;
    for (const token of this.tokens) ok = timingSafeEqual(given, token) || ok;
    if (!ok) throw new HttpRefusal(401, 'the bearer token is not accepted.');
  }

  /** A token bucket per client address; a full map is cleared rather than grown. */
  private limitClient(req: IncomingMessage): void {
    const perMinute = this.options.perClientPerMinute ?? 600;
    const address = req.socket.remoteAddress ?? 'unknown';
    const now = this.options.clock.now();
    if (this.perClient.size > 10_000) this.perClient.clear();
    const bucket = this.perClient.get(address) ?? { tokens: perMinute, at: now };
    bucket.tokens = Math.min(perMinute, bucket.tokens + ((now - bucket.at) * perMinute) / 60_000);
    bucket.at = now;
    this.perClient.set(address, bucket);
    if (bucket.tokens < 1)
      throw new HttpRefusal(
        429,
        `more than ${perMinute} requests a minute from this client; retry later.`,
      );
    bucket.tokens -= 1;
  }

  private readBody(req: IncomingMessage): Promise<Buffer> {
    const max = this.options.maxBodyBytes ?? LIMITS.payloadBytes;
    const tooLarge = () =>
      new HttpRefusal(413, `payload is larger than ${max} bytes; allowed: at most ${max}.`);
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > max) return Promise.reject(tooLarge());
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > max) {
          req.removeAllListeners('data');
          req.resume();
          reject(tooLarge());
          return;
        }
        chunks.push(chunk);
      });
      req.on('end', () => resolve(Buffer.concat(chunks)));
      req.on('error', reject);
    });
  }
}
