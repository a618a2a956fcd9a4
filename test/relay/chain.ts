// The real alerting chain up to kubemend's door: the Kubernetes emulator running a scenario
// (its clock running with wall time) serves kube-state-metrics' series; the real Prometheus
// (Debian's, scripts/install-alerting.sh) scrapes them every second and evaluates the
// shipped kube-prometheus rules (deploy/relay/prometheus-rules.yaml, `for:` shortened);
// the real Alertmanager sends its webhooks, as the shipped receiver snippet configures
// them (deploy/relay/alertmanager-receiver.yaml), to a URL the caller gives. Prometheus
// and Alertmanager run as child processes in a temporary directory and are killed by
// stop(), or at the latest when this process exits.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dump, load } from 'js-yaml';
import { loadScenario, readScenario, settleSeconds } from '../../src/sim/kube/scenario.js';
import { KSM_PATH, KubeEmulator } from '../../src/sim/kube/server.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const RULES_FILE = join(root, 'deploy', 'relay', 'prometheus-rules.yaml');
/** The same groups as a PrometheusRule, for the Prometheus Operator. */
export const RULE_RESOURCE_FILE = join(root, 'deploy', 'relay', 'prometheus-rule.yaml');
export const RECEIVER_FILE = join(root, 'deploy', 'relay', 'alertmanager-receiver.yaml');

export interface ChainOptions {
  /** A scenario under src/sim/scenarios/. */
  scenario: string;
  /** Where Alertmanager sends its webhooks. */
  webhookUrl: string;
  /** The bearer token Alertmanager sends (written to the credentials_file it reads). */
  token: string;
  /** Also scrape this `host:port`'s /metrics as job `kubemend-relay` (the relay's own series). */
  scrapeRelay?: string;
  /** Every rule's `for:` in the test's copy of the rules; the shipped file keeps 15m. */
  ruleFor?: string;
}

export interface Chain {
  kube: KubeEmulator;
  prometheusUrl: string;
  alertmanagerUrl: string;
  /** The temporary directory: configs, storage, and each process's log. */
  dir: string;
  /** Moves the scenario on through the emulator's control API, as an operator's fix would. */
  control(path: 'facts' | 'clock', body: unknown): Promise<void>;
  /** What a process wrote, for a failure message. */
  logTail(name: 'prometheus' | 'alertmanager'): string;
  stop(): Promise<void>;
}

/** The first of `names` on PATH (Debian names Alertmanager's binary prometheus-alertmanager). */
export function findBinary(...names: string[]): string | undefined {
  for (const name of names) {
    const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    if (found.status === 0 && found.stdout.trim()) return found.stdout.trim();
  }
  return undefined;
}

function binaries(): { prometheus: string; alertmanager: string } {
  const prometheus = findBinary('prometheus');
  const alertmanager = findBinary('alertmanager', 'prometheus-alertmanager');
  if (!prometheus || !alertmanager)
    throw new Error(
      'the alerting-chain test needs the prometheus and alertmanager binaries; run scripts/install-alerting.sh (as root)',
    );
  return { prometheus, alertmanager };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Polls `probe` until it returns a value (not undefined) or the deadline passes. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 120_000,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error; // not up yet: connection refused and the like
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`,
  );
}

type Rules = { groups: { name: string; rules: Record<string, unknown>[] }[] };

/** The shipped rules with every `for:` set to `ruleFor`, so a test need not wait 15 minutes. */
export function shortenedRules(ruleFor: string): string {
  const rules = load(readFileSync(RULES_FILE, 'utf8')) as Rules;
  for (const group of rules.groups)
    for (const rule of group.rules) if (rule.alert) rule.for = ruleFor;
  return dump(rules, { lineWidth: -1 });
}

type AlertmanagerConfig = {
  global?: Record<string, unknown>;
  route: Record<string, unknown>;
  receivers: { name: string; webhook_configs?: Record<string, unknown>[] }[];
};

/**
 * The shipped receiver configuration pointed at `url` with the token in `tokenFile`, its
 * timings shortened: a group's first webhook after 1s, the next change 1s later.
 */
export function testAlertmanagerConfig(url: string, tokenFile: string): string {
  const config = load(readFileSync(RECEIVER_FILE, 'utf8')) as AlertmanagerConfig;
  // Alerts from Prometheus carry their own end time; this only bounds alerts that do not.
  config.global = { ...config.global, resolve_timeout: '10s' };
  Object.assign(config.route, { group_wait: '1s', group_interval: '1s', repeat_interval: '24h' });
  for (const receiver of config.receivers)
    for (const webhook of receiver.webhook_configs ?? []) {
      webhook.url = url;
      const http = (webhook.http_config ?? {}) as { authorization?: Record<string, unknown> };
      http.authorization = { ...http.authorization, credentials_file: tokenFile };
      webhook.http_config = http;
    }
  return dump(config, { lineWidth: -1 });
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Starts a child whose output goes to `log`; it dies with this process at the latest. */
function start(binary: string, args: string[], log: string): ChildProcess {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // A failed or interrupted test leaves no daemons behind: 'exit' handlers run on a
    // normal exit and after jest's teardown; SIGKILL needs no cooperation from the child.
    process.on('exit', () => {
      for (const child of running) child.kill('SIGKILL');
    });
  }
  const fd = openSync(log, 'a');
  const child = spawn(binary, args, { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  running.add(child);
  child.on('exit', () => running.delete(child));
  return child;
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

async function ready(url: string): Promise<true | undefined> {
  const response = await fetch(url);
  await response.arrayBuffer();
  return response.ok ? true : undefined;
}

export async function startChain(options: ChainOptions): Promise<Chain> {
  const bin = binaries();
  const dir = mkdtempSync(join(tmpdir(), 'kubemend-chain-'));
  const children: ChildProcess[] = [];
  const scenario = readScenario(options.scenario);
  // As the standalone emulator does: the clock starts as far back as the scenario settles
  // and then runs with wall time, so the kubelets act while Prometheus watches.
  const kube = new KubeEmulator({ clockStart: Date.now() - settleSeconds(scenario) * 1000 });
  const logs = {
    prometheus: join(dir, 'prometheus.log'),
    alertmanager: join(dir, 'alertmanager.log'),
  };
  const logTail = (name: keyof typeof logs): string => {
    try {
      return readFileSync(logs[name], 'utf8').split('\n').slice(-30).join('\n');
    } catch {
      return '';
    }
  };
  const stop = async (): Promise<void> => {
    await Promise.all(children.map(kill));
    await kube.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    loadScenario(kube, scenario);
    kube.runClock(1);
    await kube.listen();
    const kubeHostPort = new URL(kube.url).host;

    const tokenFile = join(dir, 'relay-token');
    writeFileSync(tokenFile, options.token, { mode: 0o600 });
    const amPort = await freePort();
    writeFileSync(
      join(dir, 'alertmanager.yml'),
      testAlertmanagerConfig(options.webhookUrl, tokenFile),
    );
    children.push(
      start(
        bin.alertmanager,
        [
          `--config.file=${join(dir, 'alertmanager.yml')}`,
          `--storage.path=${join(dir, 'alertmanager-data')}`,
          `--web.listen-address=127.0.0.1:${amPort}`,
          // One instance: no gossip, so it binds no cluster port and waits for no peers.
          '--cluster.listen-address=',
        ],
        logs.alertmanager,
      ),
    );

    writeFileSync(join(dir, 'rules.yml'), shortenedRules(options.ruleFor ?? '1s'));
    writeFileSync(
      join(dir, 'prometheus.yml'),
      dump({
        global: { scrape_interval: '1s', evaluation_interval: '1s' },
        rule_files: [join(dir, 'rules.yml')],
        alerting: { alertmanagers: [{ static_configs: [{ targets: [`127.0.0.1:${amPort}`] }] }] },
        scrape_configs: [
          {
            // The rules select job="kube-state-metrics", as kube-prometheus names the job.
            job_name: 'kube-state-metrics',
            metrics_path: KSM_PATH,
            static_configs: [{ targets: [kubeHostPort] }],
          },
          ...(options.scrapeRelay
            ? [{ job_name: 'kubemend-relay', static_configs: [{ targets: [options.scrapeRelay] }] }]
            : []),
        ],
      }),
    );
    const promPort = await freePort();
    children.push(
      start(
        bin.prometheus,
        [
          `--config.file=${join(dir, 'prometheus.yml')}`,
          `--storage.tsdb.path=${join(dir, 'prometheus-data')}`,
          `--web.listen-address=127.0.0.1:${promPort}`,
        ],
        logs.prometheus,
      ),
    );

    const alertmanagerUrl = `http://127.0.0.1:${amPort}`;
    const prometheusUrl = `http://127.0.0.1:${promPort}`;
    const exited = (name: keyof typeof logs, child: ChildProcess) => () => {
      if (child.exitCode !== null)
        throw new Error(`${name} exited with ${child.exitCode}:\n${logTail(name)}`);
    };
    await waitFor('Alertmanager to be ready', () => {
      exited('alertmanager', children[0]!)();
      return ready(`${alertmanagerUrl}/-/ready`);
    });
    await waitFor('Prometheus to be ready', () => {
      exited('prometheus', children[1]!)();
      return ready(`${prometheusUrl}/-/ready`);
    });
    // Its first scrape of the emulator has succeeded: the rules have series to read.
    await waitFor('Prometheus to scrape the emulator', async () => {
      const response = await fetch(`${prometheusUrl}/api/v1/targets?state=active`);
      const body = (await response.json()) as {
        data: {
          activeTargets: { health: string; lastError: string; labels: { job: string } }[];
        };
      };
      const target = body.data.activeTargets.find((t) => t.labels.job === 'kube-state-metrics');
      return target?.health === 'up' ? true : undefined;
    });

    return {
      kube,
      prometheusUrl,
      alertmanagerUrl,
      dir,
      logTail,
      stop,
      async control(path, body) {
        const response = await fetch(`${kube.url}/_emulator/${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        if (!response.ok)
          throw new Error(`POST /_emulator/${path}: ${response.status} ${await response.text()}`);
      },
    };
  } catch (error) {
    // The logs go with the directory: keep what they said in the error.
    const said = (['alertmanager', 'prometheus'] as const)
      .map((name) => `--- ${name}:\n${logTail(name)}`)
      .join('\n');
    await stop();
    if (error instanceof Error) error.message += `\n${said}`;
    throw error;
  }
}
