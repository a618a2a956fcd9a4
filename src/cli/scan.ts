// `kubemend scan`: what is broken in a cluster, now, with nothing installed in it: the
// analyzers of src/scan/ over list calls with the caller's own kubeconfig. A table by
// default, `{ "findings": [...] }` with --json. Exit 0 whether or not it found anything;
// 2 with one line on bad input. The Kubernetes client is loaded only here, so the other
// commands do not pay for it.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { UsageError } from '../shared/errors.js';
import { parseCommandArgs } from './args.js';

export const SCAN_USAGE = `  kubemend scan [--kubeconfig FILE] [--context NAME] [--namespace NS] [--json]
      List what is broken in a cluster (pods that cannot pull or keep crashing, rollouts
      stuck, claims pending, nodes not ready, Argo CD applications degraded...), each
      finding with its category, severity, target and the cluster's own words. Reads
      with list calls only (deploy/rbac/kubemend-scan.yaml grants exactly those). FILE
      defaults to $KUBECONFIG, then ~/.kube/config; NAME to its current-context;
      --namespace (repeatable) restricts the scan to those namespaces (nodes are then
      not scanned). Prints a table, or with --json { "findings": [...] }. Exit 0
      whether or not it found anything; 2: bad input.`;

export interface ScanIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

interface ScanArgs {
  kubeconfig: string | undefined;
  context: string | undefined;
  namespaces: string[];
  json: boolean;
}

/** RFC 1123 label: what a namespace name may be. */
const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

function parseScanArgs(args: string[]): ScanArgs {
  const { options, lists, flags } = parseCommandArgs(args, {
    command: 'kubemend scan',
    values: ['kubeconfig', 'context', 'namespace'],
    flags: ['json'],
    repeatable: ['namespace'],
    positionals: false,
    check: {
      namespace: (value) => {
        if (!NAMESPACE.test(value))
          throw new UsageError(
            `kubemend scan: --namespace ${JSON.stringify(value.slice(0, 70))} is not a namespace name; allowed: up to 63 lower-case letters, digits or '-', starting and ending with a letter or digit.`,
          );
      },
    },
  });
  return {
    kubeconfig: options.kubeconfig,
    context: options.context,
    namespaces: lists.namespace ?? [],
    json: flags.has('json'),
  };
}

/** kubectl's order: --kubeconfig, the first file of $KUBECONFIG, ~/.kube/config. */
function kubeconfigPath(flag: string | undefined): string {
  if (flag) return flag;
  const fromEnv = (process.env.KUBECONFIG ?? '').split(delimiter).find((p) => p !== '');
  return fromEnv ?? join(homedir(), '.kube', 'config');
}

/**
 * The kubeconfig of a command run from a laptop (`kubemend scan`, `kubemend diagnose`),
 * `command` naming it in errors. The client library is loaded only here.
 */
export async function laptopKubeconfig(
  command: string,
  flag: string | undefined,
  context: string | undefined,
): Promise<KubeConfig> {
  const file = kubeconfigPath(flag);
  let raw: string;
  try {
    raw = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(
      `${command}: kubeconfig ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}); pass one with --kubeconfig FILE.`,
    );
  }
  const { loadKubeconfig } = await import('../kube/kubeconfig.js');
  // A laptop's own kubeconfig, chosen by the person running the command: its exec plugins
  // (aws eks get-token, gke-gcloud-auth-plugin) and file paths are theirs, as they are
  // for kubectl, so they are allowed. The CI guard (allow-exec) protects a runner from a
  // kubeconfig someone else wrote; here nothing is masked, since ::add-mask:: on a
  // terminal would print the very secret.
  return loadKubeconfig(raw, {
    kubeconfigInput: `--kubeconfig ${file}`,
    allowInput: 'allow-exec',
    allowExec: true,
    mask: () => undefined,
    context: context ?? '',
    contextInput: '--context',
  });
}

export async function scanCommand(args: string[], io: ScanIo): Promise<number> {
  const options = parseScanArgs(args);
  const kubeconfig = await laptopKubeconfig('kubemend scan', options.kubeconfig, options.context);
  const { KubeClient } = await import('../kube/client.js');
  const { scanCluster } = await import('../scan/scan.js');
  const { formatFindings } = await import('../scan/format.js');
  const client = new KubeClient(kubeconfig, { dryRun: true });
  const result = await scanCluster(client, {
    cluster: kubeconfig.getCurrentContext(),
    ...(options.namespaces.length ? { namespaces: options.namespaces } : {}),
  });
  // What could not be listed (RBAC, an API not installed) is said beside the findings.
  for (const line of result.unlisted) io.stderr(`kubemend scan: not scanned: ${line}\n`);
  io.stdout(
    options.json
      ? `${JSON.stringify({ findings: result.findings }, null, 2)}\n`
      : formatFindings(result.findings),
  );
  return 0;
}
