// The diagnose stage (the cluster doctor): who asked, whether they may, what the issue
// names, whether the kubeconfig points at that cluster, then read-only evidence, ranked
// causes, a proposed fix for the top one, and one comment. Called by the diagnose action.
import type { KubeConfig } from '@kubernetes/client-node';
import { PermissionCheck, refusal, type Actor } from '../commands/permission.js';
import { handleSlash, type SlashComment } from '../commands/slash.js';
import type { KubemendConfig } from '../config/config.js';
import { upsertMarkedComment, type CommentTarget } from '../github/comments.js';
import { KubeClient, apiErrorLine } from '../kube/client.js';
import { credentialsFor, missingCredentials } from '../kube/kubeconfig.js';
import { checkIdentity, observeIdentity } from '../kube/identity.js';
import { redact } from '../shared/redact.js';
import { readPolicy, refusedOutright } from './access.js';
import { collectEvidence } from './evidence.js';
import { explainCauses, GITHUB_MODELS_URL } from './explain.js';
import { proposeFix } from './fix.js';
import { rankCauses, type RankedCause } from './rank.js';
import { DIAGNOSIS_MARKER, diagnosisComment, type DiagnosisView } from './render.js';
import { scopeFromIssue } from './scope.js';

/** What started the doctor: a label, a `/kubemend` comment, a dispatch, or nothing of ours. */
export type Trigger =
  | { kind: 'none'; why: string }
  | { kind: 'label' | 'dispatch'; actor: Actor }
  | { kind: 'comment'; comment: SlashComment };

export interface DiagnoseRequest {
  github: CommentTarget;
  config: KubemendConfig;
  kubeconfig: KubeConfig;
  /**
   * The context was chosen by the caller: used whatever the issue's cluster. Otherwise a
   * kubeconfig with several contexts gives the one named as the issue's cluster.
   */
  contextChosen?: boolean;
  trigger: Trigger;
  runUrl: string | undefined;
  log: (line: string) => void;
  /** Where diagnose.explain asks for its explanation, and with which token. */
  models?: { token: string; baseUrl: string };
  /** A step that went wrong without stopping the diagnosis; default: log. */
  warn?: (line: string) => void;
}

export type DiagnoseOutcome =
  | { diagnosed: false }
  | {
      diagnosed: true;
      commentUrl: string;
      /** Redacted, best first. */
      causes: RankedCause[];
      /** The comment as posted (redacted), for the job summary. */
      body: string;
      /** Why the doctor stopped before reading everything, when it did. */
      stopped: string | undefined;
      /** Kubernetes requests made. */
      requests: number;
    };

export async function diagnose(request: DiagnoseRequest): Promise<DiagnoseOutcome> {
  const { github: gh, config, trigger, log } = request;
  if (trigger.kind === 'none') {
    log(trigger.why);
    return { diagnosed: false };
  }
  if (trigger.kind === 'comment') {
    // Every /kubemend verb asks the permission rule; others are answered and recorded
    // there, and a refused diagnose has had its one reply: nothing is read.
    const outcome = await handleSlash(gh, config, trigger.comment, Date.now());
    if (outcome?.verb !== 'diagnose' || !outcome.allowed) {
      log(
        outcome
          ? `#${gh.number}: /kubemend ${outcome.verb ?? '(not understood)'}: ${outcome.allowed ? (outcome.recorded ? 'recorded' : 'nothing changed') : 'refused'}.`
          : 'The comment holds no /kubemend command.',
      );
      return { diagnosed: false };
    }
  } else if (!(await mayDiagnose(gh, config, trigger, log))) return { diagnosed: false };
  const { data: issue } = await gh.octokit.rest.issues.get({
    owner: gh.owner,
    repo: gh.repo,
    issue_number: gh.number,
  });
  const reading = scopeFromIssue(issue.title, issue.body ?? '', Object.keys(config.clusters));
  const kubeconfig =
    request.contextChosen || !reading
      ? request.kubeconfig
      : credentialsFor(request.kubeconfig, reading.scope.cluster);
  const client = new KubeClient(kubeconfig ?? request.kubeconfig, { dryRun: true });
  const view: DiagnosisView = {
    cluster: reading?.scope.cluster ?? '',
    identity: 'not checked',
    from: reading?.from ?? 'issue text',
    evidence: undefined,
    causes: [],
    requests: 0,
    ...(request.runUrl ? { runUrl: request.runUrl } : {}),
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
  } else if (!kubeconfig) {
    // Another cluster's credentials are never tried on this one.
    view.identity = 'no credentials';
    const why = missingCredentials(request.kubeconfig, reading.scope.cluster);
    view.stopped = `${why.charAt(0).toUpperCase()}${why.slice(1)}. Nothing was read.`;
  } else if (outright) {
    view.stopped = `Not diagnosed: ${outright}. Nothing was read.`;
  } else {
    // The wrong cluster's pods in a public comment would be a leak: identity first.
    const verdict = checkIdentity(await observeIdentity(kubeconfig, client), expected);
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
        // The API server's own words (`403 Forbidden: ... cannot list ...`), not the client's dump.
        const why = apiErrorLine(error);
        view.stopped = `The cluster could not be read: ${why}${/^403\b/.test(why) ? ". Grant the kubeconfig's identity the reads of deploy/rbac/kubemend-diagnose.yaml." : ''}`;
      }
    }
  }
  const [top] = view.causes;
  if (top && view.evidence) {
    const proposal = await proposeFix(gh, top, view.evidence, config);
    if (proposal) view.proposal = proposal;
  }
  view.requests = client.stats.total;
  if (config.diagnose.explain === 'github-models' && view.causes.length > 0) {
    // After the ranking and the fix are settled: the explanation only reads them.
    const text = await explainCauses(
      view.causes,
      {
        model: config.diagnose.explainModel,
        timeoutMs: config.diagnose.explainTimeoutMs,
        baseUrl: request.models?.baseUrl ?? GITHUB_MODELS_URL,
        token: request.models?.token ?? '',
      },
      request.warn ?? log,
    );
    if (text) view.explanation = { model: config.diagnose.explainModel, text };
  }
  // Evidence was redacted as it was read; the comment is redacted again as a whole, since
  // error messages and proposals carry cluster text too.
  const body = redact(diagnosisComment(view));
  const commentUrl = await upsertMarkedComment(gh, DIAGNOSIS_MARKER, body);
  return {
    diagnosed: true,
    commentUrl,
    causes: view.causes,
    body,
    stopped: view.stopped === undefined ? undefined : redact(view.stopped),
    requests: view.requests,
  };
}

/**
 * A label or a dispatch asks the same rule as a comment. The label's actor is the event's
 * sender: whoever applied it, or the issue's author when an issue template applied it at
 * creation. A bot is not answered (no loops) and nothing is read for it.
 */
async function mayDiagnose(
  gh: CommentTarget,
  config: KubemendConfig,
  trigger: { kind: 'label' | 'dispatch'; actor: Actor },
  log: (line: string) => void,
): Promise<boolean> {
  const { actor } = trigger;
  const may = await new PermissionCheck(gh, config.commands).check(actor);
  if (may.allowed) return true;
  if (actor.isBot || actor.login === '') {
    log(`#${gh.number}: ${trigger.kind} by a bot or an unknown actor: nothing to diagnose.`);
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
  log(`#${gh.number}: ${actor.login} may not ${what}; refused.`);
  return false;
}
