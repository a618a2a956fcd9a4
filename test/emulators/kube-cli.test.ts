// The standalone Kubernetes emulator as a person runs it: a process started with a scenario
// name or file, its clock running with wall time, driven from outside through the control
// API (/_emulator/clock, /facts, /log, /shutdown) and the real kubectl.
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const CLI = ['--import', './test/support/ts-resolve.mjs', 'src/sim/kube/cli.ts'];

interface Started {
  child: ChildProcessWithoutNullStreams;
  url: string;
  kubeconfig: string;
}

const started: ChildProcessWithoutNullStreams[] = [];
afterEach(() => {
  for (const child of started.splice(0)) if (child.exitCode === null) child.kill('SIGTERM');
});

/** Starts the CLI and reads its `listening on` line and the kubeconfig path after it. */
function start(...args: string[]): Promise<Started> {
  const child = spawn(process.execPath, [...CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  started.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const lines = out.split('\n').filter(Boolean);
      const url = /^listening on (\S+)$/.exec(lines[0] ?? '')?.[1];
      if (url && lines.length >= 2) resolve({ child, url, kubeconfig: lines[1]! });
    });
    child.on('exit', (code) => reject(new Error(`emulator exited ${code}: ${err}`)));
  });
}

/** Runs the CLI to its exit: the status and what it printed on stderr. */
function exitOf(...args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [...CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stderr })));
}

// Control answers are read loosely, as JSON.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Reply = { status: number; body: any };

async function call(url: string, path: string, body?: unknown): Promise<Reply> {
  const response = await fetch(`${url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: response.status, body: await response.json() };
}

const scenarioFile = (): string => {
  const file = join(mkdtempSync(join(tmpdir(), 'kube-scenario-')), 'outage.yaml');
  writeFileSync(
    file,
    [
      'description: one node, one pod whose registry does not answer',
      'facts:',
      '  registries:',
      '    docker.io: unreachable',
      'nodes:',
      '  - name: node-1',
      'objects:',
      '  - apiVersion: v1',
      '    kind: Namespace',
      '    metadata: { name: shop }',
      '  - apiVersion: v1',
      '    kind: Pod',
      '    metadata: { name: web, namespace: shop }',
      '    spec:',
      '      containers: [{ name: web, image: nginx:1.27.3 }]',
      'settleSeconds: 60',
    ].join('\n'),
  );
  return file;
};

async function kubectl(kubeconfig: string, ...args: string[]): Promise<string> {
  const { stdout } = await run('kubectl', ['--kubeconfig', kubeconfig, ...args], {
    timeout: 60_000,
  });
  return stdout;
}

describe('the standalone Kubernetes emulator', () => {
  it('--scenario takes a scenario file; the facts API ends the outage and the moved clock lets the kubelet pull', async () => {
    const { url, kubeconfig } = await start('--scenario', scenarioFile());
    const status = () =>
      kubectl(kubeconfig, 'get', 'pod', 'web', '-n', 'shop', '-o', 'jsonpath={.status.phase}');
    expect(await status()).toBe('Pending');
    expect((await call(url, '/_emulator/facts')).body.registries).toEqual({
      'docker.io': 'unreachable',
    });
    const merged = await call(url, '/_emulator/facts', { registries: { 'docker.io': 'ok' } });
    expect(merged).toEqual({
      status: 200,
      body: expect.objectContaining({ registries: { 'docker.io': 'ok' } }),
    });
    // The kubelet retries on its back-off: five simulated minutes see it pull.
    const before = Date.parse((await call(url, '/_emulator/clock')).body.now);
    const moved = await call(url, '/_emulator/clock', { advance: '5m' });
    expect(Date.parse(moved.body.now) - before).toBeGreaterThanOrEqual(300_000);
    expect(await status()).toBe('Running');
    const moreMs = await call(url, '/_emulator/clock', { advanceMs: 60_000 });
    expect(Date.parse(moreMs.body.now) - Date.parse(moved.body.now)).toBeGreaterThanOrEqual(60_000);
  });

  it('the request log holds the Kubernetes requests and none of the control requests', async () => {
    const { url, kubeconfig } = await start('--scenario', 'registry-outage');
    await call(url, '/_emulator/clock');
    await kubectl(kubeconfig, 'get', 'nodes');
    await call(url, '/_emulator/facts', { registries: { 'docker.io': 'ok' } });
    const log = (await call(url, '/_emulator/log')).body as { path: string; verb: string }[];
    expect(log).toContainEqual(expect.objectContaining({ path: '/api/v1/nodes', verb: 'list' }));
    expect(log.filter((e) => e.path.startsWith('/_emulator'))).toEqual([]);
  });

  it('bad control bodies get a 400 with a one-line message naming the field', async () => {
    const { url } = await start();
    const cases: [string, unknown, RegExp][] = [
      ['/_emulator/clock', '{not json', /^the body is not valid JSON/],
      ['/_emulator/clock', { advance: 'soon' }, /^advance is "soon"; allowed: a duration/],
      ['/_emulator/clock', { advanceMs: -5 }, /^advanceMs is -5; allowed: a non-negative/],
      ['/_emulator/facts', [1], /^the body is not a JSON object/],
      ['/_emulator/facts', { weather: {} }, /^facts has no field "weather"; allowed: registries/],
      [
        '/_emulator/facts',
        { registries: { 'docker.io': 'down' } },
        /^registries\.docker\.io is "down"; allowed: ok, unreachable/,
      ],
    ];
    for (const [path, body, message] of cases) {
      const reply = await call(url, path, body);
      expect(reply.status).toBe(400);
      expect(reply.body.message).toMatch(message);
      expect(reply.body.message).not.toContain('\n');
    }
    expect((await call(url, '/_emulator/facts')).body.registries).toEqual({});
  });

  it('the simulated clock runs with wall time, --clock-rate times faster', async () => {
    const { url } = await start('--clock-rate', '600');
    const first = Date.parse((await call(url, '/_emulator/clock')).body.now);
    // Ten wall seconds at most: a rate of 600 moves the clock a minute in a tenth of one.
    let now = first;
    for (let i = 0; i < 100 && now - first < 60_000; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      now = Date.parse((await call(url, '/_emulator/clock')).body.now);
    }
    expect(now - first).toBeGreaterThanOrEqual(60_000);
  });

  it('POST /_emulator/shutdown answers, then the process exits 0', async () => {
    const { url, child } = await start();
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(await call(url, '/_emulator/shutdown', {})).toEqual({
      status: 202,
      body: { ok: true },
    });
    expect(await exited).toBe(0);
  });

  it('bad options exit 2 with a one-line error naming the option', async () => {
    for (const [args, message] of [
      [['--clock-rate', '0'], /^--clock-rate is "0"; allowed: a positive number/],
      [['--clock-rate', 'fast'], /^--clock-rate is "fast"; allowed: a positive number/],
      [
        ['--scenario', 'no-such-scenario'],
        /^--scenario "no-such-scenario": no such scenario or file; allowed: a scenario file or one of /,
      ],
    ] as const) {
      const { code, stderr } = await exitOf(...args);
      expect(code).toBe(2);
      expect(stderr.split('\n')[0]).toMatch(message);
    }
  });
});
