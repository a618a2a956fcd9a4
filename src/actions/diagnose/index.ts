import * as core from '@actions/core';
import { loadConfig, type KubemendConfig } from '../../config/config.js';
import { createGitHubClient, pacingFromEnv } from '../../github/client.js';
import { upsertMarkedComment, type CommentTarget } from '../../github/comments.js';
import { proposeChange } from '../../remediation/proposals.js';
import { PermissionCheck, refusal, type Actor } from '../../commands/permission.js';
import { handleSlash, type SlashComment } from '../../commands/slash.js';
import { KubeClient } from '../../kube/client.js';
import { checkIdentity, observeIdentity } from '../../kube/identity.js';
import { setContainerMemory, type ManifestChange } from '../../remediation/manifest.js';
import { raiseMemory } from '../../remediation/memory.js';
import { getErrorMessage, oneLine, UsageError } from '../../shared/errors.js';
import { isObject } from '../../shared/json.js';
import { readEvent, repositoryFromEnv } from '../event.js';
import { redact, redactDeep } from '../../shared/redact.js';
import { readPolicy, refusedOutright } from '../../diagnosis/access.js';
import { Outputs } from './constants.js';
import { collectEvidence, type Evidence } from '../../diagnosis/evidence.js';
import { getDiagnoseInputs } from './inputs.js';
import { rankCauses, type RankedCause } from '../../diagnosis/rank.js';
import { DIAGNOSIS_MARKER, diagnosisComment, type DiagnosisView } from '../../diagnosis/render.js';
import { scopeFromIssue } from '../../diagnosis/scope.js';

export async function run(): Promise<void> {
  const inputs = getDiagnoseInputs();
  const trigger = triggerOf(inputs.triggerLabel);
  if (trigger.kind === 'none') {
    core.info(trigger.why);
    return;
  }
  const config = loadConfig(inputs.configPath);
  const repository = repositoryFromEnv();
  if (!repository)
    throw new UsageError('GITHUB_REPOSITORY is not set; run this action inside a workflow.');
  const gh = {
    ...createGitHubClient({ token: inputs.token, ...pacingFromEnv() }),
    ...repository,
    number: inputs.issueNumber,
  };
  if (trigger.kind === 'comment') {
    // Every /kubemend verb asks the permission rule; others are answered and recorded
    // there, and a refused diagnose has had its one reply: nothing is read.
    const outcome = await handleSlash(gh, config, trigger.comment, Date.now());
    if (outcome?.verb !== 'diagnose' || !outcome.allowed) {
      core.info(
        outcome
          ? `#${gh.number}: /kubemend ${outcome.verb ?? '(not understood)'}: ${outcome.allowed ? (outcome.recorded ? 'recorded' : 'nothing changed') : 'refused'}.`
          : 'The comment holds no /kubemend command.',
      );
      return;
    }
  } else if (!(await mayDiagnose(gh, config, trigger))) return;
  const { data: issue } = await gh.octokit.rest.issues.get({
    owner: gh.owner,
    repo: gh.repo,
    issue_number: gh.number,
  });
  const reading = scopeFromIssue(issue.title, issue.body ?? '', Object.keys(config.clusters));
  const client = new KubeClient(inputs.kubeconfig, { dryRun: true });
  const runUrl = process.env.GITHUB_RUN_ID
    ? `${process.env.GITHUB_SERVER_URL ?? 'https://github.com'}/${gh.owner}/${gh.repo}/actions/runs/${process.env.GITHUB_RUN_ID}`
    : undefined;
  const view: DiagnosisView = {
    cluster: reading?.scope.cluster ?? '',
    identity: 'not checked',
    from: reading?.from ?? 'issue text',
    evidence: undefined,
    causes: [],
    requests: 0,
    ...(runUrl ? { runUrl } : {}),
  };

  const expected = reading ? config.clusters[reading.scope.cluster] : undefined;
  const namespace = reading?.scope.namespace;
  const outright = namespace ? refusedOutright(config, namespace) : undefined;
  if (!reading) {
    view.stopped =
      'The issue names no namespace, workload or node (for example `namespace: shop` and `deployment/api`); add them and comment `/kubemend diagnose`.';
  } else if (!expected) {
    // Without an identity to check, the kubeconfig may point anywhere: read nothing.
    view.identity = 'cluster not configured';
    view.stopped = reading.scope.cluster
      ? `Cluster ${reading.scope.cluster} is not listed under \`clusters\` in the kubemend config, so its identity cannot be checked. Nothing was read; add it (the remediate action prints the identity to paste).`
      : 'The issue names no cluster and the kubemend config lists more than one (or none) under `clusters`; name one (for example `cluster: lab`). Nothing was read.';
  } else if (outright) {
    view.stopped = `Not diagnosed: ${outright}. Nothing was read.`;
  } else {
    // The wrong cluster's pods in a public comment would be a leak: identity first.
    const verdict = checkIdentity(await observeIdentity(inputs.kubeconfig, client), expected);
    if (verdict.status !== 'confirmed') {
      view.identity = 'identity uncertain';
      view.stopped = `The kubeconfig does not point at cluster ${reading.scope.cluster}: ${verdict.status === 'uncertain' ? verdict.reason : 'no identity is configured for it'}. Nothing was read.`;
    } else {
      view.identity = `identity confirmed (${verdict.matched.join(', ')})`;
      try {
        const policy = await readPolicy(
          client,
          config,
          reading.from === 'record' ? reading.namespaces : [],
        );
        if (namespace && !policy.may(namespace)) {
          view.stopped = `Not diagnosed: ${policy.why(namespace)}. Nothing else was read.`;
        } else {
          view.evidence = await collectEvidence(
            client,
            reading.scope,
            config.playbooks.argocd.namespace,
            policy.may,
          );
          view.causes = rankCauses(view.evidence);
        }
      } catch (error) {
        view.stopped = `The cluster could not be read: ${oneLine(getErrorMessage(error))}`;
      }
    }
  }
  const [top] = view.causes;
  if (top && view.evidence) {
    const proposal = await proposeFix(gh, top, view.evidence, config);
    if (proposal) view.proposal = proposal;
  }
  view.requests = client.stats.total;
  // Evidence was redacted as it was read; the comment is redacted again as a whole, since
  // error messages and proposals carry cluster text too.
  const body = redact(diagnosisComment(view));
  const url = await upsertMarkedComment(gh, DIAGNOSIS_MARKER, body);

  core.setOutput(Outputs.CommentUrl, url);
  core.setOutput(Outputs.TopCause, top?.id ?? '');
  core.setOutput(Outputs.Causes, JSON.stringify(redactDeep(view.causes)));
  await core.summary.addRaw(body.replace(/^<!--.*-->\n/, ''), true).write();
  if (view.stopped) core.warning(redact(view.stopped), { title: 'kubemend diagnose' });
  core.info(
    `#${gh.number}: ${view.causes.length ? view.causes.map((c) => `${c.id} ${c.confidence}`).join(', ') : 'no cause found'}. Kubernetes requests: ${view.requests}, GitHub API requests: ${gh.stats.total}.`,
  );
}

type Trigger =
  | { kind: 'none'; why: string }
  | { kind: 'label' | 'dispatch'; actor: Actor }
  | { kind: 'comment'; comment: SlashComment };

/**
 * A label or a dispatch asks the same rule as a comment. The label's actor is the event's
 * sender: whoever applied it, or the issue's author when an issue template applied it at
 * creation. A bot is not answered (no loops) and nothing is read for it.
 */
async function mayDiagnose(
  gh: CommentTarget,
  config: KubemendConfig,
  trigger: { kind: 'label' | 'dispatch'; actor: Actor },
): Promise<boolean> {
  const { actor } = trigger;
  const may = await new PermissionCheck(gh, config.commands).check(actor);
  if (may.allowed) return true;
  if (actor.isBot || actor.login === '') {
    core.info(`#${gh.number}: ${trigger.kind} by a bot or an unknown actor: nothing to diagnose.`);
    return false;
  }
  const what =
    trigger.kind === 'label' ? 'start the cluster doctor with a label' : 'start the cluster doctor';
  await gh.octokit.rest.issues.createComment({
    owner: gh.owner,
    repo: gh.repo,
    issue_number: gh.number,
    body: refusal(actor.login, what, may),
  });
  core.info(`#${gh.number}: ${actor.login} may not ${what}; refused.`);
  return false;
}

function senderOf(payload: Record<string, unknown>): Actor {
  const sender = isObject(payload.sender) ? payload.sender : {};
  const login = typeof sender.login === 'string' ? sender.login : (process.env.GITHUB_ACTOR ?? '');
  return { login, isBot: sender.type === 'Bot' || login.endsWith('[bot]') };
}

/** Labelled with the trigger label, a `/kubemend` comment, or dispatched by hand. */
function triggerOf(label: string): Trigger {
  const { name, payload } = readEvent();
  if (name === 'issues') {
    const added = isObject(payload.label) ? payload.label.name : undefined;
    return payload.action === 'labeled' && added === label
      ? { kind: 'label', actor: senderOf(payload) }
      : { kind: 'none', why: `Not labelled ${label}: nothing to diagnose.` };
  }
  if (name === 'issue_comment') {
    const c = isObject(payload.comment) ? payload.comment : {};
    const user = isObject(c.user) ? c.user : {};
    return {
      kind: 'comment',
      comment: {
        id: typeof c.id === 'number' ? c.id : 0,
        body: typeof c.body === 'string' ? c.body : '',
        login: typeof user.login === 'string' ? user.login : '',
        isBot: user.type === 'Bot',
      },
    };
  }
  return { kind: 'dispatch', actor: senderOf(payload) };
}

/**
 * The top cause's manifest change, proposed for review with a test plan and rollback
 * steps: on the incident's branch, or a `kubemend/fix/...` pull request for an issue.
 */
async function proposeFix(
  gh: CommentTarget,
  cause: RankedCause,
  evidence: Evidence,
  config: KubemendConfig,
): Promise<string | undefined> {
  const { namespace, workload } = evidence.scope;
  if (cause.fix.manifest !== 'raise-memory' || !namespace || !workload) return undefined;
  const killed = evidence.pods
    .flatMap((p) => p.containers)
    .filter((c) => c.lastTerminated?.reason === 'OOMKilled');
  const changes = new Map<string, { limit: string; request: string | undefined }>();
  for (const c of killed) {
    if (changes.has(c.name)) continue;
    const change = raiseMemory(
      { limit: c.memoryLimit, request: c.memoryRequest },
      config.playbooks.oom,
    );
    if ('refused' in change) return `not proposed: ${change.refused}`;
    changes.set(c.name, change);
  }
  if (changes.size === 0) return undefined;
  const described = [...changes]
    .map(([name, c]) => `${name}: limit ${c.limit}${c.request ? `, request ${c.request}` : ''}`)
    .join('; ');
  const change: ManifestChange = {
    target: { kind: workload.kind, name: workload.name, namespace },
    summary: `raise memory of ${workload.kind} ${namespace}/${workload.name} by ${config.playbooks.oom.percent}% (${described})`,
    edit: (text, document) =>
      [...changes].reduce(
        (out, [name, c]) =>
          setContainerMemory(out, document, workload.kind, name, {
            limits: c.limit,
            requests: c.request,
          }),
        text,
      ),
  };
  const notes = [
    'Test plan:',
    `- after the merge and sync: \`kubectl -n ${namespace} rollout status ${workload.kind.toLowerCase()}/${workload.name}\``,
    `- no new OOMKilled: \`kubectl -n ${namespace} get pods -o jsonpath="{.items[*].status.containerStatuses[*].lastState.terminated.reason}"\``,
    '',
    'Rollback: revert this commit; the GitOps controller restores the previous limits.',
  ].join('\n');
  const proposal = await proposeChange(
    { ...gh, incident: gh.number, id: `diag-${gh.number}`, paths: config.gitops.paths },
    change,
    notes,
  );
  if (proposal.committed) return `${change.summary}: ${proposal.detail}`;
  // A re-run finds its own earlier proposal: the branch already holds the change.
  return proposal.detail.endsWith('already has the change')
    ? `${change.summary}: already proposed (${proposal.detail})`
    : `not proposed: ${proposal.detail}`;
}
