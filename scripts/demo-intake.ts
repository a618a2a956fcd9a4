// Demo: an outage fires the same alert DEMO_DISPATCHES times (default 60), ten runs at
// once, each a separate process of the bundled intake action against the GitHub
// emulator on loopback. Prints what a reader of the repository would see: one pull
// request, its title, labels, summary table and the occurrences counted.
// Run: npm run demo
import { startGitHubEmulator } from '../src/sim/github/server.js';
import { branchOf, dispatch, pool, recordOf, REPOSITORY } from '../test/intake/support.js';

const total = Number(process.env.DEMO_DISPATCHES ?? 60);
const gh = await startGitHubEmulator({
  repos: [REPOSITORY],
  budget: 100_000,
  validateResponses: false,
});
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
        pod: 'store-front-7d9f8b6c4-xk2pq',
        severity: 'warning',
      },
      annotations: {
        description:
          'Pod shop/store-front-7d9f8b6c4-xk2pq has been in a non-ready state for longer than 15 minutes.',
        runbook_url: 'https://runbooks.prometheus-operator.dev/runbooks/kubernetes/kubepodnotready',
      },
      startsAt: '2026-11-22T03:00:00Z',
    },
  ],
};
console.log(`Dispatching the same alert ${total} times, 10 runs at once...`);
const started = Date.now();
const runs = await pool(
  // Back-off as on GitHub, scaled down: racing runs spread out rather than collide.
  Array.from(
    { length: total },
    () => () => dispatch(gh, alert, { env: { KUBEMEND_BACKOFF_MS: '400' } }),
  ),
  10,
);
const failed = runs.filter((r) => r.exitCode !== 0).length;
const pulls = gh.repo(REPOSITORY).openPulls();
const first = runs.find((r) => r.outputs['created'] === 'true');
if (!first) throw new Error('no run opened the incident');
const branch = branchOf(first);
const record = recordOf(gh, first);
console.log(
  `${total} runs in ${((Date.now() - started) / 1000).toFixed(1)} s, ${failed} failed, ${gh.requests().length} GitHub API requests.`,
);
console.log(`Open pull requests: ${pulls.length}`);
for (const pull of pulls) {
  console.log(
    `\n#${pull.number} ${pull.title}\nlabels: ${pull.labels.join(', ')}\nbranch: ${pull.pull?.headRef}`,
  );
  console.log(pull.body?.split('\n').slice(0, 14).join('\n'));
}
console.log(
  `\nRecord ${first.outputs['record-path']} on ${branch}: ${record.occurrences} occurrences, status ${record.status}.`,
);
await gh.close();
process.exit(failed === 0 && pulls.length === 1 && record.occurrences === total ? 0 : 1);
