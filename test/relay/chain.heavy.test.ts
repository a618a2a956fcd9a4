// The real alerting chain's first half: the real Prometheus fires the shipped
// kube-prometheus rules over the Kubernetes emulator's kube-state-metrics series, the real
// Alertmanager delivers the webhook (bearer token, firing, then resolved once the
// simulated cluster recovers) to a receiver on loopback, and kubemend's own intake
// accepts what arrived. The receiver stands where `kubemend relay` will.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { normalisePayload } from '../../src/alerts/shapes.js';
import {
  findBinary,
  RECEIVER_FILE,
  RULE_RESOURCE_FILE,
  RULES_FILE,
  shortenedRules,
  startChain,
  testAlertmanagerConfig,
  waitFor,
  type Chain,
} from './chain.js';

interface Webhook {
  version: string;
  status: 'firing' | 'resolved';
  receiver: string;
  groupKey: string;
  groupLabels: Record<string, string>;
  alerts: {
    status: 'firing' | 'resolved';
    labels: Record<string, string>;
    annotations: Record<string, string>;
  }[];
}

const token = randomBytes(24).toString('hex');
const received: Webhook[] = [];
const refused: string[] = [];
let receiver: Server | undefined;
let chain: Chain | undefined;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.headers.authorization !== `Bearer ${token}`) {
        refused.push(`${req.method} ${req.url} authorization=${req.headers.authorization ?? ''}`);
        res.writeHead(401).end();
        return;
      }
      received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Webhook);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver!.listen(0, '127.0.0.1', resolve));
  const { port } = receiver.address() as AddressInfo;
  chain = await startChain({
    scenario: 'registry-outage',
    webhookUrl: `http://127.0.0.1:${port}/alertmanager`,
    token,
  });
});

afterAll(async () => {
  await chain?.stop();
  await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
});

/** The first webhook received for KubePodNotReady in `namespace` with `status`. */
function webhook(namespace: string, status: Webhook['status']): Webhook | undefined {
  return received.find(
    (w) =>
      w.status === status &&
      w.groupLabels.alertname === 'KubePodNotReady' &&
      w.groupLabels.namespace === namespace,
  );
}

/** Waits with a deadline; on timeout, says what did arrive and what Alertmanager logged. */
async function waitForWebhook(namespace: string, status: Webhook['status']): Promise<Webhook> {
  try {
    return await waitFor(
      `a ${status} KubePodNotReady webhook for ${namespace}`,
      () => webhook(namespace, status),
      180_000,
    );
  } catch (error) {
    const seen = received.map((w) => `${w.status} ${JSON.stringify(w.groupLabels)}`).join('\n');
    throw new Error(
      `${(error as Error).message}\nreceived:\n${seen}\nrefused: ${refused.length}\n${chain!.logTail('alertmanager')}`,
      { cause: error },
    );
  }
}

it('Alertmanager delivers KubePodNotReady for the outage, firing then resolved, and intake accepts both', async () => {
  const firing = await waitForWebhook('shop', 'firing');
  expect(firing.version).toBe('4');
  expect(firing.receiver).toBe('kubemend');
  const storefront = firing.alerts.filter((a) => a.labels.pod?.startsWith('storefront-'));
  // The Deployment's three pods wait on Docker Hub.
  expect(storefront).toHaveLength(3);
  for (const alert of storefront) {
    expect(alert.status).toBe('firing');
    expect(alert.labels).toMatchObject({
      alertname: 'KubePodNotReady',
      namespace: 'shop',
      severity: 'warning',
    });
    expect(alert.labels.pod).toMatch(/^storefront-[a-z0-9]+-[a-z0-9]{5}$/);
    expect(alert.annotations.runbook_url).toMatch(/kubepodnotready$/);
  }

  // Docker Hub answers again; the kubelets pull on their next try.
  await chain!.control('facts', { registries: { 'docker.io': 'ok' } });
  await chain!.control('clock', { advance: '5m' });
  const resolved = await waitForWebhook('shop', 'resolved');
  expect(resolved.alerts.filter((a) => a.labels.pod?.startsWith('storefront-'))).toHaveLength(3);
  expect(resolved.alerts.every((a) => a.status === 'resolved')).toBe(true);

  // Every request carried the token the receiver checks.
  expect(refused).toEqual([]);

  // kubemend's intake reads both as the relay will hand them on.
  for (const [body, status] of [
    [firing, 'firing'],
    [resolved, 'resolved'],
  ] as const) {
    const alerts = normalisePayload(body, { cluster: 'homelab' });
    const pods = alerts.filter((a) => a.pod?.startsWith('storefront-'));
    expect(pods).toHaveLength(3);
    for (const alert of pods) {
      expect(alert).toMatchObject({
        source: 'alertmanager',
        name: 'KubePodNotReady',
        cluster: 'homelab',
        status,
        namespace: 'shop',
        workload: 'Deployment/storefront',
        severity: 'warning',
      });
    }
  }
});

/** Runs a Prometheus tool; its output is the failure message when it refuses the file. */
function check(tool: string, args: string[]): { status: number | null; output: string } {
  const binary = findBinary(tool);
  if (!binary) throw new Error(`${tool} is not on PATH; run scripts/install-alerting.sh`);
  const run = spawnSync(binary, args, { encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

it('promtool and amtool accept the shipped rules and receiver, and the copies the test runs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubemend-chain-check-'));
  try {
    const shipped = check('promtool', ['check', 'rules', RULES_FILE]);
    expect(shipped.output).toContain('SUCCESS: 4 rules found');
    expect(shipped.status).toBe(0);
    writeFileSync(join(dir, 'rules.yml'), shortenedRules('1s'));
    expect(check('promtool', ['check', 'rules', join(dir, 'rules.yml')]).status).toBe(0);

    expect(check('amtool', ['check-config', RECEIVER_FILE])).toMatchObject({ status: 0 });
    writeFileSync(join(dir, 'token'), 'secret');
    writeFileSync(
      join(dir, 'alertmanager.yml'),
      testAlertmanagerConfig('http://127.0.0.1:9/alertmanager', join(dir, 'token')),
    );
    expect(check('amtool', ['check-config', join(dir, 'alertmanager.yml')])).toMatchObject({
      status: 0,
    });
    // The checks can fail: a rule without an expression is refused.
    writeFileSync(join(dir, 'bad.yml'), 'groups:\n  - name: x\n    rules:\n      - alert: X\n');
    expect(check('promtool', ['check', 'rules', join(dir, 'bad.yml')]).status).not.toBe(0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it('the PrometheusRule carries the same groups as the plain rule file', () => {
  const plain = load(readFileSync(RULES_FILE, 'utf8')) as { groups: unknown[] };
  const resource = load(readFileSync(RULE_RESOURCE_FILE, 'utf8')) as {
    kind: string;
    spec: { groups: unknown[] };
  };
  expect(resource.kind).toBe('PrometheusRule');
  expect(resource.spec.groups).toEqual(plain.groups);
});
