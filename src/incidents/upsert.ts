// One incident per problem, however often and however concurrently the alert fires.
//
// The record file on the incident branch is the single source of truth and the lock:
// creating the branch and the record (a contents PUT without a sha) decides who opens the
// incident, and every repeat is a compare-and-swap on the record's blob sha, so N
// concurrent dispatches leave one incident that counts N occurrences. Issue mode uses
// the same branch and record (GitHub has no compare-and-swap on an issue body) and
// presents them as an issue. Nothing here uses the search API.
//
// This module is the protocol: when to claim, count, take over, open or re-open. The
// record file is read and written through the record store (records.ts), the branch made
// by branches.ts, and the pull request or issue shown by presentation.ts.
import type { Alert } from '../alerts/model.js';
import type { Identity } from '../alerts/identity.js';
import type { IntakeConfig } from '../config/config.js';
import type { RequestStats } from '../github/client.js';
import { errorText, statusOf } from '../github/errors.js';
import type { IncidentMode } from '../shared/constants.js';
import {
  backoffDelay,
  retrying,
  sleep,
  type Backoff,
  type RetryPolicy,
  type Sleep,
} from '../shared/retry.js';
import { catchUp, ensureBranch } from './branches.js';
import { IncidentClock } from './clock.js';
import { IncidentPresentation, type PresentationContext } from './presentation.js';
import {
  CLAIM_TIMEOUT_MS,
  foldRepeat,
  isStablyResolved,
  newRecord,
  type Change,
  type IncidentRecord,
  type IncidentRef,
} from './record.js';
import { readRecordFile, writeRecordFile } from './records.js';

export interface UpsertContext extends PresentationContext {
  stats: RequestStats;
  mode: IncidentMode;
  config: IntakeConfig;
  /** Labels from the action's input, added to the config's. */
  labels: string[];
  /** Spacing unit of compare-and-swap retries, in ms. */
  backoffMs: number;
  log: { info(message: string): void; warning(message: string): void };
  /** The runner's clock, used only before GitHub has answered once. */
  localNow?: () => number;
  /** When the run received its payload (the runner's clock at start), in ms. */
  receivedAt?: number;
  /** Waits between compare-and-swap attempts, and their jitter; tests fix them. */
  sleep?: Sleep;
  random?: () => number;
}

/** `retried`: a `/kubemend retry` ran the pipeline again; nothing was counted (intake/retry.ts). */
/** `ignored`: a resolved notification for an incident that ended (or never began): nothing written. */
export type UpsertAction = 'created' | 'updated' | 'coalesced' | 'recurred' | 'retried' | 'ignored';

export interface UpsertResult {
  key: string;
  number: number | null;
  url: string | null;
  created: boolean;
  action: UpsertAction;
  /** Status of the alert after this run: firing or resolved. */
  status: 'firing' | 'resolved';
  /** True once a resolved incident has stayed resolved for the stable window. */
  stablyResolved: boolean;
  /** What a reader was told about (status, severity, targets, flap); empty for a pure repeat. */
  notable: Change['notable'];
  occurrences: number;
  recordPath: string;
  branch: string;
  incidentState: IncidentRef['state'];
}

/** Compare-and-swap attempts before a run gives up; contention this long means a storm. */
const MAX_ATTEMPTS = 60;
/** Back-off steps of compare-and-swap retries, in units of `backoffMs`: 2, 4, ... up to 32. */
const BACKOFF_FIRST = 2;
const BACKOFF_CAP = 32;
/** How long a repeat waits for the run that opened the incident to record its number. */
const WAIT_FOR_NUMBER_MS = 60_000;

interface Stored {
  record: IncidentRecord;
  sha: string;
}

/** The record moved under a write; carries the record a pure repeat read, for coalescing. */
class Conflict extends Error {
  coalescable: IncidentRecord | undefined;
}

export class IncidentUpserter {
  private readonly ctx: UpsertContext;
  private readonly identity: Identity;
  private readonly alerts: Alert[];
  private readonly clock: IncidentClock;
  private readonly presentation: IncidentPresentation;
  private readonly backoff: Backoff;

  constructor(ctx: UpsertContext, identity: Identity, alerts: Alert[]) {
    this.ctx = ctx;
    this.identity = identity;
    this.alerts = alerts;
    this.clock = new IncidentClock(ctx.stats, ctx.localNow, ctx.receivedAt);
    // The context itself, not a copy: the base branch looked up once serves every incident.
    this.presentation = new IncidentPresentation(ctx, identity, this.clock, {
      labels: [...new Set([...ctx.config.labels, ...ctx.labels])],
      stableWindowMs: ctx.config.stableWindowMs,
    });
    this.backoff = { baseMs: ctx.backoffMs * BACKOFF_FIRST, capMs: ctx.backoffMs * BACKOFF_CAP };
  }

  async run(): Promise<UpsertResult> {
    const policy = this.casPolicy((last) => {
      const branch = this.identity.branch;
      return new Error(
        `Incident ${branch}: the record changed under this run ${MAX_ATTEMPTS} times in a row; re-run the job.`,
        { cause: last },
      );
    });
    return retrying(policy, async () => {
      try {
        return await this.attempt();
      } catch (error) {
        // In a storm with the budget low, a pure repeat that lost a race is coalesced
        // instead of paying for another read and write.
        if (error instanceof Conflict && error.coalescable && this.budgetLow()) {
          this.ctx.log.warning(
            `Rate-limit budget low: this repeat of ${this.identity.branch} lost a race for the record and was not written again.`,
          );
          return this.result(error.coalescable, 'coalesced', false, []);
        }
        throw error;
      }
    });
  }

  private async attempt(): Promise<UpsertResult> {
    const stored = await this.read(this.identity.recordPath);
    const firing = this.alerts.some((a) => a.status === 'firing');
    if (!stored) return firing ? this.open(undefined) : this.ended();
    let { record } = stored;
    const incident = record.incident;

    // A claim whose run died before opening the incident is taken over.
    if (
      !incident ||
      (incident.state === 'creating' &&
        this.clock.now() - Date.parse(incident.since) >= CLAIM_TIMEOUT_MS)
    ) {
      return this.takeOver(stored);
    }

    // A new firing after the incident ended opens a new incident that links the old one.
    // Closure is looked up only when the alert comes back, so pure repeats stay cheap.
    if (firing && record.status === 'resolved' && incident?.state === 'open') {
      const state = await this.presentation.closure(incident);
      if (state.closed) {
        record = {
          ...record,
          incident: { ...incident, state: 'closed', closedAt: state.closedAt },
        };
      }
    }
    if (firing && record.status === 'resolved' && record.incident?.state === 'closed') {
      return this.open(stored, record);
    }

    const before = record;
    const change = foldRepeat(
      record,
      this.alerts,
      this.clock.iso(),
      this.ctx.config.stableWindowMs,
      this.clock.receivedIso(),
    );
    const next = change.record;
    const open = next.incident?.state === 'open';
    const pure = change.notable.length === 0 && change.sources.length === 0;

    if (pure && open && this.budgetLow()) {
      this.ctx.log.warning(
        `Rate-limit budget low (${this.ctx.stats.rateLimit?.remaining} requests left, reserve ${this.ctx.config.rateLimitReserve}): this repeat of ${this.identity.branch} was read, not written.`,
      );
      return this.result(next, 'coalesced', false, change.notable);
    }

    const ref = next.incident;
    const refresh =
      ref?.state === 'open' &&
      (!pure ||
        ref.renderedAt === null ||
        this.clock.now() - Date.parse(ref.renderedAt) >= this.ctx.config.refreshIntervalMs);
    if (refresh) next.incident = { ...ref, renderedAt: this.clock.iso() };
    try {
      await this.write(next, stored.sha);
    } catch (error) {
      if (error instanceof Conflict && pure && open) error.coalescable = record;
      throw error;
    }

    if (next.incident?.state === 'creating') {
      // Counted; the run that claimed the incident is opening it. Wait for its number.
      const opened = await this.waitForNumber();
      // A status change that raced the opening is still told, on the opened incident.
      if (opened && !pure) await this.present(opened, before, change);
      return this.result(opened ?? next, 'updated', false, change.notable);
    }
    if (refresh) await this.present(next, before, change);
    return this.result(next, 'updated', false, change.notable);
  }

  /** Writes a new record (first firing, or recurrence) and opens its pull request or issue. */
  private async open(stored: Stored | undefined, ended?: IncidentRecord): Promise<UpsertResult> {
    const record = newRecord(this.identity, this.alerts, this.clock.iso());
    record.incident = this.claim();
    if (ended?.incident?.number) {
      record.previous = {
        number: ended.incident.number,
        url: ended.incident.url,
        closedAt: ended.incident.closedAt ?? ended.lastSeen,
      };
    }
    let sha = stored?.sha;
    if (!stored) {
      const existed = await ensureBranch(this.ctx, this.identity.branch);
      // The branch outlived its record: the incident was merged and its record moved.
      if (existed) record.previous = await this.mergedPrevious();
      if (record.previous && !(await catchUp(this.ctx, this.identity.branch)))
        this.ctx.log.warning(
          `${this.identity.branch} conflicts with the base branch; the new incident's pull request needs a person to resolve it before it can merge.`,
        );
    }
    sha = await this.write(record, sha);
    const opened = await this.openIncident(record, sha);
    return this.result(opened, record.previous ? 'recurred' : 'created', true, []);
  }

  /**
   * A resolved notification with no live record: its incident was merged (the record
   * moved to alerts/resolved/) or never opened. It opens nothing: an incident that says
   * "resolved" from its first line would only be noise for a person to close.
   */
  private async ended(): Promise<UpsertResult> {
    const previous = await this.mergedPrevious();
    this.ctx.log.info(
      `${this.identity.branch}: a resolved notification ${previous ? `for #${previous.number}, which already ended` : 'for an incident never opened'}; nothing to do.`,
    );
    return {
      key: this.identity.key,
      number: null,
      url: null,
      created: false,
      action: 'ignored',
      status: 'resolved',
      stablyResolved: false,
      notable: [],
      occurrences: 0,
      recordPath: this.identity.recordPath,
      branch: this.identity.branch,
      incidentState: 'closed',
    };
  }

  private async takeOver(stored: Stored): Promise<UpsertResult> {
    const change = foldRepeat(
      stored.record,
      this.alerts,
      this.clock.iso(),
      this.ctx.config.stableWindowMs,
    );
    change.record.incident = { ...this.claim(), number: stored.record.incident?.number ?? null };
    const sha = await this.write(change.record, stored.sha);
    this.ctx.log.warning(
      `The run that claimed ${this.identity.branch} did not open its incident within ${CLAIM_TIMEOUT_MS / 60_000} minutes; this run opens it.`,
    );
    const opened = await this.openIncident(change.record, sha);
    return this.result(opened, 'created', true, change.notable);
  }

  private claim(): IncidentRef {
    return {
      kind: this.ctx.mode === 'pr' ? 'pull' : 'issue',
      state: 'creating',
      number: null,
      url: null,
      since: this.clock.iso(),
      closedAt: null,
      renderedAt: null,
    };
  }

  /** Opens the pull request or issue for a claimed record, then records its number. */
  private async openIncident(claimed: IncidentRecord, claimedSha: string): Promise<IncidentRecord> {
    const { number, url } = await this.presentation.open(claimed);
    const ref: IncidentRef = {
      ...this.claim(),
      state: 'open',
      number,
      url,
      since: this.clock.iso(),
      renderedAt: this.clock.iso(),
    };
    // Repeats may have been counted meanwhile: put the number on the latest record.
    const recorded = await this.amend((record) => ({ ...record, incident: ref }), {
      record: claimed,
      sha: claimedSha,
    });
    if (recorded) return recorded;
    throw new Error(
      `Opened ${this.ctx.mode === 'pr' ? 'pull request' : 'issue'} #${number} but could not record its number on ${this.identity.branch}; re-run the job.`,
    );
  }

  /**
   * Applies `change` to the latest record by compare-and-swap, starting from `first` when
   * the caller already read it. Answers the record written, or undefined when `change`
   * declined, the record is gone, or every attempt lost its race.
   */
  private async amend(
    change: (record: IncidentRecord) => IncidentRecord | undefined,
    first?: Stored,
  ): Promise<IncidentRecord | undefined> {
    let stored = first;
    try {
      return await retrying(this.casPolicy(), async (attempt) => {
        if (attempt > 1 || !stored) stored = await this.read(this.identity.recordPath);
        if (!stored) return undefined;
        const record = change(stored.record);
        if (!record) return undefined;
        await this.write(record, stored.sha);
        return record;
      });
    } catch (error) {
      if (error instanceof Conflict) return undefined;
      throw error;
    }
  }

  /** Shows the record on the incident; one closed meanwhile is recorded as closed instead. */
  private async present(
    record: IncidentRecord,
    before: IncidentRecord,
    change: Change,
  ): Promise<void> {
    const closure = await this.presentation.refresh(record, before, change);
    if (closure.closed) await this.markClosed(closure.closedAt ?? this.clock.iso());
  }

  /** Records that the incident was closed (by a person or a merge), so a new firing opens another. */
  private async markClosed(closedAt: string): Promise<void> {
    await this.amend((record) =>
      record.incident?.state === 'open'
        ? { ...record, incident: { ...record.incident, state: 'closed', closedAt } }
        : undefined,
    );
  }

  private async waitForNumber(): Promise<IncidentRecord | undefined> {
    const deadline = this.clock.runnerNow() + WAIT_FOR_NUMBER_MS;
    for (let attempt = 1; this.clock.runnerNow() < deadline; attempt++) {
      await (this.ctx.sleep ?? sleep)(backoffDelay(this.backoff, attempt, this.ctx.random));
      const stored = await this.read(this.identity.recordPath);
      if (stored?.record.incident?.number) return stored.record;
    }
    this.ctx.log.warning(
      `The incident for ${this.identity.branch} is still being opened by another run; this occurrence is counted in its record.`,
    );
    return undefined;
  }

  /** After a merge the record sits in alerts/resolved/ on the branch: the previous incident. */
  private async mergedPrevious(): Promise<IncidentRecord['previous']> {
    const path = this.identity.recordPath.replace(/^alerts\/incoming\//, 'alerts/resolved/');
    const stored = await this.read(path);
    const ref = stored?.record.incident;
    if (!stored || !ref?.number) return null;
    return { number: ref.number, url: ref.url, closedAt: ref.closedAt ?? stored.record.lastSeen };
  }

  /** The record at `path` on the incident branch; one that is not this incident's stops the run. */
  private async read(path: string): Promise<Stored | undefined> {
    const ref = this.identity.branch;
    const file = await readRecordFile(this.ctx, path, ref);
    if (file === undefined) return undefined;
    if (file === null) {
      throw new Error(
        `${path} on ${ref} is not a file; delete the branch ${ref} to start the incident over.`,
      );
    }
    if (!file.record || file.record.key !== this.identity.key) {
      throw new Error(
        `${path} on ${ref} is not a kubemend record for this incident; delete the branch ${ref} to start the incident over.`,
      );
    }
    return { record: file.record, sha: file.sha };
  }

  /** Compare-and-swap on the record's blob sha; a lost race throws Conflict. */
  private async write(record: IncidentRecord, sha: string | undefined): Promise<string> {
    const at = {
      path: this.identity.recordPath,
      branch: this.identity.branch,
      sha,
      message: `kubemend: ${sha ? 'update' : 'open'} incident ${this.identity.slug}-${this.identity.hash8} (occurrence ${record.occurrences})`,
    };
    try {
      return await writeRecordFile(this.ctx, at, record);
    } catch (error) {
      const code = statusOf(error);
      // 409: the sha moved. 422 without a sha: another run created the file first.
      // 404: the branch went away between our read and write (a merge deleted it).
      if (code === 409 || code === 404 || (code === 422 && !sha && /sha/i.test(errorText(error))))
        throw new Conflict(`the record on ${at.branch} moved under this write`, { cause: error });
      throw error;
    }
  }

  /** Compare-and-swap retries: a lost race is tried again, anything else thrown at once. */
  private casPolicy(exhausted?: RetryPolicy['exhausted']): RetryPolicy {
    return {
      attempts: MAX_ATTEMPTS,
      backoff: this.backoff,
      retryable: (error) => error instanceof Conflict,
      ...(exhausted ? { exhausted } : {}),
      ...(this.ctx.sleep ? { sleep: this.ctx.sleep } : {}),
      ...(this.ctx.random ? { random: this.ctx.random } : {}),
    };
  }

  private result(
    record: IncidentRecord,
    action: UpsertAction,
    created: boolean,
    notable: Change['notable'],
  ): UpsertResult {
    return {
      key: this.identity.key,
      number: record.incident?.number ?? null,
      url: record.incident?.url ?? null,
      created,
      action,
      status: record.status,
      stablyResolved: isStablyResolved(record, this.clock.iso(), this.ctx.config.stableWindowMs),
      notable,
      occurrences: record.occurrences,
      recordPath: this.identity.recordPath,
      branch: this.identity.branch,
      incidentState: record.incident?.state ?? 'creating',
    };
  }

  private budgetLow(): boolean {
    const remaining = this.ctx.stats.rateLimit?.remaining;
    return remaining !== undefined && remaining < this.ctx.config.rateLimitReserve;
  }
}
