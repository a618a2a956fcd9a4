// The relay's event watcher against the Kubernetes emulator with the real client-node
// informer: namespace opt-in, filters, enrichment, and resuming after a 410 Expired and
// an API server restart without repeating or losing events.
import { AppsV1Api, KubeConfig } from '@kubernetes/client-node';
import { normalisePayload } from '../../src/alerts/shapes.js';
import type { RelayClock } from '../../src/relay/clock.js';
import type { Offer } from '../../src/relay/grouper.js';
import { silentLog } from '../../src/relay/log.js';
import { EventWatcher, type WatcherSettings } from '../../src/relay/watcher.js';
import { resourceForKind } from '../../src/sim/kube/resources.js';
import { loadScenario } from '../../src/sim/kube/scenario.js';
import { KubeEmulator } from '../../src/sim/kube/server.js';
import type { KObject } from '../../src/sim/kube/store.js';
import { dispatches, startRelay } from './support.js';

const NAMESPACE = resourceForKind('v1', 'Namespace')!;
const EVENT = resourceForKind('v1', 'Event')!;
const LABEL = 'kubemend.io/watch';
const MINUTE = 60_000;

let kube: KubeEmulator;
let kc: KubeConfig;
const watchers: EventWatcher[] = [];

beforeEach(async () => {
  kube = await new KubeEmulator().listen();
  loadScenario(kube, {
    description: 'one worker, a labelled namespace and an unlabelled one',
    nodes: [{ name: 'worker-1', roles: ['worker'] }],
    objects: [
      {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: 'shop', labels: { [LABEL]: 'true' } },
      },
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } },
    ],
    settleSeconds: 1,
  });
  kc = new KubeConfig();
  kc.loadFromString(kube.kubeconfig());
});

afterEach(async () => {
  for (const w of watchers.splice(0)) await w.stop();
  await kube.close();
});

/** The watcher's time is the cluster's (events carry its timestamps); retries wait for real. */
function clock(): RelayClock {
  return {
    now: () => kube.clock.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms).unref()),
  };
}

async function watching(
  settings: Partial<WatcherSettings> = {},
  offered: Offer[] = [],
): Promise<{ watcher: EventWatcher; offered: Offer[] }> {
  const watcher = new EventWatcher(
    {
      cluster: 'prod-eu',
      namespaceSelector: `${LABEL}=true`,
      retryBaseMs: 20,
      retryCapMs: 200,
      ...settings,
    },
    { kubeconfig: kc, offer: (o) => offered.push(o), clock: clock(), log: silentLog },
  );
  watchers.push(watcher);
  await watcher.start();
  return { watcher, offered };
}

/** Polls until `check` gives something: no sleeping as an assertion, a generous limit. */
async function until<T>(what: string, check: () => T | undefined | false): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Records a Warning event the way the event recorder does. */
function warning(
  name: string,
  involved: { kind: string; name: string; namespace?: string },
  reason: string,
  message = `${reason} on ${involved.name}`,
  type = 'Warning',
): void {
  kube.seed(EVENT, {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name, namespace: involved.namespace ?? 'default' },
    involvedObject: { apiVersion: 'v1', ...involved },
    reason,
    message,
    type,
    count: 1,
    firstTimestamp: kube.clock.iso(),
    lastTimestamp: kube.clock.iso(),
    source: { component: 'kubelet', host: 'worker-1' },
  } as unknown as KObject);
}

/** The recorder saw the event again: its count rises. */
function repeat(namespace: string, name: string): void {
  const current = kube.store.get(EVENT, namespace, name) as unknown as { count: number };
  kube.patchObject(EVENT, namespace, name, {
    count: current.count + 1,
    lastTimestamp: kube.clock.iso(),
  });
}

const pod = (name: string, namespace = 'shop') => ({ kind: 'Pod', name, namespace });
const names = (offers: Offer[]) =>
  offers.map((o) => `${o.alert.name} ${o.alert.pod ?? o.alert.workload}`);
const has = (offers: Offer[], pod: string) => offers.filter((o) => o.alert.pod === pod);

/** Restarts the API server on its port with its store: clients see a dropped connection. */
async function restartApiServer(whileDown: () => void = () => {}): Promise<void> {
  const port = Number(new URL(kube.url).port);
  await kube.close();
  whileDown();
  await kube.listen(port);
}

describe('event watcher', () => {
  it("offers Warning events from labelled namespaces only, as intake's event payload for the owner workload", async () => {
    const { watcher, offered } = await watching();
    expect(watcher.namespaces).toEqual(['shop']);
    warning('a.1', pod('cart-6d8f7c9b5-x2x9k', 'other'), 'BackOff');
    warning('b.1', pod('checkout-5c8b9d7f6-q2w4z'), 'Pulled', 'Successfully pulled', 'Normal');
    warning(
      'c.1',
      pod('checkout-5c8b9d7f6-q2w4z'),
      'BackOff',
      'Back-off restarting failed container',
    );
    const [offer] = await until('the shop event', () => offered.length > 0 && offered);
    expect(offered).toHaveLength(1);
    expect(offer!.source).toBe('events');
    expect(offer!.payload).toMatchObject({
      cluster: 'prod-eu',
      event: { type: 'Warning', reason: 'BackOff', count: 1 },
      involved_object: { kind: 'Pod', name: 'checkout-5c8b9d7f6-q2w4z', namespace: 'shop' },
    });
    expect(offer!.alert).toMatchObject({
      source: 'event',
      cluster: 'prod-eu',
      namespace: 'shop',
      workload: 'Deployment/checkout',
      title: 'BackOff Pod/shop/checkout',
    });

    // Labelling a namespace opts it in from then on; unlabelling opts it out.
    kube.patchObject(NAMESPACE, undefined, 'other', { metadata: { labels: { [LABEL]: 'true' } } });
    await until('other opted in', () => watcher.namespaces.includes('other'));
    warning('a.2', pod('cart-6d8f7c9b5-x2x9k', 'other'), 'Unhealthy');
    await until('the other event', () => has(offered, 'cart-6d8f7c9b5-x2x9k').length > 0);
    kube.patchObject(NAMESPACE, undefined, 'other', { metadata: { labels: { [LABEL]: 'no' } } });
    await until('other opted out', () => !watcher.namespaces.includes('other'));
    warning('a.3', pod('cart-6d8f7c9b5-x2x9k', 'other'), 'FailedMount');
    await until('the event skipped', () => watcher.stats.skipped.namespace === 2);
    expect(names(offered)).toEqual([
      'BackOff checkout-5c8b9d7f6-q2w4z',
      'Unhealthy cart-6d8f7c9b5-x2x9k',
    ]);
  });

  it('offers nothing while no namespace carries the label', async () => {
    const { watcher, offered } = await watching({ namespaceSelector: `${LABEL}=yes` });
    warning('c.1', pod('checkout-5c8b9d7f6-q2w4z'), 'BackOff');
    await until('the event skipped', () => watcher.stats.skipped.namespace === 1);
    expect(watcher.namespaces).toEqual([]);
    expect(offered).toEqual([]);
  });

  it('takes only the configured reasons and kinds, and Node events only when cluster-scoped events are on', async () => {
    const { watcher, offered } = await watching({
      reasons: ['BackOff', 'Rebooted'],
      kinds: ['Pod', 'Node'],
    });
    const all = await watching({ clusterScoped: true });
    warning('x.1', pod('api-7d9f8b6c4-xk2pq'), 'FailedScheduling');
    warning('x.2', { kind: 'Deployment', name: 'api', namespace: 'shop' }, 'BackOff');
    warning(
      'x.3',
      { kind: 'Node', name: 'worker-1' },
      'Rebooted',
      'Node worker-1 has been rebooted',
    );
    warning('x.4', pod('api-7d9f8b6c4-xk2pq'), 'BackOff');
    await until('the pod BackOff', () => offered.length > 0);
    await until('all four on the other watcher', () => all.offered.length === 4);
    expect(names(offered)).toEqual(['BackOff api-7d9f8b6c4-xk2pq']);
    expect(watcher.stats.skipped).toMatchObject({ reason: 1, kind: 1, 'cluster-scoped': 1 });
    expect(names(all.offered)).toEqual([
      'FailedScheduling api-7d9f8b6c4-xk2pq',
      'BackOff Deployment/api',
      'Rebooted Node/worker-1',
      'BackOff api-7d9f8b6c4-xk2pq',
    ]);
    expect(all.offered[2]!.alert).toMatchObject({ namespace: undefined, node: 'worker-1' });
  });

  it('enriches a crash-looping pod with its container states and the redacted tail of its previous log, reading the pod once per window', async () => {
    kube.sim.facts.images['ghcr.io/acme/api:2.0'] = {
      crash: { exitCode: 2, message: 'panic: config key "db.url" missing' },
      logs: [
        'api 2.0 starting',
        'connecting to postgres://app:Sup3rS3cretPassw0rd@db.shop:5432/orders',
        'DB_PASSWORD=hunter2-hunter2-hunter2',
      ],
    };
    const { watcher, offered } = await watching();
    const apps = kc.makeApiClient(AppsV1Api);
    await apps.createNamespacedDeployment({
      namespace: 'shop',
      body: {
        metadata: { name: 'api' },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'api' } },
          template: {
            metadata: { labels: { app: 'api' } },
            spec: { containers: [{ name: 'api', image: 'ghcr.io/acme/api:2.0' }] },
          },
        },
      },
    });
    kube.advance(30_000);
    const offer = await until('a BackOff offer', () =>
      offered.find((o) => o.alert.name === 'BackOff'),
    );
    const context = (offer.payload as { context: Record<string, unknown> }).context;
    expect(offer.alert.workload).toBe('Deployment/api');
    expect(context).toMatchObject({
      ownerReferences: [{ kind: 'ReplicaSet' }],
      nodeName: 'worker-1',
      containerStatuses: [
        {
          name: 'api',
          state: { waiting: { reason: 'CrashLoopBackOff' } },
          lastState: { terminated: { exitCode: 2 } },
        },
      ],
      logs: { container: 'api', previous: true },
    });
    const text = JSON.stringify(offer.payload);
    expect(text).toContain('panic: config key \\"db.url\\" missing');
    expect(text).toContain('[redacted]');
    expect(text).not.toContain('Sup3rS3cretPassw0rd');
    expect(text).not.toContain('hunter2-hunter2-hunter2');
    // Intake reads the container states as facts: the exit code reaches the record.
    expect(offer.alert.details).toMatchObject({
      context: { containerStatuses: [{ name: 'api' }] },
    });

    // More crashes within the window: new occurrences, no new reads of the pod.
    const podName = offer.alert.pod!;
    const reads = () =>
      kube.log.filter((e) => e.verb === 'get' && e.resource === 'pods' && e.name === podName)
        .length;
    expect(reads()).toBe(1);
    const before = has(offered, podName).filter((o) => o.alert.name === 'BackOff').length;
    kube.advance(MINUTE);
    await until(
      'another BackOff occurrence',
      () => has(offered, podName).filter((o) => o.alert.name === 'BackOff').length > before,
    );
    expect(reads()).toBe(1);
    expect(watcher.stats.podReads).toBe(1);
  });

  it('offers an event again only when its count rose, not when it merely changed', async () => {
    const { watcher, offered } = await watching();
    warning('a.1', pod('web-7d9f8b6c4-aaaaa'), 'BackOff');
    await until('a offered', () => offered.length === 1);
    kube.patchObject(EVENT, 'shop', 'a.1', { metadata: { annotations: { touched: 'yes' } } });
    await until('the change seen', () => watcher.stats.duplicates === 1);
    repeat('shop', 'a.1');
    await until('the repeat offered', () => offered.length === 2);
    expect(offered.map((o) => o.alert.details.count)).toEqual([1, 2]);
    expect(watcher.stats.duplicates).toBe(1);
  });

  it('relists after a 410 Expired (history compacted while the API server was down) without repeating offered events or losing new ones', async () => {
    const { watcher, offered } = await watching();
    warning('a.1', pod('web-7d9f8b6c4-aaaaa'), 'BackOff');
    warning('b.1', pod('web-7d9f8b6c4-bbbbb'), 'Unhealthy');
    await until('both offered', () => offered.length === 2);
    expect(watcher.stats.lists).toBe(1);

    await restartApiServer(() => {
      warning('c.1', pod('web-7d9f8b6c4-ccccc'), 'FailedMount');
      repeat('shop', 'b.1'); // b happened again meanwhile: a new occurrence
      kube.compact();
    });
    await until('the new event offered', () => has(offered, 'web-7d9f8b6c4-ccccc').length === 1);
    await until('the repeat offered', () => has(offered, 'web-7d9f8b6c4-bbbbb').length === 2);
    expect(watcher.stats.lists).toBe(2); // the 410 made it relist
    // A marker after the relist: everything before it has been offered or dropped by now.
    warning('d.1', pod('web-7d9f8b6c4-ddddd'), 'BackOff');
    await until('the marker', () => has(offered, 'web-7d9f8b6c4-ddddd').length === 1);
    expect(names(offered)).toEqual([
      'BackOff web-7d9f8b6c4-aaaaa',
      'Unhealthy web-7d9f8b6c4-bbbbb',
      // The relist's news, in the list's (key) order.
      'Unhealthy web-7d9f8b6c4-bbbbb',
      'FailedMount web-7d9f8b6c4-ccccc',
      'BackOff web-7d9f8b6c4-ddddd',
    ]);
    expect(has(offered, 'web-7d9f8b6c4-bbbbb').map((o) => o.alert.details.count)).toEqual([1, 2]);
  });

  it('resumes its watch after an API server restart from where it was, with no relist, no repeat and no loss', async () => {
    const { watcher, offered } = await watching();
    warning('a.1', pod('web-7d9f8b6c4-aaaaa'), 'BackOff');
    await until('a offered', () => offered.length === 1);
    await restartApiServer(() => warning('b.1', pod('web-7d9f8b6c4-bbbbb'), 'BackOff'));
    await until('b offered', () => offered.length === 2);
    warning('c.1', pod('web-7d9f8b6c4-ccccc'), 'BackOff');
    await until('c offered', () => offered.length === 3);
    expect(names(offered)).toEqual([
      'BackOff web-7d9f8b6c4-aaaaa',
      'BackOff web-7d9f8b6c4-bbbbb',
      'BackOff web-7d9f8b6c4-ccccc',
    ]);
    expect(watcher.stats.lists).toBe(1);
    expect(watcher.stats.failures).toBeGreaterThan(0);
  });

  it('a new watcher resumes from the resourceVersion of the last one; from a compacted one it takes only the last window from its list', async () => {
    const first = await watching();
    warning('old.1', pod('web-7d9f8b6c4-aaaaa'), 'BackOff');
    await until('old offered', () => first.offered.length === 1);
    const resumeAt = first.watcher.resourceVersion;
    await first.watcher.stop();

    kube.advance(6 * MINUTE); // more than a window after the old event
    warning('new.1', pod('web-7d9f8b6c4-bbbbb'), 'BackOff');
    const resumed = await watching({ startFrom: resumeAt, windowMs: 5 * MINUTE });
    await until('new offered', () => resumed.offered.length === 1);
    expect(names(resumed.offered)).toEqual(['BackOff web-7d9f8b6c4-bbbbb']);
    expect(resumed.watcher.stats.lists).toBe(0); // resumed by watching, not listing

    kube.compact();
    const expired = await watching({ startFrom: resumeAt, windowMs: 5 * MINUTE });
    await until('the relist after 410', () => expired.watcher.stats.lists === 1);
    await until('new offered', () => expired.offered.length === 1);
    expect(names(expired.offered)).toEqual(['BackOff web-7d9f8b6c4-bbbbb']);
    expect(expired.watcher.stats.stale).toBe(1); // the old one: offered a window ago
  });

  it('becomes a repository_dispatch through the relay that intake accepts', async () => {
    const h = await startRelay();
    try {
      const offered: Offer[] = [];
      const watcher = new EventWatcher(
        { cluster: 'prod-eu', namespaceSelector: `${LABEL}=true` },
        {
          kubeconfig: kc,
          offer: (o) => {
            offered.push(o);
            h.relay.accept([o]);
          },
          clock: clock(),
          log: silentLog,
        },
      );
      watchers.push(watcher);
      await watcher.start();
      warning(
        'a.1',
        pod('checkout-5c8b9d7f6-q2w4z'),
        'BackOff',
        'Back-off restarting failed container',
      );
      await until('the offer', () => offered.length === 1);
      await until('the dispatch', () => dispatches(h.gh).length === 1);
      const [dispatch] = dispatches(h.gh);
      expect(dispatch!.clientPayload).toMatchObject({
        kubemend_occurrences: 1,
        event: { reason: 'BackOff' },
      });
      expect(normalisePayload(dispatch!.clientPayload, { cluster: undefined })[0]).toMatchObject({
        source: 'event',
        cluster: 'prod-eu',
        workload: 'Deployment/checkout',
      });
      expect(h.relay.grouper.counts.events.received).toBe(1);
      await until('the dispatch counted', () => h.relay.deliverer.dispatched.events === 1);
      h.relay.metrics.watch(() => watcher.stats);
      const metrics = await h.relay.metrics.render();
      expect(metrics).toContain('kubemend_relay_alerts_received_total{source="events"} 1');
      expect(metrics).toContain('kubemend_relay_dispatches_total{source="events"} 1');
      expect(metrics).toContain('kubemend_relay_watcher_offered_total 1');
      expect(metrics).toContain('kubemend_relay_watcher_namespaces 1');
    } finally {
      await h.close();
    }
  });
});
