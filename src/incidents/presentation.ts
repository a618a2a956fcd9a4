// The incident as people see it on GitHub: its pull request or issue, opened from the
// record and re-rendered from it, with a comment and labels for what changed. The record
// itself is the protocol's (upsert.ts); nothing here writes it.
import type { Identity } from '../alerts/identity.js';
import { errorText, statusOf } from '../github/errors.js';
import type { IncidentMode } from '../shared/constants.js';
import { baseBranch, type BranchContext } from './branches.js';
import type { IncidentClock } from './clock.js';
import type { Change, IncidentRecord, IncidentRef } from './record.js';
import {
  changeComment,
  incidentBody,
  incidentLabels,
  incidentTitle,
  LABELS,
  type RenderContext,
} from './render.js';

export interface PresentationContext extends BranchContext {
  mode: IncidentMode;
  /** The GitHub web server, for links in the incident (GitHub Enterprise has its own). */
  serverUrl?: string;
}

export interface PresentationOptions {
  /** Labels beyond the record's own (the config's and the action input's). */
  labels: string[];
  stableWindowMs: number;
}

/** Whether the pull request or issue was closed (by a person or a merge), and when. */
export interface Closure {
  closed: boolean;
  closedAt: string | null;
}

export class IncidentPresentation {
  private readonly ctx: PresentationContext;
  private readonly identity: Identity;
  private readonly clock: IncidentClock;
  private readonly options: PresentationOptions;

  constructor(
    ctx: PresentationContext,
    identity: Identity,
    clock: IncidentClock,
    options: PresentationOptions,
  ) {
    this.ctx = ctx;
    this.identity = identity;
    this.clock = clock;
    this.options = options;
  }

  /** Opens the pull request or issue for a claimed record. */
  async open(claimed: IncidentRecord): Promise<{ number: number; url: string }> {
    const { octokit, owner, repo } = this.ctx;
    const title = incidentTitle(claimed);
    const body = incidentBody(claimed, this.renderContext());
    const labels = incidentLabels(claimed, this.identity.clusterSlug, this.options.labels);
    if (this.ctx.mode === 'pr') {
      const pull = await this.createPull(title, body);
      await octokit.rest.issues.addLabels({ owner, repo, issue_number: pull.number, labels });
      return pull;
    }
    const { data } = await octokit.rest.issues.create({ owner, repo, title, body, labels });
    return { number: data.number, url: data.html_url };
  }

  /**
   * Renders the body from the record, then comments and labels what changed; the closure
   * check comes with the update's answer, and a closed incident is told nothing more.
   */
  async refresh(record: IncidentRecord, before: IncidentRecord, change: Change): Promise<Closure> {
    const { octokit, owner, repo } = this.ctx;
    const incident = record.incident;
    const number = incident?.number;
    if (!incident || !number) return { closed: false, closedAt: null };
    const title = incidentTitle(record);
    const body = incidentBody(record, this.renderContext());
    const { data } =
      incident.kind === 'pull'
        ? await octokit.rest.pulls.update({ owner, repo, pull_number: number, title, body })
        : await octokit.rest.issues.update({ owner, repo, issue_number: number, title, body });
    if (data.state === 'closed') return { closed: true, closedAt: data.closed_at ?? null };
    const comment = changeComment(change, before, this.options.stableWindowMs);
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
    return { closed: false, closedAt: null };
  }

  /** Whether the incident's pull request or issue is closed. */
  async closure(incident: IncidentRef): Promise<Closure> {
    const { octokit, owner, repo } = this.ctx;
    const number = incident.number;
    if (!number) return { closed: false, closedAt: null };
    const { data } =
      incident.kind === 'pull'
        ? await octokit.rest.pulls.get({ owner, repo, pull_number: number })
        : await octokit.rest.issues.get({ owner, repo, issue_number: number });
    return { closed: data.state === 'closed', closedAt: data.closed_at ?? null };
  }

  private async createPull(title: string, body: string): Promise<{ number: number; url: string }> {
    const { octokit, owner, repo } = this.ctx;
    const head = this.identity.branch;
    try {
      const base = await baseBranch(this.ctx);
      const { data } = await octokit.rest.pulls.create({ owner, repo, title, body, head, base });
      return { number: data.number, url: data.html_url };
    } catch (error) {
      // GitHub keeps one open pull request per head and base: a taken-over claim adopts it.
      if (statusOf(error) !== 422 || !/already exists/i.test(errorText(error))) throw error;
      const { data } = await octokit.rest.pulls.list({
        owner,
        repo,
        head: `${owner}:${head}`,
        base: await baseBranch(this.ctx),
        state: 'open',
      });
      const pull = data[0];
      if (!pull) throw error;
      return { number: pull.number, url: pull.html_url };
    }
  }

  private renderContext(): RenderContext {
    return {
      mode: this.ctx.mode,
      hash8: this.identity.hash8,
      clusterSlug: this.identity.clusterSlug,
      recordPath: this.identity.recordPath,
      branch: this.identity.branch,
      repositoryUrl: `${this.ctx.serverUrl ?? 'https://github.com'}/${this.ctx.owner}/${this.ctx.repo}`,
      now: this.clock.iso(),
    };
  }
}
