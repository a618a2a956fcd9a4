// deploy/argocd/argocd-notifications-cm.yaml, rendered as Argo CD's notifications
// controller renders it (Go templates, test/argocd/gotemplate.ts) for sample
// Applications, sent to the GitHub emulator's repository_dispatch API (validated against
// GitHub's OpenAPI description: event_type, at most 10 payload keys), and the payload
// fed to the bundled intake action.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { startGitHubEmulator, type GitHubEmulator } from '../../src/sim/github/server.js';
import { repoRoot } from '../../src/rehearse/action.js';
import { dispatch, REPOSITORY, TOKEN } from '../intake/support.js';
import { renderGoTemplate } from './gotemplate.js';

const cm = load(
  readFileSync(join(repoRoot, 'deploy/argocd/argocd-notifications-cm.yaml'), 'utf8'),
) as { data: Record<string, string> };
const context = {
  ...(load(cm.data.context ?? '') as Record<string, string>),
  kubemendRepo: REPOSITORY,
  cluster: 'lab',
};
const service = load(cm.data['service.webhook.kubemend'] ?? '') as {
  url: string;
  headers: { name: string; value: string }[];
};
const template = (
  load(cm.data['template.kubemend-alert'] ?? '') as {
    webhook: { kubemend: { method: string; path: string; body: string } };
  }
).webhook.kubemend;

/** What the operation left: quotes, a backslash, a newline and HTML, as apply errors do. */
const HOSTILE =
  'one or more objects failed to apply, reason: Deployment.apps "api" is invalid: ' +
  'spec.template.spec.containers[0].image: Required value\\n\nC:\\path <b>&</b>';

const APPS = {
  syncFailed: {
    metadata: { name: 'shop', namespace: 'argocd' },
    spec: { destination: { namespace: 'shop', server: 'https://kubernetes.default.svc' } },
    status: {
      health: { status: 'Degraded' },
      sync: { status: 'OutOfSync', revision: 'abc123' },
      operationState: { phase: 'Failed', message: HOSTILE, syncResult: { revision: 'abc123' } },
    },
  },
  degraded: {
    metadata: { name: 'blog', namespace: 'argocd' },
    spec: { destination: { namespace: 'blog' } },
    status: {
      health: { status: 'Degraded' },
      sync: { status: 'Synced', revision: 'def456' },
      operationState: { phase: 'Succeeded', message: 'successfully synced (all tasks run)' },
    },
  },
  unknown: {
    metadata: { name: 'wiki', namespace: 'argocd' },
    spec: { destination: { namespace: 'wiki' } },
    status: { health: { status: 'Healthy' }, sync: { status: 'Unknown' } },
  },
};

function render(app: object): { path: string; body: string } {
  return {
    path: renderGoTemplate(template.path, { app, context }),
    body: renderGoTemplate(template.body, { app, context }),
  };
}

let gh: GitHubEmulator;
afterEach(async () => {
  await gh?.close();
});

describe('the Argo CD notifications ConfigMap', () => {
  it.each(Object.entries(APPS))(
    '%s: renders a repository_dispatch body that is JSON with at most 10 payload keys',
    (_, app) => {
      const { path, body } = render(app);
      expect(path).toBe(`/repos/${REPOSITORY}/dispatches`);
      const parsed = JSON.parse(body) as { event_type: string; client_payload: object };
      expect(parsed.event_type).toBe('kubemend-alert');
      expect(Object.keys(parsed.client_payload).length).toBeLessThanOrEqual(10);
      expect(parsed.client_payload).toMatchObject({
        app_name: app.metadata.name,
        cluster: 'lab',
        dest_namespace: app.spec.destination.namespace,
        health_status: app.status.health.status,
        sync_status: app.status.sync.status,
        app_url: `https://argocd.example.com/applications/${app.metadata.name}`,
      });
    },
  );

  it('carries the operation message byte for byte, and null without an operation', () => {
    const failed = JSON.parse(render(APPS.syncFailed).body) as {
      client_payload: { message: string };
    };
    expect(failed.client_payload.message).toBe(HOSTILE);
    // Go's encoding/json escapes HTML: the raw body never holds a tag.
    expect(render(APPS.syncFailed).body).not.toContain('<b>');
    const unknown = JSON.parse(render(APPS.unknown).body) as { client_payload: { message: null } };
    expect(unknown.client_payload.message).toBeNull();
  });

  it('triggers on a failed sync, a degraded health and an unknown sync status, once per revision', () => {
    for (const name of ['on-sync-failed', 'on-health-degraded', 'on-sync-status-unknown']) {
      const [trigger] = load(cm.data[`trigger.${name}`] ?? '') as {
        when: string;
        oncePer: string;
        send: string[];
      }[];
      expect(trigger?.send).toEqual(['kubemend-alert']);
      expect(trigger?.oncePer).toMatch(/revision$/);
    }
    expect(load(cm.data.subscriptions ?? '')).toEqual([
      {
        recipients: ['kubemend'],
        triggers: ['on-sync-failed', 'on-health-degraded', 'on-sync-status-unknown'],
      },
    ]);
  });

  it('is accepted by the repository_dispatch API, and intake records one incident per Application', async () => {
    gh = await startGitHubEmulator({ repos: [REPOSITORY], budget: 100_000 });
    const headers = Object.fromEntries(
      service.headers.map((h) => [h.name, h.value.replace('$kubemend-github-token', TOKEN)]),
    );
    const send = async (app: object) => {
      const { path, body } = render(app);
      return fetch(`${gh.url}${path}`, { method: template.method, headers, body });
    };
    expect((await send(APPS.syncFailed)).status).toBe(204);
    expect((await send(APPS.syncFailed)).status).toBe(204);
    const [first, second] = gh.repo(REPOSITORY).dispatches;
    expect(first?.eventType).toBe('kubemend-alert');

    // Each dispatch starts the workflow: intake reads the client_payload.
    const runs = [];
    for (const d of [first, second]) runs.push(await dispatch(gh, d?.clientPayload));
    expect(runs.map((r) => r.exitCode)).toEqual([0, 0]);
    expect(runs.map((r) => r.outputs.created)).toEqual(['true', 'false']);
    expect(runs[1]?.outputs['incident-number']).toBe(runs[0]?.outputs['incident-number']);
    const incident = gh.repo(REPOSITORY).issues.get(Number(runs[0]?.outputs['incident-number']));
    expect(incident?.title).toMatch(/Argo CD application shop/i);
    expect(incident?.labels).toContain('cluster/lab');
  });

  it('would be refused by GitHub with an eleventh payload key', async () => {
    gh = await startGitHubEmulator({ repos: [REPOSITORY], budget: 100_000 });
    const payload = JSON.parse(render(APPS.degraded).body) as {
      client_payload: Record<string, unknown>;
    };
    for (let i = 0; Object.keys(payload.client_payload).length <= 10; i++)
      payload.client_payload[`extra_${i}`] = i;
    const answer = await fetch(`${gh.url}/repos/${REPOSITORY}/dispatches`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(payload),
    });
    expect(answer.status).toBe(422);
    expect(gh.takeFidelityFailures()).toEqual([
      expect.objectContaining({ kind: 'request', operationId: 'repos/create-dispatch-event' }),
    ]);
    expect(gh.repo(REPOSITORY).dispatches).toEqual([]);
  });
});

describe('the Go template renderer of these tests', () => {
  it('fails, as Go does, on a field of nothing, and on what it does not implement', () => {
    expect(() =>
      renderGoTemplate('{{.app.status.operationState.message}}', { app: { status: {} } }),
    ).toThrow(/nil pointer evaluating interface \{\}\.message/);
    expect(() => renderGoTemplate('{{range .items}}x{{end}}', { items: [] })).toThrow(
      /unsupported template action/,
    );
    expect(() => renderGoTemplate('{{upper .x}}', { x: 'a' })).toThrow(
      /unsupported function upper/,
    );
    expect(renderGoTemplate('{{.missing}}', {})).toBe('<no value>');
  });
});
