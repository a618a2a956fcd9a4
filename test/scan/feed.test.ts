// What the sweep's scan hands intake (src/scan/feed.ts), decided from findings and the
// open incidents' records alone: which findings are fed, under which title, and which
// scan-started incidents are resolved at the source.
import { incidentKey } from '../../src/alerts/identity.js';
import { newRecord } from '../../src/incidents/record.js';
import { identityOf } from '../../src/alerts/identity.js';
import { ANALYZERS } from '../../src/scan/analyzers.js';
import { findingAlert, planFeed, registryOutage, type OpenIncident } from '../../src/scan/feed.js';
import { ignoreRules } from '../../src/scan/ignore.js';
import { parseSelector } from '../../src/shared/selector.js';
import type { Finding } from '../../src/scan/scan.js';
import { ANALYZER_NAMES, SCAN_DEFAULTS } from '../../src/scan/settings.js';

const NOW = Date.parse('2026-11-22T03:00:00Z');
const MINUTE = 60_000;

const finding = (over: Partial<Finding> = {}): Finding => ({
  analyzer: 'crash-loop',
  category: 'crash-loop',
  severity: 'critical',
  cluster: 'homelab',
  namespace: 'shop',
  target: { kind: 'Deployment', name: 'checkout' },
  evidence: ['pod checkout-7d9f8b6c4-xk2pq: container app: CrashLoopBackOff: back-off 5m0s'],
  ...over,
});

const pull = (name: string, error: string): Finding =>
  finding({
    analyzer: 'image-pull',
    category: 'image-pull',
    target: { kind: 'Deployment', name },
    evidence: [
      `pod ${name}-5z82b55nq8-m6gkf: container web: ImagePullBackOff: Back-off pulling image "nginx:1.27.3": ErrImagePull: ${error}`,
    ],
  });

/** An open incident intake would have recorded for these findings, last seen `ago` ms before NOW. */
function incidentFor(findings: Finding[], ago: number, number = 7): OpenIncident {
  const alerts = findings.map((f) => findingAlert(f, new Date(NOW - ago).toISOString()));
  const record = newRecord(identityOf(alerts[0]!), alerts, new Date(NOW - ago).toISOString());
  return { number, record };
}

const options = (open: OpenIncident[] = [], complete = ANALYZER_NAMES as readonly string[]) => ({
  cluster: 'homelab',
  config: SCAN_DEFAULTS,
  groupBy: ['cluster', 'title'] as const,
  open,
  complete: new Set(complete),
  now: NOW,
});
const none = () => false;

describe('the scan feeds intake', () => {
  it('keeps the analyzer table in the order and names the config lists', () => {
    expect(ANALYZERS.map((a) => a.name)).toEqual([...ANALYZER_NAMES]);
  });

  it('a finding no incident knows, as a firing scan alert titled by its target and analyzer', () => {
    const plan = planFeed([finding()], none, options());
    expect(plan.alerts.map((a) => [a.source, a.status, a.title, a.workload])).toEqual([
      ['scan', 'firing', 'Deployment shop/checkout is crash-looping', 'Deployment/checkout'],
    ]);
  });

  it('one title for workloads failing on the same unreachable registry, each its own for a missing tag', () => {
    const down = 'dial tcp: lookup registry-1.docker.io: no such host';
    expect(registryOutage(pull('storefront', down))).toBe('docker.io');
    const outage = planFeed([pull('storefront', down), pull('cart', down)], none, options());
    expect(new Set(outage.alerts.map((a) => a.title))).toEqual(
      new Set(['Image pulls from docker.io are failing']),
    );
    const tags = planFeed(
      [pull('storefront', 'manifest unknown'), pull('cart', 'manifest unknown')],
      none,
      options(),
    );
    expect(tags.alerts.map((a) => a.title)).toEqual([
      'Deployment shop/storefront cannot pull its image',
      'Deployment shop/cart cannot pull its image',
    ]);
  });

  it("joins an open incident naming the same target under that incident's title, so the keys agree", () => {
    const alertStarted = incidentFor([finding()], 2 * 60 * MINUTE);
    alertStarted.record.title = 'KubePodCrashLooping shop checkout';
    alertStarted.record.key = 'cluster=homelab\ntitle=kubepodcrashlooping shop checkout';
    alertStarted.record.source = 'alertmanager';
    const plan = planFeed([finding()], none, options([alertStarted]));
    expect(plan.alerts).toHaveLength(1);
    expect(incidentKey(plan.alerts[0]!, ['cluster', 'title'])).toBe(alertStarted.record.key);
  });

  it("keeps a finding in its own incident when a later alert's incident names the same target", () => {
    const own = incidentFor([finding()], 61 * MINUTE, 3);
    const later = incidentFor([finding()], 5 * MINUTE, 9);
    later.record.title = 'KubePodCrashLooping shop checkout';
    later.record.key = 'cluster=homelab\ntitle=kubepodcrashlooping shop checkout';
    later.record.source = 'alertmanager';
    const plan = planFeed([finding()], none, options([later, own]));
    expect(plan.alerts.map((a) => incidentKey(a, ['cluster', 'title']))).toEqual([own.record.key]);
  });

  it('does not feed a finding still firing in its incident until repeat-interval has passed', () => {
    const fresh = planFeed([finding()], none, options([incidentFor([finding()], 10 * MINUTE)]));
    expect(fresh).toMatchObject({ alerts: [], unchanged: 1 });
    const due = planFeed([finding()], none, options([incidentFor([finding()], 61 * MINUTE)]));
    expect(due).toMatchObject({ unchanged: 0 });
    expect(due.alerts.map((a) => a.status)).toEqual(['firing']);
  });

  it('resolves a scan-started incident whose analyzer ran whole and found nothing', () => {
    const open = [incidentFor([finding()], 10 * MINUTE)];
    const gone = planFeed([], none, options(open));
    expect(gone.resolved).toBe(1);
    expect(gone.alerts.map((a) => [a.status, a.title])).toEqual([
      ['resolved', 'Deployment shop/checkout is crash-looping'],
    ]);
    // The analyzer could not list its kinds (RBAC, a kind not installed): silence says nothing.
    expect(planFeed([], none, options(open, [])).alerts).toEqual([]);
  });

  it('resolves only the targets of an outage incident that the scan no longer finds', () => {
    const down = 'dial tcp: lookup registry-1.docker.io: no such host';
    const open = [incidentFor([pull('storefront', down), pull('cart', down)], 10 * MINUTE)];
    const plan = planFeed([pull('cart', down)], none, options(open));
    expect(plan.alerts.map((a) => [a.status, a.workload])).toEqual([
      ['resolved', 'Deployment/storefront'],
    ]);
    expect(plan.unchanged).toBe(1);
  });

  it('never resolves an incident an alert started, nor one in a namespace the scan did not look at', () => {
    const alertStarted = incidentFor([finding()], 10 * MINUTE);
    alertStarted.record.source = 'alertmanager';
    expect(planFeed([], none, options([alertStarted])).alerts).toEqual([]);
    const elsewhere = planFeed([], none, {
      ...options([incidentFor([finding()], 10 * MINUTE)]),
      config: { ...SCAN_DEFAULTS, namespaces: ['payments'] },
    });
    expect(elsewhere.alerts).toEqual([]);
  });

  it('feeds neither ignored findings nor those below the severity floor', () => {
    const info = finding({ analyzer: 'events', severity: 'info' });
    const plan = planFeed([finding(), info], () => true, options());
    expect(plan).toMatchObject({ alerts: [], ignored: 2 });
    const floor = planFeed([info], none, options());
    expect(floor).toMatchObject({ alerts: [], belowFloor: 1 });
  });
});

describe('scan ignore rules', () => {
  const found = (labels: Record<string, string>, over: Partial<Finding> = {}) => ({
    ...finding(over),
    labels,
  });

  it('match when every field a rule gives matches: namespace, kind, analyzer, name pattern, selector', () => {
    const ignored = ignoreRules([
      { namespace: 'shop', name: 'canary-*' },
      { analyzer: 'events', kind: 'Deployment' },
      { selector: 'env in (dev,test),!critical' },
    ]);
    expect(ignored(found({}, { target: { kind: 'Deployment', name: 'canary-web' } }))).toBe(true);
    expect(ignored(found({}, { target: { kind: 'Deployment', name: 'web' } }))).toBe(false);
    expect(ignored(found({}, { analyzer: 'events' }))).toBe(true);
    expect(ignored(found({ env: 'dev' }))).toBe(true);
    expect(ignored(found({ env: 'dev', critical: 'yes' }))).toBe(false);
    expect(ignored(found({ env: 'prod' }))).toBe(false);
  });

  it('read selectors with the Kubernetes grammar and refuse what it cannot say, naming the part', () => {
    expect(parseSelector('app=web, tier!=db,env notin (prod)')).toEqual([
      { key: 'app', op: 'in', values: ['web'] },
      { key: 'tier', op: 'notin', values: ['db'] },
      { key: 'env', op: 'notin', values: ['prod'] },
    ]);
    expect(() => parseSelector('app=>web')).toThrow(/cannot read "app=>web"; allowed: key=value/);
  });
});
