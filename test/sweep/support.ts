// Open incidents seeded straight into the GitHub emulator's state, as intake and report
// would have left them (the record file on the incident branch, the pull request or
// issue showing the record in its body, the kubemend and state labels), without a
// workflow run each: the sweep test and bench/sweep need tens to a thousand of them.
import { KubeConfig } from '@kubernetes/client-node';
import type { KubemendConfig } from '../../src/config/config.js';
import { parseConfig } from '../../src/config/config.js';
import { identityOf, identityOfRecord } from '../../src/alerts/identity.js';
import type { Alert } from '../../src/alerts/model.js';
import { normalisePayload } from '../../src/alerts/shapes.js';
import { createGitHubClient, type GitHubClient } from '../../src/github/client.js';
import { newRecord, serialiseRecord, type IncidentRecord } from '../../src/incidents/record.js';
import { incidentLabels, incidentView } from '../../src/incidents/render.js';
import { newId, type Issue } from '../../src/sim/github/state.js';
import type { GitHubEmulator } from '../../src/sim/github/server.js';
import { GITHUB_TOKEN_LOGIN } from '../../src/sim/github/webhooks.js';
import { resourceForKind } from '../../src/sim/kube/resources.js';
import type { KubeEmulator } from '../../src/sim/kube/server.js';

export const REPOSITORY = 'octo-org/gitops';
const [OWNER, REPO] = REPOSITORY.split('/') as [string, string];

/** The alerts of one payload (generic, Alertmanager, ...), as intake reads them. */
export function alertsOf(payload: Record<string, unknown>): Alert[] {
  return normalisePayload(payload, { cluster: undefined });
}

/** A record for the alerts of one payload, first seen at `at`. */
export function recordOf(payload: Record<string, unknown>, at: number): IncidentRecord {
  const alerts = alertsOf(payload);
  return newRecord(identityOf(alerts[0]!), alerts, new Date(at).toISOString());
}

/**
 * Seeds one open incident for `record` (a pull request or an issue) and answers its
 * number: the branch from main with the record file, the body and labels rendered from
 * the record, as the emulator would hold them after intake.
 */
export function seedIncident(
  gh: GitHubEmulator,
  record: IncidentRecord,
  kind: 'pull' | 'issue' = 'issue',
): number {
  const repo = gh.repo(REPOSITORY);
  const identity = identityOfRecord(record);
  const number = repo.nextNumber();
  const now = repo.clock.iso();
  const full: IncidentRecord = {
    ...record,
    incident: {
      kind,
      state: 'open',
      number,
      url: `https://github.com/${REPOSITORY}/${kind === 'pull' ? 'pull' : 'issues'}/${number}`,
      since: record.firstSeen,
      closedAt: null,
      renderedAt: now,
    },
  };
  const main = repo.refs.get(`refs/heads/${repo.defaultBranch}`)!;
  repo.refs.set(`refs/heads/${identity.branch}`, main);
  const head = repo.seedFile(
    identity.branch,
    identity.recordPath,
    serialiseRecord(full),
    `kubemend: record ${identity.recordPath}`,
  );
  const labels = incidentLabels(full, identity.clusterSlug, []);
  for (const label of labels) repo.ensureLabel(label);
  const issue: Issue = {
    id: newId(),
    number,
    ...incidentView(full, { owner: OWNER, repo: REPO, now }),
    state: 'open',
    stateReason: null,
    labels,
    user: GITHUB_TOKEN_LOGIN,
    createdAt: now,
    updatedAt: now,
    closedAt: null,
    comments: 0,
    ...(kind === 'pull'
      ? {
          pull: {
            headRef: identity.branch,
            headSha: head,
            baseRef: repo.defaultBranch,
            draft: false,
            merged: false,
            mergedAt: null,
            mergeCommitSha: null,
            mergedBy: null,
            maintainerCanModify: true,
          },
        }
      : {}),
  };
  repo.issues.set(number, issue);
  return number;
}

/** The GitHub client a sweep action builds, without the pacing meant for github.com. */
export function githubClient(gh: GitHubEmulator): GitHubClient & { owner: string; repo: string } {
  return {
    ...createGitHubClient({
      token: 'ghs_sweep_test_token',
      baseUrl: gh.url,
      writeIntervalMs: 0,
      notificationIntervalMs: 0,
      retryUnitMs: 5,
      warn: () => {},
    }),
    owner: OWNER,
    repo: REPO,
  };
}

/** The kube-system namespace's UID: with the server URL, the identity the config holds. */
export function kubeSystemUid(kube: KubeEmulator): string {
  return kube.store.get(resourceForKind('v1', 'Namespace')!, undefined, 'kube-system')!.metadata
    .uid!;
}

/**
 * The config of a repository whose `.github/kubemend.yml` holds `yaml` and names the
 * emulator's identity under `clusters:` for each of `clusters`.
 */
export function sweepConfig(kube: KubeEmulator, clusters: string[], yaml = ''): KubemendConfig {
  const identity = clusters
    .map((c) => `  ${c}:\n    server: ${kube.url}\n    kube-system-uid: ${kubeSystemUid(kube)}`)
    .join('\n');
  return parseConfig(
    `${yaml}\n${clusters.length ? `clusters:\n${identity}\n` : ''}`,
    '.github/kubemend.yml',
  );
}

export function kubeconfigOf(kube: KubeEmulator): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(kube.kubeconfig());
  return kc;
}
