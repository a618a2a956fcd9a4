// One incident per problem, however often and however concurrently the alert fires.
//
// The record file on the incident branch is the single source of truth and the lock:
// creating the branch and the record (a contents PUT without a sha) decides who opens the
// incident, and every repeat is a compare-and-swap on the record's blob sha, so N
// concurrent dispatches leave one incident that counts N occurrences. Issue mode uses
// the same branch and record (GitHub has no compare-and-swap on an issue body) and
// presents them as an issue. Nothing here uses the search API.
import type { Alert } from '../alerts/model.js';
import type { Identity } from '../alerts/identity.js';
import type { IntakeConfig } from '../config/config.js';
import type { Octokit, RequestStats } from '../github/client.js';
import { statusOf } from '../github/errors.js';
import type { IncidentMode } from '../shared/constants.js';
import {
  CLAIM_TIMEOUT_MS,
  foldRepeat,
  isStablyResolved,
  newRecord,
  parseRecord,
  serialiseRecord,
  type Change,
  type IncidentRecord,
  type IncidentRef,
} from './record.js';
import {
  changeComment,
  incidentBody,
  incidentLabels,
  incidentTitle,
  LABELS,
  type RenderContext,
} from './render.js';

export interface UpsertContext {
  octokit: Octokit;
  stats: RequestStats;
  owner: string;
  repo: string;
  mode: IncidentMode;
  /**
   * The base branch (undefined: the repository's default branch, looked up once), and its
   * head commit when the run already knows it (GITHUB_SHA).
   */
  base: { branch: string | undefined; sha: string | undefined };
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
}

/** `retried`: a `/kubemend retry` ran the pipeline again; nothing was counted (intake/retry.ts). */
export type UpsertAction = 'created' | 'updated' | 'coalesced' | 'recurred' | 'retried';

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

  constructor(ctx: UpsertContext, identity: Identity, alerts: Alert[]) {
    this.ctx = ctx;
    this.identity = identity;
    this.alerts = alerts;
  }

  async run(): Promise<UpsertResult> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (attempt > 0) await this.backoff(attempt);
      try {
        return await this.attempt();
      } catch (error) {
        if (!(error instanceof Conflict)) throw error;
        // In a storm with the budget low, a pure repeat that lost a race is coalesced
        // instead of paying for another read and write.
        if (error.coalescable && this.budgetLow()) {
          this.ctx.log.warning(
            `Rate-limit budget low: this repeat of ${this.identity.branch} lost a race for the record and was not written again.`,
          );
          return this.result(error.coalescable, 'coalesced', false, []);
        }
      }
    }
    throw new Error(
      `Incident ${this.identity.branch}: the record changed under this run ${MAX_ATTEMPTS} times in a row; re-run the job.`,
    );
  }

  private async attempt(): Promise<UpsertResult> {
    const stored = await this.read(this.identity.recordPath, this.identity.branch);
    if (!stored) return this.open(undefined);
    const firing = this.alerts.some((a) => a.status === 'firing');
    let { record } = stored;
    const incident = record.incident;

    // A claim whose run died before opening the incident is taken over.
    if (
      !incident ||
      (incident.state === 'creating' && this.now() - Date.parse(incident.since) >= CLAIM_TIMEOUT_MS)
    ) {
      return this.takeOver(stored);
    }

    // A new firing after the incident ended opens a new incident that links the old one.
    // Closure is looked up only when the alert comes back, so pure repeats stay cheap.
    if (firing && record.status === 'resolved' && incident?.state === 'open') {
      const state = await this.incidentState(incident);
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
      this.iso(),
      this.ctx.config.stableWindowMs,
      this.receivedIso(),
    );
    const next = change.record;
    const open = next.incident?.state === 'open';
    const pure = change.notable.length === 0;

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
        this.now() - Date.parse(ref.renderedAt) >= this.ctx.config.refreshIntervalMs);
    if (refresh) next.incident = { ...ref, renderedAt: this.iso() };
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
    const record = newRecord(this.identity, this.alerts, this.iso());
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
      const existed = await this.ensureBranch();
      // The branch outlived its record: the incident was merged and its record moved.
      if (existed) record.previous = await this.mergedPrevious();
    }
    sha = await this.write(record, sha);
    const opened = await this.openIncident(record, sha);
    return this.result(opened, record.previous ? 'recurred' : 'created', true, []);
  }

  private async takeOver(stored: Stored): Promise<UpsertResult> {
    const change = foldRepeat(
      stored.record,
      this.alerts,
      this.iso(),
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
      since: this.iso(),
      closedAt: null,
      renderedAt: null,
    };
  }

  /** Opens the pull request or issue for a claimed record, then records its number. */
  private async openIncident(claimed: IncidentRecord, claimedSha: string): Promise<IncidentRecord> {
    const { octokit, owner, repo } = this.ctx;
    const title = incidentTitle(claimed);
    const body = incidentBody(claimed, this.renderContext());
    const labels = incidentLabels(claimed, this.identity.clusterSlug, this.extraLabels());
    let number: number;
    let url: string;
    if (this.ctx.mode === 'pr') {
      ({ number, url } = await this.createPull(title, body));
      await octokit.rest.issues.addLabels({ owner, repo, issue_number: number, labels });
    } else {
      const { data } = await octokit.rest.issues.create({ owner, repo, title, body, labels });
      ({ number, html_url: url } = data);
    }
    const ref: IncidentRef = {
      ...this.claim(),
      state: 'open',
      number,
      url,
      since: this.iso(),
      renderedAt: this.iso(),
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
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (attempt > 0) await this.backoff(attempt);
      if (attempt > 0 || !stored)
        stored = await this.read(this.identity.recordPath, this.identity.branch);
      if (!stored) return undefined;
      const record = change(stored.record);
      if (!record) return undefined;
      try {
        await this.write(record, stored.sha);
        return record;
      } catch (error) {
        if (!(error instanceof Conflict)) throw error;
      }
    }
    return undefined;
  }

  private async createPull(title: string, body: string): Promise<{ number: number; url: string }> {
    const { octokit, owner, repo } = this.ctx;
    try {
      const { data } = await octokit.rest.pulls.create({
        owner,
        repo,
        title,
        body,
        head: this.identity.branch,
        base: await this.baseBranch(),
      });
      return { number: data.number, url: data.html_url };
    } catch (error) {
      // GitHub keeps one open pull request per head and base: a taken-over claim adopts it.
      if (statusOf(error) !== 422 || !/already exists/i.test(errorText(error))) throw error;
      const { data } = await octokit.rest.pulls.list({
        owner,
        repo,
        head: `${owner}:${this.identity.branch}`,
        base: await this.baseBranch(),
        state: 'open',
      });
      const pull = data[0];
      if (!pull) throw error;
      return { number: pull.number, url: pull.html_url };
    }
  }

  /** Renders the body from the record (the closure check comes with the answer), then comments and labels. */
  private async present(
    record: IncidentRecord,
    before: IncidentRecord,
    change: Change,
  ): Promise<void> {
    const { octokit, owner, repo } = this.ctx;
    const incident = record.incident;
    const number = incident?.number;
    if (!incident || !number) return;
    const title = incidentTitle(record);
    const body = incidentBody(record, this.renderContext());
    const { data } =
      incident.kind === 'pull'
        ? await octokit.rest.pulls.update({ owner, repo, pull_number: number, title, body })
        : await octokit.rest.issues.update({ owner, repo, issue_number: number, title, body });
    if (data.state === 'closed') {
      await this.markClosed(data.closed_at ?? this.iso());
      return;
    }
    const comment = changeComment(change, before, this.ctx.config.stableWindowMs);
    if (comment)
      await octokit.rest.issues.createComment({ owner, repo, issue_number: number, body: comment });
    if (change.notable.includes('severity')) {
      await octokit.rest.issues
        .removeLabel({ owner, repo, issue_number: number, name: LABELS.severity(before.severity) })
        .catch((error: unknown) => {
          if (statusOf(error) !== 404) throw error;
        });
    }
    const added = [
      ...(change.notable.includes('severity') ? [LABELS.severity(record.severity)] : []),
      ...(change.notable.includes('flap') && before.flaps === 0 ? [LABELS.flapping] : []),
    ];
    if (added.length)
      await octokit.rest.issues.addLabels({ owner, repo, issue_number: number, labels: added });
  }

  /** Records that the incident was closed (by a person or a merge), so a new firing opens another. */
  private async markClosed(closedAt: string): Promise<void> {
    await this.amend((record) =>
      record.incident?.state === 'open'
        ? { ...record, incident: { ...record.incident, state: 'closed', closedAt } }
        : undefined,
    );
  }

  private async incidentState(
    incident: IncidentRef,
  ): Promise<{ closed: boolean; closedAt: string | null }> {
    const { octokit, owner, repo } = this.ctx;
    const number = incident.number;
    if (!number) return { closed: false, closedAt: null };
    const { data } =
      incident.kind === 'pull'
        ? await octokit.rest.pulls.get({ owner, repo, pull_number: number })
        : await octokit.rest.issues.get({ owner, repo, issue_number: number });
    return { closed: data.state === 'closed', closedAt: data.closed_at ?? null };
  }

  private async waitForNumber(): Promise<IncidentRecord | undefined> {
    const deadline = Date.now() + WAIT_FOR_NUMBER_MS;
    for (let attempt = 1; Date.now() < deadline; attempt++) {
      await this.backoff(Math.min(attempt, 6));
      const stored = await this.read(this.identity.recordPath, this.identity.branch);
      if (stored?.record.incident?.number) return stored.record;
    }
    this.ctx.log.warning(
      `The incident for ${this.identity.branch} is still being opened by another run; this occurrence is counted in its record.`,
    );
    return undefined;
  }

  /** Creates the incident branch; true when it already existed. */
  private async ensureBranch(): Promise<boolean> {
    const { octokit, owner, repo } = this.ctx;
    const ref = `refs/heads/${this.identity.branch}`;
    let sha = this.ctx.base.sha ?? (await this.baseSha());
    for (let tries = 0; tries < 2; tries++) {
      try {
        await octokit.rest.git.createRef({ owner, repo, ref, sha });
        return false;
      } catch (error) {
        if (statusOf(error) !== 422) throw error;
        if (/already exists/i.test(errorText(error))) return true;
        // The run's commit is not in the repository (yet): branch from the base's head.
        if (tries === 0 && this.ctx.base.sha) sha = await this.baseSha();
        else throw error;
      }
    }
    return true;
  }

  private async baseSha(): Promise<string> {
    const { octokit, owner, repo } = this.ctx;
    const branch = await this.baseBranch();
    const { data } = await octokit.rest.git.getRef({ owner, repo, ref: `heads/${branch}` });
    return data.object.sha;
  }

  private async baseBranch(): Promise<string> {
    if (this.ctx.base.branch === undefined) {
      const { octokit, owner, repo } = this.ctx;
      const { data } = await octokit.rest.repos.get({ owner, repo });
      this.ctx.base = { branch: data.default_branch, sha: undefined };
      return data.default_branch;
    }
    return this.ctx.base.branch;
  }

  /** After a merge the record sits in alerts/resolved/ on the branch: the previous incident. */
  private async mergedPrevious(): Promise<IncidentRecord['previous']> {
    const path = this.identity.recordPath.replace(/^alerts\/incoming\//, 'alerts/resolved/');
    const stored = await this.read(path, this.identity.branch);
    const ref = stored?.record.incident;
    if (!stored || !ref?.number) return null;
    return { number: ref.number, url: ref.url, closedAt: ref.closedAt ?? stored.record.lastSeen };
  }

  private async read(path: string, ref: string): Promise<Stored | undefined> {
    const { octokit, owner, repo } = this.ctx;
    let data: unknown;
    try {
      ({ data } = await octokit.rest.repos.getContent({ owner, repo, path, ref }));
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
    const file = data as { type?: string; content?: string; sha?: string };
    if (file.type !== 'file' || typeof file.content !== 'string' || typeof file.sha !== 'string') {
      throw new Error(
        `${path} on ${ref} is not a file; delete the branch ${ref} to start the incident over.`,
      );
    }
    const record = parseRecord(Buffer.from(file.content, 'base64').toString('utf8'));
    if (!record || record.key !== this.identity.key) {
      throw new Error(
        `${path} on ${ref} is not a kubemend record for this incident; delete the branch ${ref} to start the incident over.`,
      );
    }
    return { record, sha: file.sha };
  }

  /** Compare-and-swap on the record's blob sha; a lost race throws Conflict. */
  private async write(record: IncidentRecord, sha: string | undefined): Promise<string> {
    const { octokit, owner, repo } = this.ctx;
    try {
      const { data } = await octokit.rest.repos.createOrUpdateFileContents({
        owner,
        repo,
        path: this.identity.recordPath,
        branch: this.identity.branch,
        message: `kubemend: ${sha ? 'update' : 'open'} incident ${this.identity.slug}-${this.identity.hash8} (occurrence ${record.occurrences})`,
        content: Buffer.from(serialiseRecord(record)).toString('base64'),
        ...(sha ? { sha } : {}),
      });
      return data.content?.sha ?? '';
    } catch (error) {
      const code = statusOf(error);
      // 409: the sha moved. 422 without a sha: another run created the file first.
      // 404: the branch went away between our read and write (a merge deleted it).
      if (code === 409 || code === 404 || (code === 422 && !sha && /sha/i.test(errorText(error))))
        throw new Conflict();
      throw error;
    }
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
      stablyResolved: isStablyResolved(record, this.iso(), this.ctx.config.stableWindowMs),
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

  private renderContext(): RenderContext {
    return {
      mode: this.ctx.mode,
      hash8: this.identity.hash8,
      clusterSlug: this.identity.clusterSlug,
      recordPath: this.identity.recordPath,
      branch: this.identity.branch,
      repositoryUrl: `${process.env.GITHUB_SERVER_URL ?? 'https://github.com'}/${this.ctx.owner}/${this.ctx.repo}`,
      now: this.iso(),
    };
  }

  private extraLabels(): string[] {
    return [...new Set([...this.ctx.config.labels, ...this.ctx.labels])];
  }

  /** GitHub's time when it has answered, else the runner's. */
  private now(): number {
    return this.ctx.stats.serverTime ?? (this.ctx.localNow ?? Date.now)();
  }

  private receivedIso(): string {
    const at = this.ctx.receivedAt;
    return at === undefined ? this.iso() : new Date(at).toISOString();
  }

  private iso(): string {
    return new Date(this.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  /** Full jitter: racing runs spread out instead of colliding again in lockstep. */
  private backoff(attempt: number): Promise<void> {
    const cap = this.ctx.backoffMs * 2 ** Math.min(attempt, 5);
    return new Promise((done) => setTimeout(done, Math.random() * cap));
  }
}

function errorText(error: unknown): string {
  return (error as { message?: string }).message ?? '';
}
