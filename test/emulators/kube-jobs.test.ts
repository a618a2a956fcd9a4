// batch/v1 Jobs and CronJobs on the emulator, read with the real @kubernetes/client-node
// and kubectl: a Job runs its pods to completion, or fails at its backoff limit, by the
// facts of its image (how its process exits), never by a test setting status.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BatchV1Api, KubeConfig, type V1Job } from '@kubernetes/client-node';
import { findResource } from '../../src/sim/kube/resources.js';
import { loadScenario, type Scenario } from '../../src/sim/kube/scenario.js';
import { KubeEmulator } from '../../src/sim/kube/server.js';
import type { KObject } from '../../src/sim/kube/store.js';

const run = promisify(execFile);
const podResource = findResource('', 'v1', 'pods')!;

const job = (name: string, image: string, backoffLimit: number): KObject =>
  ({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: 'batch' },
    spec: {
      backoffLimit,
      template: {
        spec: { restartPolicy: 'Never', containers: [{ name: 'main', image }] },
      },
    },
  }) as KObject;

const cluster: Scenario = {
  description: 'one node; a nightly report that works and a migration that exits 1',
  facts: {
    images: {
      'example.com/report:1': { crash: { exitCode: 0, runSeconds: 20 } },
      'example.com/migrate:1': { crash: { exitCode: 1, runSeconds: 3, message: 'no such table' } },
    },
  },
  nodes: [{ name: 'node-1' }],
  settleSeconds: 0,
  objects: [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'batch' } } as KObject,
    job('report', 'example.com/report:1', 6),
    job('migrate', 'example.com/migrate:1', 2),
    {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'nightly', namespace: 'batch' },
      spec: {
        schedule: '0 3 * * *',
        jobTemplate: { spec: { template: job('x', 'example.com/report:1', 1).spec } },
      },
      status: { lastScheduleTime: '2026-01-01T03:00:00Z' },
    } as KObject,
  ],
};

let kube: KubeEmulator;
let api: BatchV1Api;

beforeEach(async () => {
  kube = await new KubeEmulator().listen();
  loadScenario(kube, cluster);
  const kc = new KubeConfig();
  kc.loadFromString(kube.kubeconfig());
  api = kc.makeApiClient(BatchV1Api);
});
afterEach(async () => {
  await kube.close();
});

const condition = (j: V1Job, type: string) => j.status?.conditions?.find((c) => c.type === type);

describe('Jobs', () => {
  it('completes a Job whose pod exits 0', async () => {
    const before = await api.readNamespacedJob({ name: 'report', namespace: 'batch' });
    expect(before.status?.active).toBe(1);
    expect(condition(before, 'Complete')).toBeUndefined();
    kube.advance(60_000);
    const after = await api.readNamespacedJob({ name: 'report', namespace: 'batch' });
    expect(after.status?.succeeded).toBe(1);
    expect(after.status?.active).toBeUndefined();
    expect(condition(after, 'Complete')).toMatchObject({ status: 'True' });
    expect(after.status?.completionTime).toBeDefined();
  });

  it('fails a Job at its backoff limit with BackoffLimitExceeded, one pod per retry', async () => {
    kube.advance(10 * 60_000);
    const failed = await api.readNamespacedJob({ name: 'migrate', namespace: 'batch' });
    expect(failed.status?.failed).toBe(3); // backoffLimit 2: the third failure ends it
    expect(condition(failed, 'Failed')).toMatchObject({
      status: 'True',
      reason: 'BackoffLimitExceeded',
      message: 'Job has reached the specified backoff limit',
    });
    const pods = kube.store
      .list(podResource, 'batch')
      .filter((p) => p.metadata.labels?.['job-name'] === 'migrate');
    expect(pods.map((p) => (p.status as { phase: string }).phase)).toEqual([
      'Failed',
      'Failed',
      'Failed',
    ]);
  });

  it('serves CronJobs with the status the scenario set, takes a Job from kubectl apply, and shows both kinds to kubectl get', async () => {
    const cron = await api.readNamespacedCronJob({ name: 'nightly', namespace: 'batch' });
    expect(cron.status?.lastScheduleTime).toEqual(new Date('2026-01-01T03:00:00Z'));
    kube.advance(60_000);
    const kubeconfig = join(mkdtempSync(join(tmpdir(), 'kubectl-')), 'config');
    writeFileSync(kubeconfig, kube.kubeconfig(), { mode: 0o600 });
    const kubectl = async (...args: string[]) =>
      (await run('kubectl', ['--kubeconfig', kubeconfig, ...args], { timeout: 60_000 })).stdout;
    const jobs = await kubectl('get', 'jobs', '-n', 'batch');
    expect(jobs).toMatch(/^NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE\n/);
    expect(jobs).toMatch(/\nmigrate\s+Failed\s+0\/1\s+60s\s+60s\n/);
    expect(jobs).toMatch(/\nreport\s+Complete\s+1\/1\s+2\ds\s+60s\n/);
    const manifest = join(mkdtempSync(join(tmpdir(), 'job-')), 'job.json');
    writeFileSync(manifest, JSON.stringify(job('applied', 'example.com/report:1', 1)));
    expect(await kubectl('apply', '-f', manifest)).toBe('job.batch/applied created\n');
    kube.advance(30_000);
    expect(await kubectl('get', 'job', 'applied', '-n', 'batch')).toMatch(
      /\napplied\s+Complete\s+1\/1\s/,
    );
    const cronjobs = await kubectl('get', 'cj', '-n', 'batch');
    expect(cronjobs).toMatch(/\nnightly\s+0 3 \* \* \*\s+<none>\s+False\s+0\s+\S+\s/);
  });
});
