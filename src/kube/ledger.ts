// The ledger: rate-limit, cooldown and storm state in one ConfigMap in the cluster,
// shared by every remediation job running in parallel. Each reservation is a
// compare-and-swap on the ConfigMap's resourceVersion, so two jobs can never both take
// the last action of a budget. In dry-run the ledger is read and the write is sent with
// dryRun=All: the decision is what a live run would get, and nothing persists.
import type { V1ConfigMap } from '@kubernetes/client-node';
import { ApiException } from '@kubernetes/client-node';
import type { KubeClient } from './client.js';
import { retrying } from '../shared/retry.js';

export interface LedgerLimits {
  /** Actions in any rolling hour, all playbooks together. */
  perHour: number;
  /** Actions of one playbook in any rolling hour. */
  perPlaybookPerHour: number;
  /** No second action on the same target within this long. */
  cooldownMs: number;
  /** This many distinct incidents acted on within stormWindowMs means a storm: no automation. */
  stormIncidents: number;
  stormWindowMs: number;
  /**
   * Actions on one target within recurrenceWindowMs after which kubemend stops automating
   * it: fixed, recurred, fixed, recurred means the fix treats a symptom. Optional for
   * callers that predate it; none means no recurrence breaker.
   */
  recurrenceLimit?: number;
  recurrenceWindowMs?: number;
}

export interface LedgerLocation {
  namespace: string;
  name: string;
}

export interface LedgerEntry {
  /** ISO time the action was granted. */
  at: string;
  playbook: string;
  /** `namespace/Kind/name` or `Node/name`: what the action touches. */
  target: string;
  incident: string;
}

interface LedgerState {
  version: 1;
  entries: LedgerEntry[];
}

export type Reservation =
  | { granted: true; entry: LedgerEntry }
  | {
      granted: false;
      guardrail: 'rate-limit' | 'playbook-rate-limit' | 'cooldown' | 'storm' | 'recurrence';
      reason: string;
    };

const KEY = 'ledger.json';
const HOUR = 3_600_000;
/** Compare-and-swap attempts before giving up: 20 jobs at once settle well within this. */
const MAX_ATTEMPTS = 40;

export class Ledger {
  private readonly client: KubeClient;
  private readonly at: LedgerLocation;
  private readonly limits: LedgerLimits;
  private readonly backoffMs: number;
  /** Compare-and-swap conflicts met, for the result's counters. */
  conflicts = 0;

  constructor(client: KubeClient, at: LedgerLocation, limits: LedgerLimits, backoffMs = 200) {
    this.client = client;
    this.at = at;
    this.limits = limits;
    this.backoffMs = backoffMs;
  }

  /** Takes one action from every budget that applies, or says which guardrail refuses. */
  async reserve(request: {
    playbook: string;
    target: string;
    incident: string;
    now: number;
  }): Promise<Reservation> {
    const at = `ledger ${this.at.namespace}/${this.at.name}`;
    return retrying(
      {
        attempts: MAX_ATTEMPTS,
        backoff: { baseMs: this.backoffMs, capMs: this.backoffMs * 8 },
        // 409: another job wrote first (a stale resourceVersion, or both creating it).
        retryable: (error) => error instanceof ApiException && error.code === 409,
        onRetry: () => this.conflicts++,
        exhausted: (last) =>
          new Error(
            `${at}: ${MAX_ATTEMPTS} compare-and-swap attempts lost in a row; re-run the job.`,
            { cause: last },
          ),
      },
      async () => {
        const current = await this.read();
        const state = prune(current.state, request.now, this.keepMs());
        const verdict = this.decide(state, request);
        if (!verdict.granted) return verdict;
        state.entries.push(verdict.entry);
        try {
          await this.write(current.object, state);
        } catch (error) {
          if (error instanceof ApiException && error.code === 404)
            throw new Error(
              `${at}: namespace ${this.at.namespace} does not exist; create it (deploy/rbac/) or set guardrails.ledger-namespace.`,
              { cause: error },
            );
          throw error;
        }
        return verdict;
      },
    );
  }

  /** The entries as they stand (pruned), for reports. */
  async entries(now: number): Promise<LedgerEntry[]> {
    return prune((await this.read()).state, now, this.keepMs()).entries;
  }

  private keepMs(): number {
    return Math.max(
      HOUR,
      this.limits.cooldownMs,
      this.limits.stormWindowMs,
      this.limits.recurrenceWindowMs ?? 0,
    );
  }

  private decide(
    state: LedgerState,
    request: { playbook: string; target: string; incident: string; now: number },
  ): Reservation {
    const since = (ms: number) => state.entries.filter((e) => Date.parse(e.at) > request.now - ms);
    const lastHour = since(HOUR);
    const recentOnTarget = since(this.limits.cooldownMs).find((e) => e.target === request.target);
    if (recentOnTarget)
      return {
        granted: false,
        guardrail: 'cooldown',
        reason: `cooldown: ${request.target} was acted on at ${recentOnTarget.at} (${recentOnTarget.playbook}); no second action within ${Math.round(this.limits.cooldownMs / 60_000)}m`,
      };
    const { recurrenceLimit, recurrenceWindowMs } = this.limits;
    if (recurrenceLimit !== undefined && recurrenceWindowMs !== undefined) {
      const before = since(recurrenceWindowMs).filter((e) => e.target === request.target);
      if (before.length >= recurrenceLimit)
        return {
          granted: false,
          guardrail: 'recurrence',
          reason: `recurrence: ${request.target} was acted on ${before.length} times in the last ${Math.round(recurrenceWindowMs / 3_600_000)}h (${before.map((e) => e.at).join(', ')}) and the problem came back; kubemend stops automating it until a person fixes the cause`,
        };
    }
    const incidents = new Set(since(this.limits.stormWindowMs).map((e) => e.incident));
    incidents.add(request.incident);
    if (incidents.size > this.limits.stormIncidents)
      return {
        granted: false,
        guardrail: 'storm',
        reason: `storm: ${incidents.size} distinct incidents within ${Math.round(this.limits.stormWindowMs / 60_000)}m (limit ${this.limits.stormIncidents}); automation stops and a human decides`,
      };
    if (lastHour.length >= this.limits.perHour)
      return {
        granted: false,
        guardrail: 'rate-limit',
        reason: `rate limit: ${lastHour.length} actions in the last hour (limit ${this.limits.perHour})`,
      };
    const ofPlaybook = lastHour.filter((e) => e.playbook === request.playbook).length;
    if (ofPlaybook >= this.limits.perPlaybookPerHour)
      return {
        granted: false,
        guardrail: 'playbook-rate-limit',
        reason: `rate limit: ${ofPlaybook} ${request.playbook} actions in the last hour (limit ${this.limits.perPlaybookPerHour})`,
      };
    return {
      granted: true,
      entry: {
        at: new Date(request.now).toISOString(),
        playbook: request.playbook,
        target: request.target,
        incident: request.incident,
      },
    };
  }

  private async read(): Promise<{ object: V1ConfigMap | undefined; state: LedgerState }> {
    const object = await this.client.get<V1ConfigMap>({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: this.at.namespace,
      name: this.at.name,
    });
    return { object, state: parse(object?.data?.[KEY]) };
  }

  private async write(current: V1ConfigMap | undefined, state: LedgerState): Promise<void> {
    const data = { [KEY]: JSON.stringify(state) };
    if (!current) {
      await this.client.create<V1ConfigMap>({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: this.at.name,
          namespace: this.at.namespace,
          labels: { 'app.kubernetes.io/managed-by': 'kubemend' },
        },
        data,
      });
      return;
    }
    // The resourceVersion read is the compare: a write since then answers 409.
    await this.client.replace<V1ConfigMap>({
      ...current,
      apiVersion: 'v1',
      kind: 'ConfigMap',
      data,
    });
  }
}

/** A ledger that is not ours or not readable starts empty rather than blocking for ever. */
function parse(text: string | undefined): LedgerState {
  if (!text) return { version: 1, entries: [] };
  try {
    const doc = JSON.parse(text) as Partial<LedgerState>;
    const entries = Array.isArray(doc.entries) ? doc.entries.filter(isEntry) : [];
    return { version: 1, entries };
  } catch {
    return { version: 1, entries: [] };
  }
}

function isEntry(value: unknown): value is LedgerEntry {
  const e = value as Partial<LedgerEntry> | null;
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof e.at === 'string' &&
    !Number.isNaN(Date.parse(e.at)) &&
    typeof e.playbook === 'string' &&
    typeof e.target === 'string' &&
    typeof e.incident === 'string'
  );
}

/** Entries older than any window are dropped, so the ConfigMap stays small. */
function prune(state: LedgerState, now: number, keepMs: number): LedgerState {
  return { version: 1, entries: state.entries.filter((e) => Date.parse(e.at) > now - keepMs) };
}
