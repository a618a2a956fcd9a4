// `kubemend relay`: an HTTP server that takes Alertmanager webhooks and generic alerts
// and sends them to GitHub as repository_dispatch events, grouped per incident so a
// storm does not cost a workflow run per alert (src/relay/). Runs until SIGTERM or
// SIGINT, then sends what it held back and exits 0. The relay and the GitHub client are
// loaded only here, so the other commands do not pay for them.
import { parseArgs } from 'node:util';
import { UsageError } from '../shared/errors.js';
import { isClusterName } from '../shared/names.js';

export const RELAY_USAGE = `  kubemend relay --listen HOST:PORT --repository OWNER/NAME [--config FILE] [--cluster NAME]
      Receive alerts over HTTP (POST /alertmanager: an Alertmanager webhook; POST
      /v1/alerts: a generic alert) and send them to OWNER/NAME as repository_dispatch
      events (kubemend-alert): a problem's first alert and each change of status or
      severity at once, its repeats counted and carried on its next dispatch (or after
      5 quiet minutes, or hourly while it keeps firing);
      a cluster with more than 50 problems at once becomes one storm dispatch. Clients
      send Authorization: Bearer $KUBEMEND_RELAY_TOKEN (or $KUBEMEND_RELAY_TOKEN_PREVIOUS
      while rotating). GitHub is reached at $GITHUB_API_URL (default
      https://api.github.com) with $GITHUB_TOKEN, or as a GitHub App: $GITHUB_APP_ID with
      $GITHUB_APP_PRIVATE_KEY (PEM) or $GITHUB_APP_PRIVATE_KEY_FILE (a mounted Secret),
      and $GITHUB_APP_INSTALLATION_ID (default: the app's installation on OWNER/NAME).
      FILE: the kubemend config, for intake.group-by and the relay: section (default
      .github/kubemend.yml when present); NAME: the cluster of alerts that name none
      (required with relay.events: the watched cluster). With relay.events.enabled the
      relay also watches the cluster's Warning events ($KUBECONFIG, else the pod's
      ServiceAccount) in namespaces that opt in by label.
      GET /healthz, /readyz, /metrics (Prometheus). SIGTERM: drain, then exit 0.`;

export interface RelayIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export interface RelayCommandOptions {
  env?: NodeJS.ProcessEnv;
  /** Resolves when the relay should stop (default: SIGTERM or SIGINT). */
  stopped?: Promise<void>;
  /** Told the relay's URL once it listens (tests). */
  onListening?: (url: string) => void;
}

interface RelayArgs {
  host: string;
  port: number;
  repository: string;
  config: string | undefined;
  cluster: string | undefined;
}

const OPTIONS = ['listen', 'repository', 'config', 'cluster'];
const ALLOWED = '--listen, --repository, --config, --cluster';
const REPOSITORY = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;
/** Seconds a drain may take: Kubernetes' default grace period is 30. */
const DRAIN_MS = 25_000;

function parseRelayArgs(args: string[]): RelayArgs {
  const { tokens } = parseArgs({
    args,
    options: Object.fromEntries(OPTIONS.map((name) => [name, { type: 'string' as const }])),
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const values: Record<string, string> = {};
  for (const token of tokens) {
    if (token.kind === 'positional')
      throw new UsageError(
        `kubemend relay: takes no arguments, got ${JSON.stringify(token.value.slice(0, 40))}; allowed options: ${ALLOWED}.`,
      );
    if (token.kind !== 'option') continue;
    if (!OPTIONS.includes(token.name))
      throw new UsageError(
        `kubemend relay: unknown option ${token.rawName.slice(0, 42)}; allowed: ${ALLOWED}.`,
      );
    if (token.value === undefined || token.value === '')
      throw new UsageError(`kubemend relay: option ${token.rawName} needs a value.`);
    values[token.name] = token.value;
  }
  const listen = values.listen;
  if (listen === undefined)
    throw new UsageError(
      'kubemend relay: --listen HOST:PORT is required (for example 0.0.0.0:8080).',
    );
  const m = /^(.*):(\d{1,5})$/.exec(listen);
  const port = Number(m?.[2]);
  const host = (m?.[1] ?? '').replace(/^\[(.*)\]$/, '$1');
  if (!m || !host || port > 65535)
    throw new UsageError(
      `kubemend relay: --listen ${JSON.stringify(listen.slice(0, 60))} is not HOST:PORT; allowed: a host or address and a port up to 65535 (0.0.0.0:8080, [::]:8080).`,
    );
  const repository = values.repository;
  if (repository === undefined)
    throw new UsageError('kubemend relay: --repository OWNER/NAME is required.');
  if (!REPOSITORY.test(repository))
    throw new UsageError(
      `kubemend relay: --repository ${JSON.stringify(repository.slice(0, 80))} is not OWNER/NAME; allowed: a GitHub owner and repository name.`,
    );
  const cluster = values.cluster;
  if (cluster !== undefined && !isClusterName(cluster))
    throw new UsageError(
      `kubemend relay: --cluster ${JSON.stringify(cluster.slice(0, 70))} is not a cluster name; allowed: 1 to 63 letters, digits, '.', '_' or '-', starting and ending with a letter or digit.`,
    );
  return { host, port, repository, config: values.config, cluster };
}

/** Runs the relay until stopped; resolves to the exit code. */
export async function relayCommand(
  args: string[],
  io: RelayIo,
  options: RelayCommandOptions = {},
): Promise<number> {
  const env = options.env ?? process.env;
  const parsed = parseRelayArgs(args);
  const { githubAuthFromEnv } = await import('../github/app-credentials.js');
  const githubAuth = githubAuthFromEnv(env, 'kubemend relay', parsed.repository);
  const { loadConfig } = await import('../config/config.js');
  const config = loadConfig(parsed.config ?? '.github/kubemend.yml', process.cwd());
  if (parsed.config !== undefined && config.path === undefined)
    throw new UsageError(`kubemend relay: --config ${parsed.config.slice(0, 200)} does not exist.`);
  const { createGitHubClient, pacingFromEnv } = await import('../github/client.js');
  const { systemClock } = await import('../relay/clock.js');
  const { jsonLog } = await import('../relay/log.js');
  const { Relay } = await import('../relay/relay.js');
  const { relayOptions } = await import('../relay/settings.js');
  const { RelayServer } = await import('../relay/server.js');
  const log = jsonLog(io.stderr);
  const pacing = pacingFromEnv(env);
  const { octokit } = createGitHubClient({
    ...githubAuth,
    baseUrl: env.GITHUB_API_URL || 'https://api.github.com',
    // The relay retries on its own, keeping order; the client only paces writes.
    retries: 0,
    writeIntervalMs: pacing.writeIntervalMs,
    notificationIntervalMs: pacing.notificationIntervalMs,
    retryUnitMs: pacing.retryUnitMs,
    warn: (message) => log('warning', message),
  });
  const relay = new Relay({
    octokit,
    repository: parsed.repository,
    clock: systemClock,
    log,
    ...relayOptions(config.relay, config.intake.groupBy),
  });
  const events = config.relay.events;
  let watcher: import('../relay/watcher.js').EventWatcher | undefined;
  if (events.enabled) {
    if (!parsed.cluster)
      throw new UsageError(
        'kubemend relay: relay.events.enabled needs --cluster NAME, the name alerts give the cluster whose events it watches.',
      );
    const { defaultKubeconfig } = await import('../kube/kubeconfig.js');
    const { EventWatcher } = await import('../relay/watcher.js');
    watcher = new EventWatcher(
      {
        cluster: parsed.cluster,
        namespaceSelector: events.namespaceSelector,
        reasons: events.reasons,
        kinds: events.kinds,
        clusterScoped: events.clusterScoped,
        enrich: events.enrich,
        windowMs: config.relay.windowMs,
      },
      {
        kubeconfig: defaultKubeconfig('kubemend relay', env),
        offer: (offer) => relay.accept([offer]),
        clock: systemClock,
        log,
      },
    );
  }
  // Refuses, in one line, when no token is configured: before listening.
  const server = new RelayServer({
    relay,
    tokens: [env.KUBEMEND_RELAY_TOKEN, env.KUBEMEND_RELAY_TOKEN_PREVIOUS],
    log,
    clock: systemClock,
    ...(parsed.cluster ? { cluster: parsed.cluster } : {}),
    ...(watcher ? { watcher } : {}),
  });
  try {
    await server.listen(parsed.port, parsed.host);
  } catch (error) {
    throw new UsageError(
      `kubemend relay: cannot listen on ${parsed.host}:${parsed.port} (${(error as NodeJS.ErrnoException).code ?? 'error'}).`,
    );
  }
  relay.start(1000);
  await watcher?.start();
  log('info', 'relay listening', {
    url: server.url,
    repository: parsed.repository,
    groupBy: config.intake.groupBy.join(','),
  });
  options.onListening?.(server.url);
  await (options.stopped ?? signalled());
  // The watcher stops first: what it offered is in the relay, and drains with it.
  await watcher?.stop();
  log('info', 'relay draining', { queued: relay.queue.size });
  const delivered = await relay.drain(DRAIN_MS);
  await server.close();
  log(delivered ? 'info' : 'warning', 'relay stopped', {
    queued: relay.queue.size,
    delivered,
  });
  return 0;
}

function signalled(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
  });
}
