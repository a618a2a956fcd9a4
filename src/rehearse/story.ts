// Plays a rehearsal: the simulated cluster (the scenario, its controllers and kubelets,
// a simulated Argo CD) and the simulated GitHub (the repository with the user's files and
// workflows, people with their permissions), then each step at its time on the simulated
// clock. A step's events start the workflows that listen for them, as GitHub routes
// them; those runs run the bundled actions in processes of their own, and the events
// their writes cause start further runs, until the repository is quiet.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { startGitHubEmulator, type GitHubEmulator } from '../sim/github/server.js';
import type { RepoState } from '../sim/github/state.js';
import { mapLimit } from '../shared/pool.js';
import { formatDuration } from '../shared/duration.js';
import { UsageError } from '../shared/errors.js';
import { isObject } from '../shared/json.js';
import { StoryClusters } from './clusters.js';
import { FACT_KEYS } from '../sim/kube/control.js';
import { loadConfig } from '../config/config.js';
import { syncApplications } from './argocd.js';
import { judge, passed } from './expect.js';
import type { Rehearsal, Step, Target } from './file.js';
import { isIncident, showIssues, type Snapshot } from './present.js';
import { checkout, initialFiles, seedRepository } from './repository.js';
import type {
  ClusterWrite,
  ExpectationShown,
  RehearsalResult,
  RunShown,
  StepShown,
} from './result.js';
import { packageRoot } from './package-root.js';
import { StoryRelay } from './relay.js';
import { runWorkflow, type JobRecord } from './workflow.js';
import { scheduledWorkflows, workflowsListening, type RehearsalEvent } from './triggers.js';
import { readWorkflowFile } from './workflow-file.js';
import type { WebhookEvent } from '../sim/github/webhooks.js';

/** The story's GitHub identities: the workflow token, the KUBEMEND_TOKEN PAT's user, the alert sender. */
const KUBEMEND_USER = 'kubemend-bot';
const ALERTS_USER = 'alerts';
const DEFAULT_BRANCH = 'main';
/** The KUBECONFIG secret's bearer token: the kubemend-remediate ServiceAccount's. */
const KUBE_TOKEN = `kubemend-remediate-${randomBytes(12).toString('hex')}`;
/** Waves of runs started by runs before the story calls it a loop. */
const MAX_WAVES = 12;

export interface Played {
  result: RehearsalResult;
  /** What GitHub and the cluster showed before the first step and after each step. */
  snapshots: Snapshot[];
}

export interface PlayOptions {
  /** Progress lines while the story plays (stderr in the CLI). */
  progress?: (line: string) => void;
  /** Extra environment for every action (tests pace retries with it). */
  env?: Record<string, string>;
}

export async function play(rehearsal: Rehearsal, options: PlayOptions = {}): Promise<Played> {
  const root = packageRoot();
  checkFacts(rehearsal);
  const clusters = await StoryClusters.start(rehearsal, KUBE_TOKEN);
  let gh: GitHubEmulator;
  try {
    gh = await startGitHubEmulator({
      repos: [rehearsal.repository],
      defaultBranch: DEFAULT_BRANCH,
      budget: 1_000_000,
      // Requests are always checked against GitHub's description (it routes them);
      // responses too when the rehearsal asks.
      validate: true,
      validateResponses: rehearsal.validateOpenapi,
    });
  } catch (error) {
    await clusters.close();
    throw error;
  }
  // People act with tokens of their own and the permission the story gives them; the
  // KUBEMEND_TOKEN is a machine user's PAT, so its writes start workflows; any other
  // token is the workflow's GITHUB_TOKEN, whose writes start none.
  const tokens: Tokens = {
    github: `ghs_${randomBytes(16).toString('hex')}`,
    kubemend: gh.person(KUBEMEND_USER, 'write', rehearsal.repository),
    alerts: gh.person(ALERTS_USER, 'write', rehearsal.repository),
    people: Object.fromEntries(
      Object.entries(rehearsal.users).map(([u, p]) => [u, gh.person(u, p, rehearsal.repository)]),
    ),
  };
  try {
    const repo = gh.repo(rehearsal.repository);
    // GitHub and the clusters share one simulated time: incidents are dated by GitHub's clock.
    gh.clock.follow(() => clusters.now());
    seedRepository(
      repo,
      DEFAULT_BRANCH,
      initialFiles(rehearsal, join(root, 'workflows-templates')),
    );
    for (const { kube } of clusters.all) syncApplications(kube, repo, DEFAULT_BRANCH);
    const story = new Story({ rehearsal, gh, clusters, repo, tokens }, options);
    return await story.play();
  } finally {
    await clusters.close();
    await gh.close();
  }
}

interface Tokens {
  github: string;
  kubemend: string;
  alerts: string;
  people: Record<string, string>;
}

interface World {
  rehearsal: Rehearsal;
  gh: GitHubEmulator;
  clusters: StoryClusters;
  repo: RepoState;
  tokens: Tokens;
}

class Story {
  private readonly start: number;
  private eventsSeen = 0;
  private storyRequests = 0;
  private storyWrites = 0;
  private readonly writes: ClusterWrite[] = [];
  /** Workflow runs started so far. */
  private runCount = 0;
  /** `kubemend relay` between the story's Alertmanager and GitHub, when the file asks. */
  private relay: StoryRelay | undefined;

  private readonly rehearsal: Rehearsal;
  private readonly gh: GitHubEmulator;
  private readonly clusters: StoryClusters;
  private readonly repo: RepoState;
  private readonly tokens: Tokens;
  private readonly options: PlayOptions;

  constructor(world: World, options: PlayOptions) {
    ({
      rehearsal: this.rehearsal,
      gh: this.gh,
      clusters: this.clusters,
      repo: this.repo,
      tokens: this.tokens,
    } = world);
    this.options = options;
    this.start = this.clusters.now();
    this.eventsSeen = this.gh.webhooks.length;
  }

  async play(): Promise<Played> {
    const steps: StepShown[] = [];
    const snapshots: Snapshot[] = [{ issues: [], pods: this.clusters.view().pods }];
    const stepVerdicts: ExpectationShown[] = [];
    if (this.rehearsal.relay)
      this.relay = await StoryRelay.start({
        githubUrl: this.gh.url,
        repository: this.rehearsal.repository,
        token: this.tokens.alerts,
        cluster: this.rehearsal.cluster,
        config: loadConfig('.github/kubemend.yml', this.checkoutDir()),
        now: () => this.clusters.now(),
      });
    try {
      return await this.playSteps(steps, snapshots, stepVerdicts);
    } finally {
      await this.relay?.close();
    }
  }

  private async playSteps(
    steps: StepShown[],
    snapshots: Snapshot[],
    stepVerdicts: ExpectationShown[],
  ): Promise<Played> {
    this.clusters.runClock(this.rehearsal.clockRate);
    for (const step of this.rehearsal.steps) {
      const behind = this.start + step.at - this.clusters.now();
      if (behind > 0) this.clusters.advance(behind);
      this.options.progress?.(`${formatDuration(step.at)} ${step.kind}`);
      const requestsBefore = this.gh.requests().length - this.storyRequests;
      const writesBefore = this.gh.writes().length - this.storyWrites;
      const runsBefore = this.runCount;
      // Time passed: the relay sends what it held for problems gone quiet.
      const released = await this.settleRelay();
      const summary = (await this.perform(step)) + released;
      const runs = await this.drain(step.kind === 'dispatch' ? step.concurrency : 1);
      for (const { name, kube } of this.clusters.all)
        for (const app of syncApplications(kube, this.repo, DEFAULT_BRANCH))
          runs.push({
            workflow: 'argo-cd',
            job: `sync ${app.app}${this.clusters.several ? ` on ${name}` : ''} to ${app.revision.slice(0, 7)}`,
            conclusion: app.skipped.length ? 'failure' : 'success',
          });
      const stepWrites = this.clusterWrites();
      steps.push({
        at: formatDuration(step.at),
        kind: step.kind,
        summary,
        runs,
        workflowRuns: this.runCount - runsBefore,
        github: {
          requests: this.gh.requests().length - this.storyRequests - requestsBefore,
          writes: this.gh.writes().length - this.storyWrites - writesBefore,
        },
        cluster: { writes: stepWrites },
      });
      snapshots.push({
        issues: showIssues(this.repo, DEFAULT_BRANCH),
        pods: this.clusters.view().pods,
      });
      if (step.expect)
        stepVerdicts.push(
          ...judge(step.expect, this.shown(steps), this.rehearsal.knownFailing, `${step.field}.`),
        );
    }
    const shown = this.shown(steps);
    const expectations = [
      ...stepVerdicts,
      ...judge(this.rehearsal.expect, shown, this.rehearsal.knownFailing),
    ];
    return { result: { ...shown, expectations, ok: passed(expectations) }, snapshots };
  }

  /** What GitHub and the cluster show now. */
  private shown(steps: StepShown[]): Omit<RehearsalResult, 'expectations' | 'ok'> {
    const issues = showIssues(this.repo, DEFAULT_BRANCH);
    return {
      rehearsal: {
        file: this.rehearsal.file,
        scenario: this.rehearsal.scenario,
        cluster: this.rehearsal.cluster,
        clusters: this.rehearsal.clusters.map(({ name, scenario, credentials }) => ({
          name,
          scenario,
          credentials,
        })),
        repository: this.rehearsal.repository,
      },
      incidents: issues.filter(isIncident),
      issues,
      cluster: { writes: [...this.writes], ...this.clusters.view() },
      github: {
        requests: this.gh.requests().length - this.storyRequests,
        writes: this.gh.writes().length - this.storyWrites,
      },
      steps: [...steps],
    };
  }

  /** Does what the step says, as the people, Alertmanager or the cluster would; one line saying what. */
  private async perform(step: Step): Promise<string> {
    switch (step.kind) {
      case 'dispatch': {
        const route = this.relay && StoryRelay.routeOf(step.body.client_payload);
        if (this.relay && route) return this.relayed(step, route, this.relay);
        for (let i = 0; i < step.times; i++)
          await this.rest(
            this.tokens.alerts,
            'POST',
            `/repos/${this.rehearsal.repository}/dispatches`,
            step.body,
          );
        const name = step.file.split(/[/\\]/).pop();
        return `dispatch ${name} (${step.body.event_type})${step.times > 1 ? ` ×${step.times}, ${step.concurrency} at once` : ''}`;
      }
      case 'facts':
        mergeFacts(
          this.clusters.named(step.cluster).kube.sim.facts as unknown as Record<string, unknown>,
          step.facts,
        );
        return `${this.clusters.several ? `cluster ${step.cluster}` : 'the cluster'} changes: ${JSON.stringify(step.facts)}`;
      case 'comment': {
        const n = this.target(step.on, step.field);
        await this.rest(
          this.tokens.people[step.by] as string,
          'POST',
          `/repos/${this.rehearsal.repository}/issues/${n}/comments`,
          { body: step.body },
        );
        return `${step.by} comments on #${n}: ${step.body.split('\n')[0]}`;
      }
      case 'label': {
        const n = this.target(step.on, step.field);
        await this.rest(
          this.tokens.people[step.by] as string,
          'POST',
          `/repos/${this.rehearsal.repository}/issues/${n}/labels`,
          { labels: [step.name] },
        );
        return `${step.by} labels #${n} ${step.name}`;
      }
      case 'open-issue': {
        await this.rest(
          this.tokens.people[step.by] as string,
          'POST',
          `/repos/${this.rehearsal.repository}/issues`,
          {
            title: step.title,
            body: step.body,
            ...(step.labels.length ? { labels: step.labels } : {}),
          },
        );
        return `${step.by} opens an issue: ${step.title}`;
      }
      case 'check':
        return 'time passes';
      case 'merge': {
        const n = this.target(step.on, step.field);
        await this.rest(
          this.tokens.people[step.by] as string,
          'PUT',
          `/repos/${this.rehearsal.repository}/pulls/${n}/merge`,
          {},
        );
        return `${step.by} merges #${n}`;
      }
      case 'sweep':
        return this.fireSchedules();
    }
  }

  /**
   * GitHub's scheduler: one `schedule` event per workflow of the default branch with a
   * cron, naming the cron and the file, sent as the user who last edited the workflow
   * (here the owner, who committed the files). Not a REST request: the story's own.
   */
  private fireSchedules(): string {
    const due = scheduledWorkflows(this.checkoutDir());
    for (const { path, cron } of due)
      this.gh.webhooks.record(this.repo, this.gh.url, this.repo.owner, 'schedule', {
        schedule: cron,
        workflow: path,
      });
    if (due.length === 0) return 'schedules fire: no workflow has a schedule';
    return `schedules fire: ${due.map(({ path, cron }) => `${path.split('/').pop()} (${cron})`).join(', ')}`;
  }

  /** The latest incident when the step says `incident`; that there is one is part of the story. */
  private target(on: Target, field: string): number {
    if (on !== 'incident') return on;
    const latest = showIssues(this.repo, DEFAULT_BRANCH).filter(isIncident).at(-1);
    if (!latest)
      throw new StoryError(
        `${field}: acts on the latest incident, and kubemend has opened none by then.`,
      );
    return latest.number;
  }

  /** A person's (or Alertmanager's) request: a refusal is part of the story, not an error. */
  /** A dispatch step through `kubemend relay`: Alertmanager posts, the relay groups. */
  private async relayed(
    step: Extract<Step, { kind: 'dispatch' }>,
    route: string,
    relay: StoryRelay,
  ): Promise<string> {
    const before = relay.dispatched;
    const refused = new Map<number, number>();
    for (let i = 0; i < step.times; i++) {
      const status = await relay.post(route, step.body.client_payload);
      if (status !== 202) refused.set(status, (refused.get(status) ?? 0) + 1);
    }
    await relay.settle();
    this.countRelayRequests();
    const name = step.file.split(/[/\\]/).pop();
    const sent = relay.dispatched - before;
    const refusals = [...refused].map(([status, n]) => `, ${n} refused (${status})`).join('');
    return `${step.times} alert${step.times > 1 ? 's' : ''} ${name} to kubemend relay${refusals}: ${sent} dispatch${sent === 1 ? '' : 'es'} to GitHub`;
  }

  /** Lets the relay's windows end now; says what it sent, if anything. */
  private async settleRelay(): Promise<string> {
    if (!this.relay) return '';
    const before = this.relay.dispatched;
    await this.relay.settle();
    this.countRelayRequests();
    const sent = this.relay.dispatched - before;
    return sent
      ? ` (kubemend relay: ${sent} held-back dispatch${sent === 1 ? '' : 'es'} sent)`
      : '';
  }

  /** The relay is the story's Alertmanager side: its GitHub requests are not kubemend's. */
  private countRelayRequests(): void {
    const n = this.relay?.takeRequests() ?? 0;
    this.storyRequests += n;
    this.storyWrites += n;
  }

  private async rest(token: string, method: string, path: string, body: unknown): Promise<number> {
    this.storyRequests++;
    if (method !== 'GET') this.storyWrites++;
    const response = await fetch(`${this.gh.url}${path}`, {
      method,
      headers: {
        authorization: `token ${token}`,
        'content-type': 'application/json',
        accept: 'application/vnd.github+json',
      },
      body: JSON.stringify(body),
    });
    await response.arrayBuffer();
    return response.status;
  }

  /** Runs every workflow the new events start, wave after wave, until no event starts one. */
  private async drain(concurrency: number): Promise<RunShown[]> {
    const shown: RunShown[] = [];
    for (let wave = 0; ; wave++) {
      const events = this.gh.webhooks.since(this.eventsSeen);
      this.eventsSeen = this.gh.webhooks.length;
      const runs = events
        .filter((e) => e.startsWorkflows)
        .flatMap((event) => this.listeners(event).map((file) => ({ event, file })));
      if (runs.length === 0) return shown;
      if (wave >= MAX_WAVES)
        throw new StoryError(
          `the workflows kept starting each other after ${MAX_WAVES} waves (last: ${runs.map((r) => r.file.split('/').pop()).join(', ')}): a loop.`,
        );
      const results = await mapLimit(runs, wave === 0 ? concurrency : 1, ({ event, file }) =>
        this.run(file, event),
      );
      shown.push(...results.flat());
    }
  }

  private listeners(event: WebhookEvent): string[] {
    return workflowsListening(this.checkoutDir(), asEvent(event));
  }

  private checkoutCache: { sha: string; dir: string } | undefined;
  /** The default branch as a checkout has it (one folder per commit). */
  private checkoutDir(): string {
    const sha = this.repo.resolve(DEFAULT_BRANCH) ?? '';
    if (this.checkoutCache?.sha !== sha)
      this.checkoutCache = { sha, dir: checkout(this.repo, DEFAULT_BRANCH) };
    return this.checkoutCache.dir;
  }

  private async run(file: string, event: WebhookEvent): Promise<RunShown[]> {
    this.runCount++;
    // As GitHub names a run: the workflow's `name:`, else its path.
    const name = readWorkflowFile(file).name.replace(
      /^.*\/\.github\/workflows\//,
      '.github/workflows/',
    );
    const kubeconfig = this.clusters.kubeconfig(KUBE_TOKEN);
    const jobs = await runWorkflow(file, {
      repository: this.checkoutDir(),
      event: asEvent(event),
      actor: event.actor,
      secrets: {
        ...(kubeconfig === undefined ? {} : { KUBECONFIG: kubeconfig }),
        ...(this.rehearsal.kubemendToken ? { KUBEMEND_TOKEN: this.tokens.kubemend } : {}),
      },
      github: {
        repository: this.rehearsal.repository,
        token: this.tokens.github,
        apiUrl: this.gh.url,
      },
      env: {
        GITHUB_SHA: this.repo.resolve(DEFAULT_BRANCH) ?? '',
        GITHUB_REF: `refs/heads/${DEFAULT_BRANCH}`,
        ...this.options.env,
      },
    });
    return flattenJobs(name, jobs);
  }

  /** kubemend's writes to the clusters since the last call (the simulation's own are not requests). */
  private clusterWrites(): ClusterWrite[] {
    const writes = this.clusters.takeWrites();
    this.writes.push(...writes);
    return writes;
  }
}

/** A story that cannot go on (a step acts on an incident that does not exist, a loop). */
export class StoryError extends Error {
  override name = 'StoryError';
}

/** A webhook as the workflow engine routes it. */
const asEvent = (event: WebhookEvent): RehearsalEvent => ({
  name: event.name,
  action: event.action,
  payload: event.payload,
});

function flattenJobs(workflow: string, jobs: Record<string, JobRecord>, prefix = ''): RunShown[] {
  return Object.entries(jobs).flatMap(([id, job]) => {
    const name = `${prefix}${id}`;
    if (job.jobs) return flattenJobs(workflow, job.jobs, `${name} / `);
    if (job.runs.length <= 1) return [{ workflow, job: name, conclusion: job.result }];
    return job.runs.map((run) => ({
      workflow,
      job: `${name} (${Object.values(run.matrix)
        .filter((v) => typeof v !== 'object')
        .join(', ')})`,
      conclusion: run.steps.some((s) => s.outcome === 'failure') ? 'failure' : 'success',
    }));
  });
}

function checkFacts(rehearsal: Rehearsal): void {
  for (const step of rehearsal.steps)
    if (step.kind === 'facts')
      for (const key of Object.keys(step.facts))
        if (!(FACT_KEYS as string[]).includes(key))
          throw new UsageError(
            `${rehearsal.file}: '${step.field}.facts.${key}' is not a fact of the simulation; allowed: ${FACT_KEYS.join(', ')}.`,
          );
}

function mergeFacts(target: Record<string, unknown>, patch: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(patch)) {
    const current = target[key];
    if (isObject(current) && isObject(value)) mergeFacts(current, value);
    else target[key] = value;
  }
}
