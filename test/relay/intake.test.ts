// From alerts to incidents: what the relay dispatches, run through intake's own stage
// in this process, opens incidents whose occurrence counts add up to the alerts sent.
import { identityOf } from '../../src/alerts/identity.js';
import { normalisePayload } from '../../src/alerts/shapes.js';
import { INTAKE_DEFAULTS } from '../../src/config/config.js';
import { createGitHubClient } from '../../src/github/client.js';
import { parseRecord } from '../../src/incidents/record.js';
import { runIntake } from '../../src/incidents/stage.js';
import type { UpsertContext } from '../../src/incidents/upsert.js';
import { dispatches, post, REPOSITORY, startRelay, webhook, type Harness } from './support.js';

describe('the relay feeding intake', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('opens and resolves one incident per problem from 1,000 alerts in 40 dispatches, their occurrences adding up to 1,000', async () => {
    h = await startRelay();
    for (let i = 0; i < 1000; i++) {
      if (i > 0) {
        await h.clock.advance(600);
        h.relay.tick();
      }
      const status = i >= 980 ? 'resolved' : 'firing';
      await post(
        `${h.server.url}/alertmanager`,
        webhook([{ alertname: `Problem${i % 20}`, status }]),
      );
    }
    const draining = h.relay.drain(60_000);
    await h.clock.advance(60_000);
    expect(await draining).toBe(true);

    const { octokit, stats } = createGitHubClient({
      token: 'ghs_intake_in_process',
      baseUrl: h.gh.url,
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
    expect(dispatches(h.gh).length).toBeLessThanOrEqual(40);
    const identities = new Map<string, ReturnType<typeof identityOf>>();
    for (const { clientPayload } of dispatches(h.gh)) {
      const payload = { event_type: 'kubemend-alert', client_payload: clientPayload };
      const outcome = await runIntake(
        { payload, retry: undefined, cluster: undefined, config: INTAKE_DEFAULTS },
        context,
      );
      expect(outcome.results).toHaveLength(1);
      const [alert] = normalisePayload(payload, { cluster: undefined });
      const identity = identityOf(alert!, INTAKE_DEFAULTS.groupBy);
      identities.set(identity.key, identity);
    }
    expect(identities.size).toBe(20);
    const records = [...identities.values()].map((identity) =>
      parseRecord(h!.gh.repo(REPOSITORY).readFile(identity.branch, identity.recordPath) ?? ''),
    );
    expect(records.map((r) => r?.status)).toEqual(Array.from({ length: 20 }, () => 'resolved'));
    const counts = records.map((r) => r?.occurrences ?? 0);
    expect(counts).toEqual(Array.from({ length: 20 }, () => 50));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(1000);
  });
});
