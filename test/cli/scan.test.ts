// `kubemend scan` in process (src/cli/index.ts), against the Kubernetes emulator through
// a kubeconfig file: the table, the JSON, and exit codes 0 (found or not) and 2 (bad input).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../../src/cli/index.js';
import type { KubeEmulator } from '../../src/sim/kube/server.js';
import { simulatedCluster } from '../remediation/support.js';

const dir = mkdtempSync(join(tmpdir(), 'kubemend-scan-'));
let kube: KubeEmulator | undefined;
afterEach(async () => {
  await kube?.close();
  kube = undefined;
});

/** A kubeconfig file for a scenario on the emulator, its context named `homelab`. */
async function kubeconfigFor(scenario: string): Promise<string> {
  const cluster = await simulatedCluster(scenario);
  kube = cluster.kube;
  const file = join(dir, `${scenario}.yaml`);
  writeFileSync(file, kube.kubeconfig({ context: 'homelab' }));
  return file;
}

/** The scenarios have neither Longhorn nor cert-manager: each kind is named on stderr, the scan goes on. */
const NOT_INSTALLED =
  'kubemend scan: not scanned: Volume: the cluster does not serve longhorn.io/v1beta2 (not installed)\n' +
  'kubemend scan: not scanned: Certificate: the cluster does not serve cert-manager.io/v1 (not installed)\n';

async function run(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await cli(['scan', ...args], {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    readStdin: () => Buffer.alloc(0),
  });
  return { code, stdout, stderr };
}

describe('kubemend scan', () => {
  it('prints a table of findings, worst first, and exits 0', async () => {
    const file = await kubeconfigFor('oom-loop');
    const { code, stdout, stderr } = await run(['--kubeconfig', file]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: NOT_INSTALLED });
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ANALYZER\s+SEVERITY\s+TARGET\s+EVIDENCE$/);
    expect(lines[1]).toMatch(
      /^oom\s+critical\s+Deployment\/shop\/order-worker\s+pod order-worker-\w+-\w+: container worker: last terminated OOMKilled \(exit code 137\)/,
    );
    expect(lines.at(-1)).toBe('1 finding(s), 1 critical.');
  });

  it('prints { findings } as JSON with --json, the context naming the cluster', async () => {
    const file = await kubeconfigFor('node-memory-pressure');
    const { code, stdout } = await run(['--json', '--kubeconfig', file, '--context', 'homelab']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      findings: [
        {
          analyzer: 'node',
          category: 'node',
          severity: 'warning',
          cluster: 'homelab',
          namespace: null,
          target: { kind: 'Node', name: 'worker-1' },
          evidence: [
            'MemoryPressure: KubeletHasInsufficientMemory: kubelet has insufficient memory available',
          ],
        },
      ],
    });
  });

  it('exits 0 when nothing is found, and scans only the namespaces given', async () => {
    const file = await kubeconfigFor('oom-loop');
    const elsewhere = await run(['--kubeconfig', file, '--namespace', 'kube-system', '--json']);
    expect(elsewhere).toEqual({
      code: 0,
      stdout: '{\n  "findings": []\n}\n',
      stderr: NOT_INSTALLED,
    });
    const table = await run(['--kubeconfig', file, '--namespace', 'kube-system']);
    expect(table).toEqual({ code: 0, stdout: 'No problems found.\n', stderr: NOT_INSTALLED });
    const shop = await run(['--kubeconfig', file, '--namespace', 'shop', '--json']);
    expect(JSON.parse(shop.stdout).findings).toHaveLength(1);
  });

  it('never prints the kubeconfig credentials (no ::add-mask:: on a terminal)', async () => {
    const file = await kubeconfigFor('oom-loop');
    const written: string[] = [];
    // @actions/core writes its commands to process.stdout itself, not through Io.
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: unknown) => written.push(String(chunk)) > 0) as typeof write;
    try {
      expect((await run(['--kubeconfig', file])).code).toBe(0);
    } finally {
      process.stdout.write = write;
    }
    expect(written.filter((w) => w.includes('add-mask'))).toEqual([]);
  });

  it.each([
    [
      ['--output', 'json'],
      /^kubemend scan: unknown option --output; allowed: --kubeconfig, --context, --namespace, --json\.\n$/,
    ],
    [['extra'], /^kubemend scan: takes no arguments, got "extra"/],
    [
      ['--namespace', 'Shop_1'],
      /^kubemend scan: --namespace "Shop_1" is not a namespace name; allowed: /,
    ],
    [
      ['--kubeconfig', '/nonexistent/config'],
      /^kubemend scan: kubeconfig \/nonexistent\/config cannot be read \(ENOENT\); pass one with --kubeconfig FILE\.\n$/,
    ],
    [['--context'], /^kubemend scan: option --context needs a value\.\n$/],
  ])('exits 2 with one line on bad input: %j', async (args, message) => {
    const { code, stdout, stderr } = await run(args);
    expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
    expect(stderr).toMatch(message);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('exits 2 naming the contexts when the context is unknown', async () => {
    const file = await kubeconfigFor('oom-loop');
    const { code, stdout, stderr } = await run(['--kubeconfig', file, '--context', 'prod']);
    expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
    expect(stderr).toMatch(
      /'--context' is "prod" but the kubeconfig has no such context; allowed: homelab\.\n$/,
    );
    expect(kube!.log).toEqual([]);
  });
});
