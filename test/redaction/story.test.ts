// The story of a crash-looping pod whose logs print a dozen secrets, told by the bundled
// actions against both emulators: diagnose comments on the issue, remediate runs the
// crash-loop playbook and writes its result file, report posts the status comment. The
// cluster's logs carry every secret; nothing that leaves the cluster carries any.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { Octokit } from '@octokit/rest';
import { dump } from 'js-yaml';
import { KubeClient } from '../../src/kube/client.js';
import { events } from '../../src/sim/github/events.js';
import { startGitHubEmulator, type GitHubEmulator } from '../../src/sim/github/server.js';
import { resourceForKind } from '../../src/sim/kube/resources.js';
import { loadScenario, scenariosDir } from '../../src/sim/kube/scenario.js';
import { KubeEmulator } from '../../src/sim/kube/server.js';
import type { KObject } from '../../src/sim/kube/store.js';
import { runAction, type ActionRun } from '../../src/rehearse/action.js';
import { PACE, REPOSITORY, TOKEN } from '../intake/support.js';
import { survivors } from './support.js';

/**
 * The values src/sim/scenarios/secret-logs.yaml prints in the payments pod's log. A token is
 * checked without its format's prefix: `github_pat_` is no secret, and it spells `github`.
 */
const SECRETS = {
  'DB_PASSWORD=': 'DbNfShzjFUPHuBnT',
  'MYSQL_ROOT_PASSWORD:': 'MycxyTLth6reqh6S',
  'postgres://user:pass@': 'PgYH6f9LDccpLDYd',
  'redis://:pass@': 'RdORbbDryvzOSnwl',
  'AWS access key id': 'AKIASJW67ITSA3MB1ZAD',
  'AWS_SECRET_ACCESS_KEY=': 'SyrSdDdlg+5Z2CrXfKXGf9jTlqvmQTm9+DNQPcmr',
  github_pat_: 'VvtQnsH2rUxtqhlwKzrjRS_e7JnvFUkiiaB7ZkhCH5gdIlmKFVq0DKPNsOOtVflmcVszG4QcBE69rT1t5a',
  'xoxb-': '223626258989-4448614654666-nCiCaUkV9QpzpH5kabbZBVwm',
  sk_live_: 'OfeHa0KWrpbRsPlh6l5COUpv',
  'Cookie:': 'SidwiJoCiXMS6AAWJVy7Q3W',
  'Authorization: Bearer <JWT>':
    'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwYXltZW50cyIsInNjb3BlIjoiY2hhcmdlIn0.xeiDxNsC-soVvlm4geNH-oXIMQQ0y4mWqGC8FMZ0a6g',
  '"db_password":': 'Jsr47Btu2TDfcMfj',
  'passphrase=': 'PpdSVLciwk7OSRZj',
  'sk-proj-': 'OEGA6P3M4JbbM0nJVsbiw5i5Bng8TuF9UgGK6l95Jfiy8altmZ70RLfuwHKX',
  'private key body': [
    'kF0iSJJLKdxQJFNddLC2W+2/MKF1uGOZeCmU/Y6Jryj5hJeJOhm17E8xavjDIoFG',
    'Ie87QU7HaBMIPgrAEKFgxgHFg9xUKRWKbggsfW/iyZ5GirU6OLxpm1gUsr1cAN6t',
    '/wFB5SrrtLp7Y15esMexJCarVtWPhmfIcOpcn77zhX7LPfnJFp4VHdo18hYlrV4J',
    '01vbTFZ293WCVLgxklONqYP5YxT0Reh5+/EMU7oXldbjrDYrRiFkJc8Jygfex7yM',
    'sdBH1GvTrB6IJqytxAcmhw9WsJWANZU6jBITVssMd8ZcI+iTe1+yc+iWXD88o/Ft',
  ].join('\n'),
};

/** The secrets of which more than 4 characters appear in the text, by name. */
function leaked(text: string): Record<string, string[]> {
  return Object.fromEntries(
    Object.entries(SECRETS)
      .map(([name, value]) => [name, survivors(text, value)] as const)
      .filter(([, found]) => found.length > 0),
  );
}

/**
 * What a reader of the run sees: its log, its annotations, its job summary and its outputs
 * (not the `add-mask` commands, which hand the runner the inputs it must hide).
 */
const published = (run: ActionRun) =>
  [
    ...run.logLines,
    ...run.annotations.map((a) => a.message),
    run.stderr,
    run.summary,
    JSON.stringify(run.outputs),
  ].join('\n');

let gh: GitHubEmulator;
let kube: KubeEmulator;
afterEach(async () => {
  await kube.close();
  await gh.close();
});

function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kubemend-secret-logs-'));
  mkdirSync(join(dir, '.github'));
  const uid = kube.store.get(resourceForKind('v1', 'Namespace')!, undefined, 'kube-system')!
    .metadata.uid;
  writeFileSync(
    join(dir, '.github/kubemend.yml'),
    dump({
      clusters: { lab: { server: kube.url, 'kube-system-uid': uid } },
      guardrails: { 'verify-interval': '1s', 'verify-timeout': '5s' },
    }),
  );
  return dir;
}

describe('a crash-looping pod whose logs print secrets', () => {
  it("a crash-looping pod's logs reach no comment, result file or step log with a secret in them", async () => {
    gh = await startGitHubEmulator({ repos: [REPOSITORY], budget: 1_000_000 });
    kube = await new KubeEmulator().listen();
    loadScenario(kube, 'secret-logs');
    kube.seed(resourceForKind('v1', 'Namespace')!, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'kubemend' },
    } as KObject);
    kube.advance(5 * 60_000);
    const ws = workspace();
    gh.repo(REPOSITORY).collaborators.set('alice', 'write');

    // The cluster does print every secret: in the current log and in the previous instance's.
    const scenario = readFileSync(join(scenariosDir, 'secret-logs.yaml'), 'utf8');
    for (const value of Object.values(SECRETS))
      for (const line of value.split('\n')) expect(scenario).toContain(line);
    const kc = new KubeConfig();
    kc.loadFromString(kube.kubeconfig());
    const client = new KubeClient(kc, { dryRun: true, backoffMs: 5 });
    const [pod] = await client.list<{ metadata: { name: string } }>('v1', 'Pod', {
      namespace: 'shop',
    });
    const at = { namespace: 'shop', pod: pod!.metadata.name, container: 'payments' };
    const all = { tailLines: 100, limitBytes: 100_000 };
    for (const previous of [false, true])
      expect(Object.keys(leaked(await client.logs(at, { ...all, previous })))).toEqual(
        Object.keys(SECRETS),
      );

    // Someone files an issue; diagnose runs on workflow_dispatch.
    const octokit = new Octokit({ auth: TOKEN, baseUrl: gh.url });
    const { data: issue } = await octokit.rest.issues.create({
      owner: 'octo-org',
      repo: 'gitops',
      title: 'payments crash-loops',
      body: 'namespace: shop, deployment/payments on cluster lab',
    });
    const diagnosis = await runAction('diagnose', {
      inputs: { kubeconfig: kube.kubeconfig() },
      event: {
        name: 'workflow_dispatch',
        payload: events.workflowDispatch(
          REPOSITORY,
          { 'issue-number': String(issue.number) },
          undefined,
          'alice',
        ),
      },
      repository: REPOSITORY,
      apiUrl: gh.url,
      githubToken: TOKEN,
      workspace: ws,
      env: PACE,
    });
    expect(diagnosis.exitCode).toBe(0);
    const [comment] = gh
      .repo(REPOSITORY)
      .commentsOn(issue.number)
      .filter((c) => c.body.startsWith('<!-- kubemend:diagnosis -->'));
    // The log lines are in the comment, with their secrets masked.
    expect(comment?.body).toContain('[redacted]');
    expect(leaked(comment?.body ?? '')).toEqual({});
    expect(leaked(published(diagnosis))).toEqual({});

    // Remediate: the crash-loop playbook reads the last log lines into its findings.
    kube.runClock(60);
    const remediation = await runAction('remediate', {
      inputs: {
        kubeconfig: Buffer.from(kube.kubeconfig()).toString('base64'),
        playbook: 'crash-loop',
        mode: 'dry-run',
        targets: JSON.stringify({
          playbook: 'crash-loop',
          category: 'crash-loop',
          confidence: 0.9,
          incident: issue.number,
          id: 'c0ffee01',
          cluster: 'lab',
          targets: {
            cluster: 'lab',
            namespace: 'shop',
            workload: { kind: 'Deployment', name: 'payments' },
            pods: [],
            containers: [],
          },
        }),
      },
      workspace: ws,
      githubToken: '',
      timeoutMs: 300_000,
    });
    const path = remediation.outputs['result-path'];
    expect(path).toBeDefined();
    const file = readFileSync(path!, 'utf8');
    const result = JSON.parse(file) as { findings: string[]; enrichment?: unknown };
    expect(result.findings[0]).toMatch(/last log lines: .*passphrase=\[redacted\]/);
    expect(JSON.stringify(result.enrichment)).toContain('DB_PASSWORD=[redacted]');
    expect(leaked(file)).toEqual({});
    expect(leaked(published(remediation))).toEqual({});

    // Report: the result file, as an artifact lands, becomes the status comment.
    mkdirSync(join(ws, 'kubemend-results', 'kubemend-result-c0ffee01'), { recursive: true });
    copyFileSync(path!, join(ws, 'kubemend-results', 'kubemend-result-c0ffee01', 'result.json'));
    const report = await runAction('report', {
      githubToken: TOKEN,
      apiUrl: gh.url,
      repository: REPOSITORY,
      inputs: { 'incident-number': String(issue.number) },
      workspace: ws,
      env: PACE,
    });
    expect(report.exitCode).toBe(0);
    const [status] = gh
      .repo(REPOSITORY)
      .commentsOn(issue.number)
      .filter((c) => c.body.startsWith('<!-- kubemend:status -->'));
    expect(status?.body).toContain('last log lines');
    expect(leaked(status?.body ?? '')).toEqual({});
    expect(leaked(published(report))).toEqual({});
  });
});
