// `kubemend relay` as a process: arguments, environment, and a SIGTERM that drains.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../../src/cli/index.js';
import { relayCommand } from '../../src/cli/relay.js';
import { startGitHubEmulator, type GitHubEmulator } from '../../src/sim/github/server.js';
import { resourceForKind } from '../../src/sim/kube/resources.js';
import { loadScenario } from '../../src/sim/kube/scenario.js';
import { KubeEmulator } from '../../src/sim/kube/server.js';
import type { KObject } from '../../src/sim/kube/store.js';
import { dispatches, REPOSITORY, RELAY_TOKEN } from './support.js';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t) },
    out,
    err,
  };
}

/** Promise.withResolvers, which Node 20 lacks. */
function resolvers<T>() {
  let resolve: (value: T) => void = () => {};
  let reject: (error: unknown) => void = () => {};
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const ENV = { GITHUB_TOKEN: 'ghs_relay_cli', KUBEMEND_RELAY_TOKEN: RELAY_TOKEN };

describe('kubemend relay', () => {
  it.each([
    [[], /^kubemend relay: --listen HOST:PORT is required/],
    [
      ['--listen', '8080', '--repository', 'o/r'],
      /^kubemend relay: --listen "8080" is not HOST:PORT; /,
    ],
    [['--listen', '0.0.0.0:8080'], /^kubemend relay: --repository OWNER\/NAME is required\.$/],
    [['--listen', ':8080', '--repository', 'o/r'], /is not HOST:PORT/],
    [['--listen', '127.0.0.1:0', '--repository', 'nope'], /--repository "nope" is not OWNER\/NAME/],
    [
      ['--listen', '127.0.0.1:0', '--repository', 'o/r', '--port', '1'],
      /unknown option --port; allowed: --listen/,
    ],
    [
      ['--listen', '127.0.0.1:0', '--repository', 'o/r', '--cluster', 'a b'],
      /--cluster "a b" is not a cluster name/,
    ],
  ])('refuses %j with one line and exit 2', async (args, message) => {
    const { io, err } = capture();
    expect(await cli(['relay', ...args], { ...io, readStdin: () => Buffer.alloc(0) })).toBe(2);
    expect(err).toHaveLength(1);
    expect(err[0]?.trim()).toMatch(message);
    expect(err[0]!.trim().split('\n')).toHaveLength(1);
  });

  it.each([
    [{ KUBEMEND_RELAY_TOKEN: RELAY_TOKEN }, /^kubemend relay: GITHUB_TOKEN is empty; /],
    [
      { GITHUB_TOKEN: 'ghs_x' },
      /^kubemend relay: KUBEMEND_RELAY_TOKEN is empty; the relay refuses to start/,
    ],
  ])('refuses to start without its tokens (%j)', async (env, message) => {
    const { io } = capture();
    await expect(
      relayCommand(['--listen', '127.0.0.1:0', '--repository', REPOSITORY], io, {
        env,
        stopped: Promise.resolve(),
      }),
    ).rejects.toThrow(message);
  });

  it('refuses relay.events without --cluster, in one line', async () => {
    const { io } = capture();
    const config = join(mkdtempSync(join(tmpdir(), 'relay-cli-')), 'kubemend.yml');
    writeFileSync(config, 'relay:\n  events: { enabled: true }\n');
    await expect(
      relayCommand(
        ['--listen', '127.0.0.1:0', '--repository', REPOSITORY, '--config', config],
        io,
        {
          env: ENV,
          stopped: Promise.resolve(),
        },
      ),
    ).rejects.toThrow(/^kubemend relay: relay\.events\.enabled needs --cluster NAME/);
  });

  describe('against the GitHub emulator', () => {
    let gh: GitHubEmulator;
    beforeAll(async () => {
      gh = await startGitHubEmulator({ budget: 1_000_000 });
    });
    afterAll(async () => gh.close());

    it('relays an alert with intake.group-by and the relay section from the config, then drains and exits 0 when stopped', async () => {
      const { io, err } = capture();
      // One incident per cluster: a second title is a repeat of the first.
      const config = join(mkdtempSync(join(tmpdir(), 'relay-cli-')), 'kubemend.yml');
      writeFileSync(config, 'intake:\n  group-by: [cluster]\nrelay:\n  queue-capacity: 25\n');
      let stop = (): void => {};
      const stopped = new Promise<void>((resolve) => (stop = resolve));
      let url = '';
      const exited = resolvers<number>();
      const listening = new Promise<void>((resolve) => {
        void relayCommand(
          [
            '--listen',
            '127.0.0.1:0',
            '--repository',
            REPOSITORY,
            '--config',
            config,
            '--cluster',
            'lab',
          ],
          io,
          {
            env: { ...ENV, GITHUB_API_URL: gh.url, KUBEMEND_WRITE_INTERVAL_MS: '0' },
            stopped,
            onListening: (u) => {
              url = u;
              resolve();
            },
          },
        ).then(
          (code) => exited.resolve(code),
          (error: unknown) => exited.reject(error),
        );
      });
      await Promise.race([listening, exited.promise]);
      for (const title of ['Backup failed', 'Backup still failing', 'Backup still failing']) {
        const res = await fetch(`${url}/v1/alerts`, {
          method: 'POST',
          headers: { authorization: `Bearer ${RELAY_TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify({ title, message: 'password=hunter2 rejected' }),
        });
        expect(res.status).toBe(202);
      }
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics.split('\n')).toContain('kubemend_relay_queue_capacity 25');
      stop();
      expect(await exited.promise).toBe(0);
      // The repeat, held back, went out on the drain.
      expect(
        dispatches(gh).map((d) => [d.clientPayload.title, d.clientPayload.kubemend_occurrences]),
      ).toEqual([
        ['Backup failed', 1],
        ['Backup still failing', 2],
      ]);
      expect(dispatches(gh)[0]?.clientPayload).toEqual({
        title: 'Backup failed',
        message: 'password=hunter2 rejected',
        cluster: 'lab',
        kubemend_occurrences: 1,
      });
      const log = err.join('');
      for (const line of log.trim().split('\n'))
        expect(() => JSON.parse(line) as unknown).not.toThrow();
      expect(log).toContain('"message":"relay stopped"');
      expect(log).not.toContain(RELAY_TOKEN);
      expect(log).not.toContain('hunter2');
    });

    it('with relay.events on, relays a Warning event of a namespace that opted in, from $KUBECONFIG', async () => {
      const kube = await new KubeEmulator().listen();
      try {
        loadScenario(kube, {
          description: 'a namespace that opts in and one that does not',
          nodes: [{ name: 'worker-1', roles: ['worker'] }],
          objects: [
            {
              apiVersion: 'v1',
              kind: 'Namespace',
              metadata: { name: 'shop', labels: { 'kubemend.io/watch': 'true' } },
            },
            { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } },
          ],
          settleSeconds: 1,
        });
        const dir = mkdtempSync(join(tmpdir(), 'relay-events-'));
        writeFileSync(join(dir, 'kubeconfig'), kube.kubeconfig());
        writeFileSync(join(dir, 'kubemend.yml'), 'relay:\n  events: { enabled: true }\n');
        const before = dispatches(gh).length;
        const { io } = capture();
        let stop = (): void => {};
        const stopped = new Promise<void>((resolve) => (stop = resolve));
        const exited = resolvers<number>();
        const listening = new Promise<void>((resolve) => {
          relayCommand(
            [
              '--listen',
              '127.0.0.1:0',
              '--repository',
              REPOSITORY,
              '--config',
              join(dir, 'kubemend.yml'),
              '--cluster',
              'lab',
            ],
            io,
            {
              env: {
                ...ENV,
                GITHUB_API_URL: gh.url,
                KUBEMEND_WRITE_INTERVAL_MS: '0',
                KUBECONFIG: join(dir, 'kubeconfig'),
              },
              stopped,
              onListening: () => resolve(),
            },
          ).then(exited.resolve, exited.reject);
        });
        await Promise.race([listening, exited.promise]);
        const EVENT = resourceForKind('v1', 'Event')!;
        for (const namespace of ['other', 'shop'])
          kube.seed(EVENT, {
            apiVersion: 'v1',
            kind: 'Event',
            metadata: { name: `api.${namespace}`, namespace },
            involvedObject: {
              apiVersion: 'v1',
              kind: 'Pod',
              name: 'api-7d9f8b6c4-xk2pq',
              namespace,
            },
            reason: 'BackOff',
            message: 'Back-off restarting failed container app',
            type: 'Warning',
            count: 1,
            firstTimestamp: kube.clock.iso(),
            lastTimestamp: kube.clock.iso(),
            source: { component: 'kubelet', host: 'worker-1' },
          } as unknown as KObject);
        const deadline = Date.now() + 30_000;
        while (dispatches(gh).length === before && Date.now() < deadline)
          await new Promise((resolve) => setTimeout(resolve, 20));
        stop();
        expect(await exited.promise).toBe(0);
        const sent = dispatches(gh).slice(before);
        expect(sent).toHaveLength(1);
        expect(sent[0]?.clientPayload).toMatchObject({
          cluster: 'lab',
          involved_object: { kind: 'Pod', namespace: 'shop' },
        });
      } finally {
        await kube.close();
      }
    });
  });
});
