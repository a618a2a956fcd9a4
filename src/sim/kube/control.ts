// The control API of the standalone Kubernetes emulator, beside the Kubernetes API: what a
// person or a script driving it from outside needs and a real cluster has no API for
// (move the simulated clock, change the facts the kubelets act on, read the request log,
// compact the watch history, stop). Shaped like the GitHub emulator's /_emulator routes.
import type { Facts } from './sim.js';

/** What the control API needs of the emulator. */
export interface Controlled {
  readonly log: readonly unknown[];
  readonly clock: { iso(offsetMs?: number): string };
  readonly sim: { facts: Facts; reconcileAll(): void };
  advance(ms: number): void;
  /** Forgets the change history (an etcd compaction); returns the resourceVersion it stops at. */
  compact(): number;
  close(): Promise<void>;
  onShutdown: (() => void) | undefined;
}

export interface ControlReply {
  status: number;
  body: unknown;
  /** Runs after the answer is sent (shutdown answers first, then stops). */
  after?: () => void;
}

const REGISTRY_STATES = ['ok', 'unreachable', 'rate-limited', 'unauthorized', 'timeout'];
export const FACT_KEYS: (keyof Facts)[] = [
  'registries',
  'images',
  'nodeClockSkew',
  'nodeCpuPercent',
  'flux',
  'nodeConditions',
  'cpuUtilization',
];
const NODE_CONDITIONS = ['NotReady', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];

class BadRequest extends Error {}

export function controlRequest(
  emulator: Controlled,
  method: string,
  path: string,
  raw: Buffer,
): ControlReply {
  try {
    switch (`${method} ${path}`) {
      case 'GET /_emulator/clock':
        return { status: 200, body: { now: emulator.clock.iso() } };
      case 'POST /_emulator/clock': {
        emulator.advance(advanceMs(objectBody(raw)));
        return { status: 200, body: { now: emulator.clock.iso() } };
      }
      case 'GET /_emulator/facts':
        return { status: 200, body: emulator.sim.facts };
      case 'POST /_emulator/facts': {
        const patch = objectBody(raw);
        validateFacts(patch);
        mergeInto(emulator.sim.facts as unknown as Record<string, unknown>, patch);
        // The kubelets and controllers act on the new facts now, not at the next request.
        emulator.sim.reconcileAll();
        return { status: 200, body: emulator.sim.facts };
      }
      case 'POST /_emulator/compact':
        return { status: 200, body: { compactedAt: String(emulator.compact()) } };
      case 'GET /_emulator/log':
        return { status: 200, body: emulator.log };
      case 'POST /_emulator/shutdown':
        return {
          status: 202,
          body: { ok: true },
          after: () => void emulator.close().then(() => emulator.onShutdown?.()),
        };
      default:
        return {
          status: 404,
          body: {
            message: `no control route ${method} ${path}; allowed: GET|POST /_emulator/clock, GET|POST /_emulator/facts, GET /_emulator/log, POST /_emulator/compact, POST /_emulator/shutdown`,
          },
        };
    }
  } catch (error) {
    if (error instanceof BadRequest) return { status: 400, body: { message: error.message } };
    throw error;
  }
}

function objectBody(raw: Buffer): Record<string, unknown> {
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8') || '{}');
  } catch {
    throw new BadRequest('the body is not valid JSON; allowed: a JSON object');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new BadRequest('the body is not a JSON object; allowed: a JSON object');
  return body as Record<string, unknown>;
}

/** `{"advance":"5m"}` (Go-style durations: 1h30m, 90s, 500ms) or `{"advanceMs":300000}`. */
function advanceMs(body: Record<string, unknown>): number {
  if (body.advanceMs !== undefined) {
    const ms = body.advanceMs;
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0)
      throw new BadRequest(
        `advanceMs is ${JSON.stringify(ms)}; allowed: a non-negative number of milliseconds`,
      );
    return ms;
  }
  const text = body.advance;
  const parsed = typeof text === 'string' ? parseDuration(text) : undefined;
  if (parsed === undefined)
    throw new BadRequest(
      `advance is ${JSON.stringify(text)}; allowed: a duration such as "90s", "5m", "1h30m", or advanceMs`,
    );
  return parsed;
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function parseDuration(text: string): number | undefined {
  if (!/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(text)) return undefined;
  let total = 0;
  for (const [, n, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
    total += Number(n) * UNITS[unit!]!;
  }
  return total;
}

function validateFacts(patch: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(patch)) {
    if (!FACT_KEYS.includes(key as keyof Facts))
      throw new BadRequest(
        `facts has no field ${JSON.stringify(key)}; allowed: ${FACT_KEYS.join(', ')}`,
      );
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new BadRequest(`${key} is ${JSON.stringify(value)}; allowed: an object`);
    for (const [name, fact] of Object.entries(value)) {
      if (fact === null) continue; // null removes the fact
      if (key === 'registries' && !REGISTRY_STATES.includes(fact as string))
        throw new BadRequest(
          `registries.${name} is ${JSON.stringify(fact)}; allowed: ${REGISTRY_STATES.join(', ')}`,
        );
      if (key === 'nodeConditions') {
        const list = Array.isArray(fact) ? (fact as unknown[]) : [undefined];
        for (const c of list) {
          const type = (c as { type?: unknown } | undefined)?.type;
          if (!NODE_CONDITIONS.includes(type as string))
            throw new BadRequest(
              `nodeConditions.${name} is ${JSON.stringify(fact)}; allowed: a list of { type: ${NODE_CONDITIONS.join(' | ')}, afterSeconds?: number }`,
            );
        }
      }
      if (
        (key === 'nodeClockSkew' || key === 'nodeCpuPercent' || key === 'cpuUtilization') &&
        typeof fact !== 'number'
      )
        throw new BadRequest(`${key}.${name} is ${JSON.stringify(fact)}; allowed: a number`);
      if ((key === 'images' || key === 'flux') && (typeof fact !== 'object' || Array.isArray(fact)))
        throw new BadRequest(`${key}.${name} is ${JSON.stringify(fact)}; allowed: an object`);
    }
  }
}

/** A JSON merge patch (RFC 7386) applied in place: objects merge, null removes, the rest replaces. */
function mergeInto(target: Record<string, unknown>, patch: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete target[key];
    else if (
      typeof value === 'object' &&
      !Array.isArray(value) &&
      typeof target[key] === 'object' &&
      target[key] !== null &&
      !Array.isArray(target[key])
    )
      mergeInto(target[key] as Record<string, unknown>, value as Record<string, unknown>);
    else target[key] = structuredClone(value);
  }
}
