// The loopback HTTP server every notification receiver runs on: one handler, the raw body
// read in full (the webhook receiver signs bytes, not parsed JSON), and a fault switch so a
// test can make the receiver answer 500 or never answer.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  method: string;
  /** Path and query. */
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface Answer {
  status: number;
  /** An object is sent as JSON; a string as text/plain. */
  body?: unknown;
}

export type Fault = { status: number } | 'hang';

export interface Receiver {
  /** http://127.0.0.1:<port> */
  readonly base: string;
  /** Answers the next `times` requests with the fault instead of handling them. */
  fail(fault: Fault, times?: number): void;
  close(): Promise<void>;
}

export async function listen(handle: (request: Received) => Answer): Promise<Receiver> {
  let fault: { fault: Fault; times: number } | undefined;
  const hanging = new Set<ServerResponse>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (fault && fault.times > 0) {
        fault.times--;
        if (fault.fault === 'hang') {
          hanging.add(res);
          return;
        }
        res.writeHead(fault.fault.status, { 'content-type': 'text/plain' }).end('internal_error');
        return;
      }
      let answer: Answer;
      try {
        answer = handle({
          method: req.method ?? 'GET',
          url: req.url ?? '/',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        });
      } catch (error) {
        answer = { status: 500, body: { error: (error as Error).message } };
      }
      if (answer.body === undefined) res.writeHead(answer.status).end();
      else if (typeof answer.body === 'string')
        res.writeHead(answer.status, { 'content-type': 'text/plain' }).end(answer.body);
      else
        res
          .writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8' })
          .end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    fail(f: Fault, times = 1) {
      fault = { fault: f, times };
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The body as Slack's Web API reads it: JSON, or form fields whose objects are JSON strings. */
export function formOrJson(request: Received): Record<string, unknown> {
  const type = String(request.headers['content-type'] ?? '');
  if (type.startsWith('application/json')) {
    const parsed: unknown = JSON.parse(request.body || '{}');
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  }
  return Object.fromEntries(new URLSearchParams(request.body));
}
