// The whole alerting chain with real parts: the real Prometheus fires the shipped
// kube-prometheus rules over the Kubernetes emulator's kube-state-metrics series, the real
// Alertmanager posts its webhook with a bearer token to `kubemend relay` (its server and
// grouper, on the system clock), the relay dispatches to the GitHub emulator through the
// real Octokit, and intake's own stage opens one incident from what GitHub received. The
// simulated cluster recovers, and the resolved notification follows the same way.
import { INTAKE_DEFAULTS } from '../../src/config/config.js';
import { createGitHubClient } from '../../src/github/client.js';
import { parseRecord } from '../../src/incidents/record.js';
import { runIntake } from '../../src/incidents/stage.js';
import type { UpsertContext } from '../../src/incidents/upsert.js';
import { systemClock } from '../../src/relay/clock.js';
import { silentLog } from '../../src/relay/log.js';
import { Relay } from '../../src/relay/relay.js';
import { RelayServer } from '../../src/relay/server.js';
import { startGitHubEmulator, type GitHubEmulator } from '../../src/sim/github/server.js';
import { startChain, waitFor, type Chain } from './chain.js';
import { dispatches, RELAY_TOKEN, REPOSITORY } from './support.js';

let gh: GitHubEmulator | undefined;
let relay: Relay | undefined;
let server: RelayServer | undefined;
let chain: Chain | undefined;

beforeAll(async () => {
  gh = await startGitHubEmulator({ repos: [REPOSITORY], budget: 1_000_000 });
  const { octokit } = createGitHubClient({
    token: 'ghs_relay_chain',
    baseUrl: gh.url,
    retries: 0,
    writeIntervalMs: 0,
    notificationIntervalMs: 0,
    retryUnitMs: 1,
    warn: () => {},
  });
  relay = new Relay({ octokit, repository: REPOSITORY, clock: systemClock, log: silentLog });
  server = await new RelayServer({
    relay,
    tokens: [RELAY_TOKEN],
    log: silentLog,
    clock: systemClock,
    perClientPerMinute: 1_000,
    cluster: 'homelab',
  }).listen(0);
  relay.start();
  chain = await startChain({
    scenario: 'registry-outage',
    webhookUrl: `${server.url}/alertmanager`,
    token: RELAY_TOKEN,
    scrapeRelay: new URL(server.url).host,
  });
});

afterAll(async () => {
  await chain?.stop();
  relay?.deliverer.stop();
  await server?.close();
  await gh?.close();
});

/** What GitHub received for the storefront's KubePodNotReady, in order. */
const shopDispatches = () =>
  dispatches(gh!).filter((d) => {
    const text = JSON.stringify(d.clientPayload);
    return text.includes('KubePodNotReady') && text.includes('"pod":"storefront-');
  });

/** Each dispatch GitHub received, through intake's stage in this process, as the alert workflow would. */
async function intakeAll(seen: number): Promise<number> {
  const { octokit, stats } = createGitHubClient({
    token: 'ghs_intake_in_process',
    baseUrl: gh!.url,
    writeIntervalMs: 0,
    notificationIntervalMs: 0,
    retryUnitMs: 1,
    warn: () => {},
  });
  const [owner = '', repo = ''] = REPOSITORY.split('/');
  const context: UpsertContext = {
    octokit,
    stats,
    owner,
    repo,
    base: { branch: undefined, sha: undefined },
    mode: 'pr',
    config: INTAKE_DEFAULTS,
    labels: [],
    backoffMs: 1,
    log: { info: () => {}, warning: () => {} },
  };
  const all = dispatches(gh!);
  for (const { clientPayload } of all.slice(seen))
    await runIntake(
      {
        payload: { event_type: 'kubemend-alert', client_payload: clientPayload },
        retry: undefined,
        cluster: undefined,
        config: INTAKE_DEFAULTS,
      },
      context,
    );
  return all.length;
}

it('Alertmanager → kubemend relay → GitHub → intake: one incident for the outage, firing then resolved', async () => {
  await waitFor(
    'a firing KubePodNotReady dispatch',
    () => shopDispatches().find((d) => !JSON.stringify(d.clientPayload).includes('"resolved"')),
    180_000,
  );
  let seen = await intakeAll(0);
  const incidents = () => [...gh!.repo(REPOSITORY).issues.values()];
  const outage = incidents().filter((i) => i.title.includes('KubePodNotReady shop storefront'));
  expect(outage.map((i) => i.title)).toEqual([
    '[warning] homelab: KubePodNotReady shop storefront',
  ]);

  await chain!.control('facts', { registries: { 'docker.io': 'ok' } });
  await chain!.control('clock', { advance: '5m' });
  await waitFor(
    'a resolved KubePodNotReady dispatch',
    () => shopDispatches().find((d) => JSON.stringify(d.clientPayload).includes('"resolved"')),
    180_000,
  );
  seen = await intakeAll(seen);
  // Still one incident for the storefront, and its record is resolved at the source.
  const after = incidents().filter((i) => i.title.includes('KubePodNotReady shop storefront'));
  expect(after).toHaveLength(1);
  const branch = after[0]!.pull?.headRef ?? '';
  const path = `alerts/incoming/${branch.split('/')[1]}/${branch.split('/')[2]}.yaml`;
  const record = parseRecord(gh!.repo(REPOSITORY).readFile(branch, path) ?? '');
  expect(record?.status).toBe('resolved');
  expect(record?.occurrences).toBeGreaterThanOrEqual(2);
  expect(seen).toBeGreaterThanOrEqual(2);

  // The real Prometheus scraped the relay's own /metrics and read what it dispatched.
  const dispatched = await waitFor(
    "Prometheus to read the relay's dispatch count",
    async () => {
      const query = encodeURIComponent(
        'sum(kubemend_relay_dispatches_total{job="kubemend-relay"})',
      );
      const response = await fetch(`${chain!.prometheusUrl}/api/v1/query?query=${query}`);
      const body = (await response.json()) as { data: { result: { value: [number, string] }[] } };
      const value = Number(body.data.result[0]?.value[1] ?? 0);
      return value >= seen ? value : undefined;
    },
    60_000,
  );
  expect(dispatched).toBeLessThanOrEqual(dispatches(gh!).length);
});
