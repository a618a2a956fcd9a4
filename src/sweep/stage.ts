// The sweep stage: the incident's heartbeat, run on a schedule. For each open incident
// (and each merged proposal waiting for verification) it observes the targets on the
// cluster with list calls, finishes what the stable window waited for, undoes what
// kubemend did that the config says to undo after recovery, and closes stale incidents;
// it never closes an incident still firing at the source and leaves snoozed ones alone.
// With nothing to change it only reads. Called by the sweep action.
import type { KubeConfig } from '@kubernetes/client-node';
import type { KubemendConfig } from '../config/config.js';
import { identityOfRecord } from '../alerts/identity.js';
import type { GitHubClient } from '../github/client.js';
import { upsertMarkedComment } from '../github/comments.js';
import { labelNames } from '../github/labels.js';
import { toIso } from '../incidents/clock.js';
import { findMarker } from '../incidents/markdown.js';
import { recordFromBody, withEntry, type IncidentRecord } from '../incidents/record.js';
import { branchRecord, updateRecord, type Found } from '../incidents/records.js';
import { BODY_MARKER, incidentView, LABELS } from '../incidents/render.js';
import { STATES, stateFromLabels } from '../incidents/states.js';
import { parseTargetRef } from '../incidents/target-ref.js';
import { checkIdentity, identityYaml, observeIdentity } from '../kube/identity.js';
import { KubeClient } from '../kube/client.js';
import { credentialsFor, missingCredentials } from '../kube/kubeconfig.js';
import { closeIncidentIssue, mergeIncident, type Ending } from '../report/finish.js';
import { statusComment, STATUS_MARKER } from '../report/render.js';
import { payDeferredNotices } from '../report/deferred.js';
import {
  hasChannels,
  incidentNotice,
  noticeStep,
  setDeferredLabel,
  type NoticeStep,
  type Notifier,
} from '../report/notify.js';
import { setStateLabel } from '../report/stage.js';
import { getErrorMessage, oneLine } from '../shared/errors.js';
import { redact } from '../shared/redact.js';
import { decideSweep } from './decide.js';
import { observeTargets, type Observation } from './observe.js';
import {
  scanClusterName,
  sweepScan,
  type ScanIntakeContext,
  type SweepScanOutcome,
} from './scan.js';
import { undoCordons, type UndoResult } from './undo.js';

export interface SweepRequest {
  github: GitHubClient & { owner: string; repo: string };
  config: KubemendConfig;
  kubeconfig: KubeConfig;
  /**
   * The one cluster this sweep is for (the reusable workflow runs a sweep job per
   * cluster): only its incidents are swept, through the kubeconfig's context of its name,
   * and with several contexts and none of that name nothing is done. Undefined: every
   * incident whose cluster the kubeconfig shows the identity of.
   */
  cluster?: string;
  /** The context was chosen by the caller: used whatever `cluster` is. */
  contextChosen?: boolean;
  /** A line for the log; the stage redacts it. */
  log: (line: string) => void;
  /** The workflow run, linked from the timeline. */
  runUrl: string | undefined;
  /** Where the run came from, for the timeline (`schedule`, `workflow_dispatch`). */
  trigger: string;
  /** Only these incidents (the all-in-one action finishing the one an alert just resolved). */
  only?: number[];
  /**
   * Scan the cluster and feed intake what it finds (config `scan.enabled` permitting):
   * the cluster's name when the workflow gives one, and how intake writes incidents.
   */
  scan?: { cluster: string | undefined; intake: ScanIntakeContext };
  /** The notification channels, told when an incident's state changes (report/notify.ts). */
  notify?: Notifier;
}

/** What one incident's sweep did. */
export interface SweptIncident {
  number: number;
  /** The state before and after; equal when nothing changed. */
  from: string;
  to: string;
  /** Merged, closed, or why it stays open; one line. */
  ending: string | undefined;
}

export interface SweepOutcome {
  /** Incidents looked at: open ones and merged proposals awaiting verification. */
  incidents: number;
  /** Targets observed on the cluster. */
  targets: number;
  /** Incidents whose state or record changed, and what happened to each. */
  changed: SweptIncident[];
  closed: number;
  githubRequests: number;
  kubeRequests: number;
  /** What a person should know, one line each (annotations). */
  warnings: string[];
  /** What the scan found and fed; undefined when the sweep did not scan. */
  scan: SweepScanOutcome | undefined;
  /** Why the sweep did nothing at all (no credentials for its cluster); one line. */
  skipped?: string;
}

export async function sweep(request: SweepRequest): Promise<SweepOutcome> {
  const { github, config } = request;
  const log = (line: string) => request.log(redact(line));
  const githubStart = github.stats.total;
  const warnings: string[] = [];
  const only = request.only && new Set(request.only);
  const { cluster: own } = request;
  const kubeconfig =
    own && !request.contextChosen ? credentialsFor(request.kubeconfig, own) : request.kubeconfig;
  if (!kubeconfig) {
    // Another cluster's credentials are never tried on this one: nothing is read.
    const skipped = `${missingCredentials(request.kubeconfig, own ?? '')}. Nothing was swept or scanned for it.`;
    log(skipped);
    return {
      incidents: 0,
      targets: 0,
      changed: [],
      closed: 0,
      githubRequests: 0,
      kubeRequests: 0,
      warnings: [redact(skipped)],
      scan: undefined,
      skipped: redact(skipped),
    };
  }
  // A sweep for one cluster leaves the others' incidents to their own sweeps.
  const ours = (i: Listed) => (!only || only.has(i.number)) && (!own || i.record.cluster === own);
  let listed = (await listIncidents(github)).filter(ours);
  const client = new KubeClient(kubeconfig, { dryRun: false });
  const scanning = Boolean(request.scan && config.scan.enabled && !only);

  // Which clusters this kubeconfig may speak for: one identity check for the run.
  let clusters = [...new Set(listed.map((i) => i.record.cluster))];
  const confirmed = new Set<string>();
  const observed =
    clusters.length || scanning ? await observeIdentity(kubeconfig, client) : undefined;
  let scanned: SweepScanOutcome | undefined;
  if (scanning && request.scan && observed) {
    const cluster = scanClusterName(
      config,
      observed,
      kubeconfig,
      request.scan.cluster ?? own,
      (line) => warnings.push(line),
    );
    if (cluster) {
      scanned = await sweepScan(client, github, {
        config,
        cluster,
        open: listed.filter((i) => !i.merged),
        intake: request.scan.intake,
        now: githubNow(github),
        warn: (line) => warnings.push(line),
      });
      log(
        `Scanned ${cluster}: ${scanned.findings} finding(s); fed ${scanned.fed} alert(s) to intake (${scanned.resolved} resolved), ${scanned.unchanged} unchanged, ${scanned.ignored} ignored, ${scanned.belowFloor} below the severity floor.`,
      );
      // Intake wrote records: the sweep reads them as they are now.
      if (scanned.intake) {
        listed = (await listIncidents(github)).filter(ours);
        clusters = [...new Set(listed.map((i) => i.record.cluster))];
      }
    }
  }
  if (observed) {
    for (const cluster of clusters) {
      const verdict = checkIdentity(observed, config.clusters[cluster]);
      if (verdict.status === 'confirmed') confirmed.add(cluster);
      else
        warnings.push(
          verdict.status === 'unconfigured'
            ? `Cluster ${cluster}: its identity is not configured, so the sweep neither observes nor closes its incidents; paste this under clusters: in .github/kubemend.yml:\n${identityYaml(cluster, observed)}`
            : `Cluster ${cluster}: ${verdict.reason}; its incidents are left to a sweep with that cluster's kubeconfig.`,
        );
    }
  }
  const mine = listed.filter((i) => confirmed.has(i.record.cluster));
  const refs = mine.flatMap((i) => i.record.targets.flatMap((t) => parseTargetRef(t.ref) ?? []));
  // What the cluster says leaves it here (the record, the body, the comment): redacted once.
  const seen = new Map<string, Observation>(
    refs.length
      ? [
          ...(
            await observeTargets(client, refs, {
              argocdNamespace: config.playbooks.argocd.namespace,
            })
          ).entries(),
        ].map(([ref, o]) => [ref, { ...o, detail: redact(o.detail) }])
      : [],
  );

  const changed: (SweptIncident & { closed: boolean })[] = [];
  let closed = 0;
  for (const incident of mine) {
    const now = githubNow(github);
    const verdict = decideSweep({
      record: incident.record,
      seen,
      now,
      stableWindowMs: config.intake.stableWindowMs,
      staleAfterMs: config.sweep.staleAfterMs,
      merged: incident.merged,
    });
    if (verdict.action === 'none') continue;
    try {
      const done = await finish(request, client, incident, seen, verdict.state, verdict.why);
      if (done) {
        changed.push(done);
        if (done.closed) closed++;
        for (const failure of done.notifyFailures) warnings.push(`Not notified: ${failure}.`);
      }
    } catch (error) {
      // One incident's trouble (a merge refused, a record that kept changing) is told,
      // and the sweep goes on with the others.
      warnings.push(`#${incident.number}: ${oneLine(getErrorMessage(error))}`);
    }
  }
  // Notices quiet hours deferred, of incidents open or closed meanwhile (report/deferred.ts).
  if (hasChannels(request.notify) && !only)
    warnings.push(...(await payDeferredNotices(github, request.notify)));
  log(
    `Swept ${listed.length} incident(s), ${refs.length} target(s): ${changed.length} changed, ${closed} closed. GitHub requests: ${github.stats.total - githubStart}; Kubernetes requests: ${client.stats.total}.`,
  );
  return {
    incidents: listed.length,
    targets: refs.length,
    changed: changed.map((c) => ({ number: c.number, from: c.from, to: c.to, ending: c.ending })),
    closed,
    githubRequests: github.stats.total - githubStart,
    kubeRequests: client.stats.total,
    warnings: warnings.map((w) => redact(w)),
    scan: scanned,
  };
}

type Repo = SweepRequest['github'];
type SweptState = 'resolved' | 'recovered' | 'stale' | 'needs-human' | 'firing' | 'acting';

interface Listed {
  number: number;
  labels: string[];
  isPull: boolean;
  /** Its web page, linked from notifications. */
  url: string;
  /** A pull request a person merged while it proposed a change: verified, not closed. */
  merged: boolean;
  mergedAt: string | undefined;
  record: Omit<IncidentRecord, 'incident'>;
}

/**
 * Open incidents and merged proposals, with their records, from their bodies: a list
 * request per 100 incidents, never a read per incident. The body's record may lag the
 * file in counts; before writing, the file is read again and decides.
 */
async function listIncidents(github: Repo): Promise<Listed[]> {
  const { octokit, owner, repo } = github;
  const list = (state: 'open' | 'closed', labels: string) =>
    octokit.paginate(octokit.rest.issues.listForRepo, {
      owner,
      repo,
      state,
      labels,
      per_page: 100,
    });
  const [open, proposed] = await Promise.all([
    list('open', LABELS.kubemend),
    list('closed', STATES.proposed.label),
  ]);
  const out: Listed[] = [];
  for (const issue of [...open, ...proposed]) {
    const body = issue.body ?? '';
    if (findMarker(body, BODY_MARKER) === undefined) continue;
    const record = recordFromBody(body);
    if (!record) continue;
    const merged = issue.state === 'closed' && Boolean(issue.pull_request?.merged_at);
    if (issue.state === 'closed' && !merged) continue;
    out.push({
      number: issue.number,
      labels: labelNames(issue.labels),
      isPull: Boolean(issue.pull_request),
      url: issue.html_url,
      merged,
      mergedAt: issue.pull_request?.merged_at ?? undefined,
      record,
    });
  }
  return out;
}

/**
 * Ends one incident: its record read again (and the verdict with it), kubemend's cordons
 * undone where the config says so, the record, body, status comment and label written,
 * then merged or closed. Answers undefined when the fresh record no longer agrees.
 */
async function finish(
  request: SweepRequest,
  client: KubeClient,
  incident: Listed,
  seen: Map<string, Observation>,
  state: SweptState,
  why: string,
): Promise<(SweptIncident & { closed: boolean; notifyFailures: string[] }) | undefined> {
  const ends = STATES[state].ends;
  const { github, config } = request;
  const gh = { ...github, number: incident.number };
  const file = await recordFileOf(gh, incident.record);
  const fresh = file?.record ?? { ...incident.record, incident: null };
  const now = githubNow(github);
  const again = decideSweep({
    record: fresh,
    seen,
    now,
    stableWindowMs: config.intake.stableWindowMs,
    staleAfterMs: config.sweep.staleAfterMs,
    merged: incident.merged,
  });
  if (again.action === 'none' || again.state !== state) return undefined;
  const at = toIso(now);

  // Undo what kubemend did that the config says to undo after recovery: its own cordons.
  const undone: UndoResult[] = (
    config.playbooks.node.uncordon && ends && state !== 'stale'
      ? await undoCordons(
          client,
          fresh.targets.flatMap((t) => {
            const ref = parseTargetRef(t.ref);
            const observation = seen.get(t.ref);
            return ref?.kind === 'Node'
              ? [{ name: ref.name, cordonedBy: observation?.cordonedBy }]
              : [];
          }),
          identityOfRecord(fresh).hash8,
        )
      : []
  ).map((u) => ({ ...u, detail: redact(u.detail) }));
  const actions = undone
    .filter((u) => u.done)
    .map((u) => `uncordon Node/${u.node}${u.dryRun ? ' (dry run)' : ''}: ${u.detail}`);

  const ending = incident.merged
    ? 'Merged by a person; the sweep verified the change on the cluster.'
    : undefined;
  const closing = ends && !incident.merged && fresh.incident?.state !== 'closed';

  // As report does: sent (or owed, within quiet hours) before the record is written, so
  // the message references ride on the same commit; quiet hours by GitHub's clock.
  let step: NoticeStep | undefined;
  const previous = stateFromLabels(incident.labels) ?? fresh.state;
  if (hasChannels(request.notify)) {
    step = await noticeStep(
      request.notify,
      incidentNotice({
        number: incident.number,
        record: fresh,
        title: fresh.title,
        labels: incident.labels,
        state,
        previous,
        reasons: [why],
        link: incident.url,
      }),
      fresh,
      previous !== state,
      { ms: now, iso: at },
    );
  }
  const change = (latest: IncidentRecord): IncidentRecord =>
    withEntry(
      {
        ...(step ? step.apply(latest) : latest),
        state,
        stateSince: at,
        stateReasons: [why],
        targets: latest.targets.map((t) => {
          const o = seen.get(t.ref);
          if (!o) return t;
          const ref = parseTargetRef(t.ref);
          const undid =
            ref?.kind === 'Node' ? undone.find((u) => u.node === ref.name && u.done) : undefined;
          return {
            ...t,
            cluster: { healthy: o.healthy, detail: undid ? undid.detail : o.detail, at },
            // The verdict on what kubemend did; a refusal's reason stays as it was.
            ...(t.action
              ? {
                  outcome: {
                    at,
                    by: 'sweep',
                    value: state,
                    reason: undid ? undid.detail : o.detail,
                  },
                }
              : {}),
            ...(undid
              ? {
                  action: {
                    at,
                    by: 'sweep',
                    mode: 'auto',
                    what: `uncordon (patch Node)${undid.dryRun ? ' (dry run)' : ''}`,
                    live: !undid.dryRun,
                  },
                }
              : {}),
          };
        }),
        ...(latest.incident && ends
          ? {
              incident: {
                ...latest.incident,
                state: 'closed' as const,
                closedAt: latest.incident.closedAt ?? at,
              },
            }
          : {}),
      },
      {
        at,
        trigger: request.trigger,
        stage: 'sweep',
        outcome: state,
        summary: ending ? `${ending.replace(/\.$/, '')}: ${why}` : why,
        ...(actions.length ? { actions } : {}),
        ...(request.runUrl ? { run: request.runUrl } : {}),
      },
    );
  const record = file
    ? ((await updateRecord(gh, file, change, `kubemend: #${incident.number} ${state}`)) ??
      change(fresh))
    : change(fresh);

  let text = ending;
  let done = incident.merged && ends;
  if (closing) {
    const end = await closeIncident(gh, config, incident, record, state);
    text = end.text;
    done = end.done;
  }
  const view = incidentView(record, { ...github, now: at });
  if (incident.isPull)
    await github.octokit.rest.pulls.update({
      ...repoOf(github),
      pull_number: incident.number,
      ...view,
    });
  else
    await github.octokit.rest.issues.update({
      ...repoOf(github),
      issue_number: incident.number,
      ...view,
    });
  const body = redact(
    statusComment(
      record,
      [],
      { state, reasons: [why] },
      {
        skipped: [],
        ...(text ? { ending: text } : {}),
        ...(request.runUrl ? { runUrl: request.runUrl } : {}),
        ...(step?.failures.length ? { notifications: step.failures } : {}),
      },
    ),
  );
  await upsertMarkedComment(gh, STATUS_MARKER, body);
  await setStateLabel(gh, incident.labels, state);
  if (file) await setDeferredLabel(gh, incident.labels, step?.deferredLabel);
  return {
    number: incident.number,
    from: incident.record.state,
    to: state,
    ending: text,
    closed: done && closing,
    notifyFailures: step?.failures ?? [],
  };
}

/** Merges or closes: a stale or recovered proposal is never merged without review. */
async function closeIncident(
  gh: Repo & { number: number },
  config: KubemendConfig,
  incident: Listed,
  record: IncidentRecord,
  state: SweptState,
): Promise<Ending> {
  if (incident.isPull) {
    if (state === 'stale' || (record.proposal && state !== 'resolved')) {
      await gh.octokit.rest.pulls.update({
        ...repoOf(gh),
        pull_number: gh.number,
        state: 'closed',
      });
      return {
        done: true,
        text:
          state === 'stale'
            ? 'Closed as stale without merging.'
            : 'Closed without merging: the problem recovered, and the proposed change was never reviewed.',
      };
    }
    return mergeIncident(gh, config.report);
  }
  if (state === 'stale') {
    await gh.octokit.rest.issues.update({
      ...repoOf(gh),
      issue_number: gh.number,
      state: 'closed',
      state_reason: 'not_planned',
    });
    return { done: true, text: 'Closed as stale (not planned).' };
  }
  return closeIncidentIssue(gh, config.report);
}

async function recordFileOf(
  gh: Repo & { number: number },
  record: Omit<IncidentRecord, 'incident'>,
): Promise<Found | undefined> {
  return branchRecord(gh, identityOfRecord(record).branch);
}

const repoOf = (gh: Repo) => ({ owner: gh.owner, repo: gh.repo });

/** GitHub's time (its latest Date header), as every incident time is. */
function githubNow(github: Repo): number {
  return github.stats.serverTime ?? Date.now();
}
