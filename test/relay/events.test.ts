// The event watcher's pure decisions: the namespace selector, occurrences, and the
// bounded, redacted payload an event becomes.
import { KubeConfig, type CoreV1Event, type V1Pod } from '@kubernetes/client-node';
import { systemClock } from '../../src/relay/clock.js';
import {
  ENRICH_LIMITS,
  eventOffer,
  eventPayload,
  labelMatcher,
  logContainerOf,
  podContext,
  SeenEvents,
} from '../../src/relay/events.js';
import { EventWatcher } from '../../src/relay/watcher.js';

const event = (over: Partial<CoreV1Event> = {}): CoreV1Event => ({
  metadata: { name: 'api.1', namespace: 'shop', uid: 'u-1', resourceVersion: '10' },
  involvedObject: { kind: 'Pod', name: 'api-7d9f8b6c4-xk2pq', namespace: 'shop' },
  type: 'Warning',
  reason: 'BackOff',
  message: 'Back-off restarting failed container api',
  count: 1,
  ...over,
});

describe('namespace selector', () => {
  it('holds when every requirement holds: equality, inequality, existence and absence', () => {
    const match = labelMatcher('kubemend.io/watch=true, team!=legacy, tier, !skip', 'selector');
    expect(match({ 'kubemend.io/watch': 'true', tier: 'web' })).toBe(true);
    expect(match({ 'kubemend.io/watch': 'true', tier: 'web', team: 'legacy' })).toBe(false);
    expect(match({ 'kubemend.io/watch': 'true', tier: 'web', skip: '' })).toBe(false);
    expect(match({ 'kubemend.io/watch': 'false', tier: 'web' })).toBe(false);
    expect(match(undefined)).toBe(false);
    expect(labelMatcher('a==b', 'selector')({ a: 'b' })).toBe(true);
  });

  it('reads set-based selectors too, and refuses a malformed one with a line naming the field and what is allowed', () => {
    expect(labelMatcher('team in (shop,pay)', 'selector')({ team: 'pay' })).toBe(true);
    expect(labelMatcher('team notin (shop)', 'selector')({ team: 'shop' })).toBe(false);
    for (const bad of ['=x', '!a=b', 'a=b c', 'env in prod'])
      expect(() => labelMatcher(bad, 'relay.events.namespace-selector')).toThrow(
        /^relay\.events\.namespace-selector ".*": cannot read .*; allowed: key=value, key!=value, key in \(a,b\), key notin \(a,b\), key, !key$/,
      );
  });
});

describe('occurrences', () => {
  it('offers an event once per count, again after a window, and keeps at most its bound', () => {
    const seen = new SeenEvents(1000, 2);
    expect(seen.offer(event(), 0)).toBe(true);
    expect(seen.offer(event({ message: 'changed' }), 10)).toBe(false);
    expect(seen.offer(event({ count: 2 }), 20)).toBe(true);
    expect(seen.offer(event({ count: 2 }), 1019)).toBe(false);
    expect(seen.offer(event({ count: 2 }), 1020)).toBe(true);
    seen.offer(event({ metadata: { uid: 'u-2' } }), 1030);
    seen.offer(event({ metadata: { uid: 'u-3' } }), 1040);
    expect(seen.size).toBe(2);
    expect(seen.offer(event({ count: 2 }), 1050)).toBe(true); // u-1 went first
  });
});

describe('event payload', () => {
  it("is intake's event shape with the message redacted", () => {
    const payload = eventPayload(
      event({
        message: 'pull failed: Authorization: Bearer ghp_abcdefghijklmnopqrstuvwxyz0123456789',
      }),
      'prod-eu',
    );
    expect(JSON.stringify(payload)).not.toContain('ghp_abcdefghijklmnopqrstuvwxyz0123456789');
    expect(eventOffer(payload, 'prod-eu').alert).toMatchObject({
      source: 'event',
      workload: 'Deployment/api',
      pod: 'api-7d9f8b6c4-xk2pq',
    });
  });

  it('bounds a pod context with long messages and a long log, and redacts a private key across lines', () => {
    const long = 'x'.repeat(5000);
    const pod: V1Pod = {
      metadata: { name: 'api-7d9f8b6c4-xk2pq', labels: { app: 'api' } },
      spec: { containers: [{ name: 'api' }], nodeName: 'worker-1' },
      status: {
        phase: 'Running',
        containerStatuses: Array.from({ length: 30 }, (_, i) => ({
          name: `c${i}`,
          image: 'ghcr.io/acme/api:2.0',
          imageID: '',
          restartCount: i,
          ready: false,
          state: { waiting: { reason: 'CrashLoopBackOff', message: long } },
          lastState: { terminated: { exitCode: 1, reason: 'Error', message: long } },
        })),
      },
    };
    const log = [
      ...Array.from({ length: 200 }, (_, i) => `line ${i} ${long}`),
      '-----BEGIN RSA PRIVATE KEY-----',
      'MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun',
      '-----END RSA PRIVATE KEY-----',
      'done',
    ].join('\n');
    const context = podContext(pod, { container: 'c29', previous: true, text: log });
    const text = JSON.stringify(context);
    expect(text.length).toBeLessThanOrEqual(ENRICH_LIMITS.contextBytes);
    expect(text).not.toContain('MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun');
    expect(context.containerStatuses).toHaveLength(ENRICH_LIMITS.containers);
    expect(context.logs?.lines.length ?? 0).toBeLessThanOrEqual(ENRICH_LIMITS.tailLines);
    expect(context.logs?.lines.at(-1)).toBe('done');
  });

  it('reads the log of the container the event names, or none when it never ran', () => {
    const status = (name: string, restartCount: number, running: boolean) => ({
      name,
      image: 'i',
      imageID: '',
      restartCount,
      ready: false,
      state: running ? { running: {} } : { waiting: { reason: 'ContainerCreating' } },
      lastState: restartCount ? { terminated: { exitCode: 1 } } : {},
    });
    const pod: V1Pod = {
      spec: { containers: [{ name: 'api' }, { name: 'proxy' }] },
      status: { containerStatuses: [status('api', 3, false), status('proxy', 0, true)] },
    };
    expect(logContainerOf(event(), pod)).toEqual({ container: 'api', previous: true });
    const named = event({
      involvedObject: { kind: 'Pod', name: 'p', fieldPath: 'spec.containers{proxy}' },
    });
    expect(logContainerOf(named, pod)).toEqual({ container: 'proxy', previous: false });
    const pending: V1Pod = { status: { containerStatuses: [status('api', 0, false)] } };
    expect(logContainerOf(event(), pending)).toBeUndefined();
  });
});

describe('watcher settings', () => {
  it('refuses an empty reason list or a window that is not positive, naming the setting', () => {
    const kubeconfig = new KubeConfig();
    kubeconfig.loadFromClusterAndUser(
      { name: 'c', server: 'http://127.0.0.1:1', skipTLSVerify: false },
      { name: 'u' },
    );
    const io = { kubeconfig, offer: () => {}, clock: systemClock, log: () => {} };
    const base = { cluster: 'prod-eu', namespaceSelector: 'kubemend.io/watch=true' };
    expect(() => new EventWatcher({ ...base, reasons: [] }, io)).toThrow(
      'the event watcher reasons are []; allowed: a non-empty list of names (or "*")',
    );
    expect(() => new EventWatcher({ ...base, windowMs: 0 }, io)).toThrow(
      'the event watcher windowMs is 0; allowed: a positive number',
    );
    expect(() => new EventWatcher({ ...base, namespaceSelector: 'env in prod' }, io)).toThrow(
      /^the event namespace selector "env in prod": cannot read/,
    );
  });
});
