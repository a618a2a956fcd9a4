// Demo: the registry-outage scenario through the whole pipeline, on the emulators.
// Docker Hub is down: the storefront's pods cannot pull. The alert fires DEMO_DISPATCHES
// times (default 60): all but the last run the bundled intake action, ten at once, and
// leave one incident. Docker Hub comes back; the last dispatch runs the bundled
// all-in-one action (intake → triage → image-pull playbook in auto → report), which
// deletes the stuck pods, waits until the simulated cluster shows them running, and
// merges the incident. Prints the incident as GitHub would show it, the cluster before
// and after, and the API calls spent; writes the incident to kubemend-demo-incident.md.
// Run: npm run demo
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { dump } from 'js-yaml';
import { parseRecord } from '../src/incidents/record.js';
import { events } from '../src/sim/github/events.js';
import { startGitHubEmulator } from '../src/sim/github/server.js';
import { resourceForKind } from '../src/sim/kube/resources.js';
import { loadScenario } from '../src/sim/kube/scenario.js';
import { KubeEmulator } from '../src/sim/kube/server.js';
import type { KObject } from '../src/sim/kube/store.js';
import { podStatus } from '../src/sim/kube/table.js';
import { repoRoot, runAction } from '../src/rehearse/action.js';
import { dispatch, pool, REPOSITORY, TOKEN } from '../test/intake/support.js';

const total = Math.max(1, Number(process.env.DEMO_DISPATCHES ?? 60));
const out = resolve(process.env.DEMO_OUTPUT ?? join(repoRoot, 'kubemend-demo-incident.md'));
const tty = process.stdout.isTTY;
function must<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`the demo found no ${what}`);
  return value;
}
const namespaces = must(resourceForKind('v1', 'Namespace'), 'Namespace resource');
const podResource = must(resourceForKind('v1', 'Pod'), 'Pod resource');
const bold = (s: string) => (tty ? `\x1b[1m${s}\x1b[0m` : s);
const dim = (s: string) => (tty ? `\x1b[2m${s}\x1b[0m` : s);
const heading = (s: string) => console.log(`\n${bold(`━━ ${s} `.padEnd(78, '━'))}`);

const gh = await startGitHubEmulator({ repos: [REPOSITORY], budget: 100_000 });
const kube = await new KubeEmulator().listen();
loadScenario(kube, 'registry-outage');
kube.seed(namespaces, {
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name: 'kubemend' },
} as KObject);
// The outage has lasted 20 minutes: the kubelet retries each pull every 5 minutes (its
// back-off cap), so pods notice Docker Hub's return late unless they are recreated.
kube.advance(20 * 60_000);
kube.runClock(1);
const repo = gh.repo(REPOSITORY);

// The caller's repository: the config, with the cluster's identity and image-pull in auto.
const workspace = mkdtempSync(join(tmpdir(), 'kubemend-demo-'));
mkdirSync(join(workspace, '.github'));
const kubeSystem = kube.store.get(namespaces, undefined, 'kube-system');
writeFileSync(
  join(workspace, '.github/kubemend.yml'),
  dump({
    playbooks: { 'image-pull': { mode: 'auto' } },
    guardrails: { 'verify-interval': '2s', 'verify-timeout': '60s' },
    clusters: { homelab: { server: kube.url, 'kube-system-uid': kubeSystem?.metadata.uid } },
  }),
);

function pods(namespace: string): string {
  const rows = kube.store
    .list(podResource)
    .filter((p) => p.metadata.namespace === namespace && !p.metadata.deletionTimestamp)
    .map((p) => {
      const pod = p as KObject & {
        spec?: { nodeName?: string; containers?: { image?: string }[] };
        status?: { containerStatuses?: { ready?: boolean; restartCount?: number }[] };
      };
      const statuses = pod.status?.containerStatuses ?? [];
      return [
        pod.metadata.name,
        `${statuses.filter((s) => s.ready).length}/${pod.spec?.containers?.length ?? 0}`,
        podStatus(pod),
        String(statuses.reduce((n, s) => n + (s.restartCount ?? 0), 0)),
        pod.spec?.containers?.[0]?.image ?? '',
      ];
    });
  const header = ['NAME', 'READY', 'STATUS', 'RESTARTS', 'IMAGE'];
  const table = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...table.map((r) => (r[i] ?? '').length)));
  return table.map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('   ')).join('\n');
}

const alert = {
  version: '4',
  groupKey: '{}:{alertname="KubePodNotReady"}',
  status: 'firing',
  alerts: [
    {
      status: 'firing',
      labels: {
        alertname: 'KubePodNotReady',
        cluster: 'homelab',
        namespace: 'shop',
        deployment: 'storefront',
        severity: 'critical',
      },
      annotations: {
        summary: 'ImagePullBackOff in shop',
        description:
          'Back-off pulling image "nginx:1.27.3": dial tcp: lookup registry-1.docker.io: no such host',
      },
      startsAt: '2026-11-22T03:00:00Z',
    },
  ],
};

heading('The cluster at 3 a.m. (kubectl get pods -n shop)');
console.log(pods('shop'));

heading(`The outage fires the alert ${total} times`);
const started = Date.now();
const storm = await pool(
  Array.from(
    { length: total - 1 },
    () => () => dispatch(gh, alert, { env: { KUBEMEND_BACKOFF_MS: '400' }, workspace }),
  ),
  10,
);
const failed = storm.filter((r) => r.exitCode !== 0).length;
console.log(
  `${storm.length} intake runs, 10 at once, in ${((Date.now() - started) / 1000).toFixed(1)} s: ${failed} failed, ${repo.openPulls().length} open pull request(s).`,
);

heading('Docker Hub is back; the next dispatch runs the whole pipeline in one step');
// A real outage ends at no set moment; the demo ends it just after the kubelet's last pull
// attempt, so the pods are recovered by the playbook, not by the kubelet's own attempt five
// minutes later, however long the storm above took on this machine.
kube.advance(kube.sim.msUntilPullRetries() + 1000);
kube.sim.facts.registries['docker.io'] = 'ok';
const kubeBefore = kube.log.length;
const ghBefore = gh.requests().length;
const run = await runAction('./', {
  inputs: { kubeconfig: kube.kubeconfig(), cluster: 'homelab' },
  event: { name: 'repository_dispatch', payload: events.repositoryDispatch(REPOSITORY, alert) },
  repository: REPOSITORY,
  apiUrl: gh.url,
  githubToken: TOKEN,
  workspace,
  env: { GITHUB_SHA: repo.resolve('main') ?? '', GITHUB_REF: 'refs/heads/main' },
  timeoutMs: 180_000,
});
for (const line of run.logLines.filter((l) => /^(#|Matrix|image-pull|Kubernetes)/.test(l)))
  console.log(dim(line));
const kubeCalls = kube.log.slice(kubeBefore);
const count = (verb: string) => kubeCalls.filter((e) => e.verb === verb && !e.dryRun).length;
const number = Number(run.outputs['incident-number']);
const incident = repo.issues.get(number);
if (!incident) throw new Error(`the all-in-one run recorded no incident: ${run.stderr}`);

heading('The incident, as GitHub shows it');
const state = incident.pull?.merged ? 'Merged' : incident.state === 'open' ? 'Open' : 'Closed';
console.log(bold(`${incident.title} #${number}`));
console.log(`${state} · labels: ${incident.labels.join(', ')} · branch ${incident.pull?.headRef}`);
const strip = (markdown: string) => markdown.replace(/^<!--[\s\S]*?-->\n?/gm, '').trim();
console.log(`\n${strip(incident.body ?? '')}`);
const status = repo.commentsOn(number).find((c) => c.body.startsWith('<!-- kubemend:status'));
console.log(`\n${bold('kubemend commented:')}\n${strip(status?.body ?? '(no status comment)')}`);

// The record counts every dispatch; the body's table is refreshed at most every few minutes.
const tree = must(
  repo.git.commits.get(must(repo.resolve('main'), 'main branch')),
  'main commit',
).tree;
const recordPath = [...repo.git.files(tree).keys()].find((p) => p.startsWith('alerts/resolved/'));
const record = recordPath ? parseRecord(repo.readFile('main', recordPath) ?? '') : undefined;
console.log(
  `\nThe record, moved to ${recordPath ?? '(not moved)'} on main before the merge: ${record?.occurrences ?? '?'} occurrences.`,
);

heading('The cluster after (kubectl get pods -n shop)');
console.log(pods('shop'));

heading('API calls spent');
console.log(
  `GitHub: ${gh.requests().length} requests in all, ${gh.requests().length - ghBefore} by the all-in-one run.`,
);
console.log(
  `Kubernetes, by the all-in-one run: ${kubeCalls.length} requests (${count('list')} list, ${count('get')} get, ${count('delete')} delete, ${kubeCalls.filter((e) => !['get', 'list', 'watch', 'discovery'].includes(e.verb)).length} writes in all).`,
);

const markdown = [
  `# ${incident.title} (#${number}, ${state.toLowerCase()})`,
  '',
  `Labels: ${incident.labels.map((l) => `\`${l}\``).join(', ')}`,
  '',
  strip(incident.body ?? ''),
  '',
  '---',
  '',
  strip(status?.body ?? ''),
  '',
].join('\n');
writeFileSync(out, markdown);
console.log(`\nThe incident, as Markdown: ${out}`);

await kube.close();
await gh.close();
const ok =
  failed === 0 &&
  record?.occurrences === total &&
  repo.openPulls().length + (incident.pull?.merged ? 1 : 0) >= 1 &&
  run.exitCode === 0 &&
  run.outputs.merged === 'true';
if (!ok)
  console.error(
    `The demo did not end merged: exit ${run.exitCode}, state ${run.outputs.state}, ${run.annotations.map((a) => a.message).join('; ')}`,
  );
process.exit(ok ? 0 : 1);
