// An alert for a cluster the kubeconfig has no credentials for, fired again and again:
// each firing a new run of the stages (intake → triage → remediate → report) in this
// process, with the real Octokit against the GitHub emulator, two Kubernetes emulators
// behind one kubeconfig (contexts homelab and prod) and the Slack receiver. Nothing is
// attempted on either cluster, and the incident says so once: needs-human, one status
// comment saying what to do, one timeline line, one chat message.
import { KubeConfig } from '@kubernetes/client-node';
import { freeTextRedacted } from '../../src/actions/intake/outputs.js';
import { INTAKE_DEFAULTS, parseConfig } from '../../src/config/config.js';
import { incidentRecord } from '../../src/incidents/records.js';
import { runIntake } from '../../src/incidents/stage.js';
import { remediate } from '../../src/remediation/stage.js';
import type { RemediationResult } from '../../src/remediation/result.js';
import type { Notifier } from '../../src/report/notify.js';
import { report } from '../../src/report/stage.js';
import { PLAYBOOKS } from '../../src/shared/constants.js';
import { startGitHubEmulator, type GitHubEmulator } from '../../src/sim/github/server.js';
import { loadScenario } from '../../src/sim/kube/scenario.js';
import { KubeEmulator } from '../../src/sim/kube/server.js';
import { startSlackEmulator, type SlackEmulator } from '../../src/sim/notify/slack.js';
import { triage } from '../../src/triage/stage.js';
import { githubClient, REPOSITORY } from '../sweep/support.js';

let gh: GitHubEmulator;
let slack: SlackEmulator;
let homelab: KubeEmulator;
let prod: KubeEmulator;

beforeEach(async () => {
  gh = await startGitHubEmulator({ repos: [REPOSITORY], budget: 100_000 });
  gh.clock.set(Date.parse('2026-11-22T12:00:00Z'));
  slack = await startSlackEmulator();
  [homelab, prod] = await Promise.all([new KubeEmulator().listen(), new KubeEmulator().listen()]);
  for (const kube of [homelab, prod]) loadScenario(kube, 'registry-outage');
});
afterEach(async () => {
  await Promise.all([gh.close(), slack.close(), homelab.close(), prod.close()]);
});

const CONFIG = `
playbooks: { image-pull: { mode: auto } }
notifications:
  channels:
    - { name: ops, type: slack, token-secret: KUBEMEND_SLACK_BOT_TOKEN, channel: '#incidents' }
`;

/** Alertmanager's relay, for a cluster named in no context of the kubeconfig. */
const ALERT = {
  title: 'ImagePullBackOff in shop',
  cluster: 'staging',
  severity: 'critical',
  status: 'firing',
  namespace: 'shop',
  resource: 'Deployment/storefront',
  message: 'Back-off pulling image "nginx:1.27.3"',
};

/** One kubeconfig holding a context per emulator, named as the clusters alerts name. */
function twoClusters(): KubeConfig {
  const parts = [
    homelab.kubeconfig({ context: 'homelab' }),
    prod.kubeconfig({ context: 'prod' }),
  ].map((text) => JSON.parse(text) as Record<string, unknown[]>);
  const config = new KubeConfig();
  config.loadFromString(
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: parts.flatMap((p) => p.clusters),
      users: parts.flatMap((p) => p.users),
      contexts: parts.flatMap((p) => p.contexts),
      'current-context': 'homelab',
    }),
  );
  return config;
}

/** One firing: a new workflow run of every stage, as the all-in-one action composes them. */
async function firing(): Promise<{ number: number; results: RemediationResult[] }> {
  const config = parseConfig(CONFIG, '.github/kubemend.yml');
  const github = githubClient(gh);
  const intake = await runIntake(
    { payload: ALERT, retry: undefined, cluster: undefined, config: config.intake },
    {
      ...github,
      base: { branch: undefined, sha: undefined },
      mode: 'pr',
      config: INTAKE_DEFAULTS,
      labels: [],
      backoffMs: 1,
      log: { info: () => {}, warning: () => {} },
    },
  );
  const number = intake.results[0]!.number!;
  const triaged = await triage({
    alerts: intake.alerts.map(freeTextRedacted),
    numbers: new Map([[intake.results[0]!.key, number]]),
    incidentNumber: number,
    config,
    github,
  });
  const results: RemediationResult[] = [];
  for (const entry of triaged.matrix.include) {
    const { result } = await remediate({
      playbook: PLAYBOOKS.find((p) => p === entry.playbook)!,
      entry: { ...entry },
      mode: undefined,
      incident: undefined,
      config,
      kubeconfig: twoClusters(),
      github,
      log: () => {},
    });
    results.push(result);
  }
  const notify: Notifier = {
    config: config.notifications,
    secrets: { KUBEMEND_SLACK_BOT_TOKEN: slack.token },
    slackApiUrl: slack.apiUrl,
    timeoutMs: 5_000,
  };
  await report({
    github: { ...github, number },
    config,
    results,
    skipped: [],
    notify,
    runUrl: undefined,
    trigger: 'repository_dispatch',
  });
  return { number, results };
}

const statusComments = (number: number) =>
  [...gh.repo(REPOSITORY).comments.values()].filter(
    (c) => c.issueNumber === number && c.body.includes('kubemend:status'),
  );

describe('an alert for a cluster without credentials', () => {
  it('attempts nothing, asks a human once with what to add, and says nothing new on each repeat', async () => {
    const requests = () => [homelab.log.length, prod.log.length];
    const before = requests();
    const first = await firing();
    expect(first.results.length).toBeGreaterThan(0);
    expect(first.results.every((r) => r.outcome === 'skipped' && r.actions.length === 0)).toBe(
      true,
    );
    const afterFirst = (await incidentRecord({ ...githubClient(gh), number: first.number })).file!
      .record;

    gh.clock.set(gh.clock.now() + 10 * 60_000);
    for (let i = 0; i < 3; i++) {
      const again = await firing();
      expect(again.number).toBe(first.number);
      gh.clock.set(gh.clock.now() + 5 * 60_000);
    }
    // Neither cluster was asked anything: another cluster's credentials are never tried.
    expect(requests()).toEqual(before);

    const { issue, file } = await incidentRecord({ ...githubClient(gh), number: first.number });
    const record = file!.record;
    expect(record.occurrences).toBe(4);
    expect(record.state).toBe('needs-human');
    expect(issue.labels.map((l) => (typeof l === 'string' ? l : l.name))).toContain(
      'kubemend/needs-human',
    );
    // What to do, in the state's reasons the body and the status comment show.
    expect(record.stateReasons).toEqual([
      expect.stringMatching(
        /^nothing was attempted: kubemend has no credentials for cluster staging; add a context named staging to the kubeconfig secret, or a secret KUBECONFIG_.* passed with secrets: inherit/,
      ),
    ]);
    // Once: the repeats added no timeline line (one for the skipped jobs, one for the state).
    expect(record.timeline.entries).toEqual(afterFirst.timeline.entries);
    const told = record.timeline.entries.filter((e) => /credentials/.test(e.summary));
    expect(told.map((e) => [e.stage, e.outcome])).toEqual([
      ['remediate', 'skipped'],
      ['report', 'needs-human'],
    ]);
    // One status comment, kept current, saying it; one chat message, for the change of state.
    const comments = statusComments(first.number);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toMatch(/Needs a human/);
    expect(comments[0]!.body).toMatch(/no credentials for cluster staging/);
    expect(comments[0]!.body).toMatch(/add a context named staging/);
    expect(slack.calls).toEqual(['chat.postMessage']);
  });
});
