// `kubemend diagnose` in process (src/cli/index.ts), against the Kubernetes emulator through
// a kubeconfig file: the causes ranked with the knowledge base's ids, as JSON and for a
// person, "no cause" said as such, the read policy, nothing written, and exit code 2 with
// one line on bad input.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../../src/cli/index.js';
import { CAUSES } from '../../src/diagnosis/causes.js';
import type { KubeEmulator } from '../../src/sim/kube/server.js';
import { simulatedCluster } from '../remediation/support.js';

const dir = mkdtempSync(join(tmpdir(), 'kubemend-diagnose-'));
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

async function run(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await cli(['diagnose', ...args], {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    readStdin: () => Buffer.alloc(0),
  });
  return { code, stdout, stderr };
}

/** Every request the emulator served that was not a read. */
const writes = () => kube!.log.filter((entry) => entry.method !== 'GET');

describe('kubemend diagnose', () => {
  it('ranks the causes as JSON, best first, with the knowledge base ids, reading only', async () => {
    const file = await kubeconfigFor('bad-rollout');
    const { code, stdout, stderr } = await run([
      '--kubeconfig',
      file,
      '--namespace',
      'shop',
      '--workload',
      'deployment/api',
      '--json',
    ]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const { causes } = JSON.parse(stdout) as {
      causes: { id: string; confidence: number; [key: string]: unknown }[];
    };
    expect(causes[0]).toMatchObject({
      id: 'crash-after-rollout',
      title: 'The crash began with the latest rollout',
      fix: { playbook: { name: 'crash-loop', mode: 'approve' }, manifest: 'rollback' },
    });
    for (const cause of causes)
      expect(Object.keys(cause)).toEqual([
        'id',
        'title',
        'confidence',
        'evidence',
        'refuted',
        'verify',
        'fix',
      ]);
    expect(causes.map((c) => c.confidence)).toEqual(
      [...causes.map((c) => c.confidence)].sort((a, b) => b - a),
    );
    const known = new Set(CAUSES.map((c) => c.id));
    expect(causes.filter((c) => !known.has(c.id))).toEqual([]);
    expect(kube!.log.length).toBeGreaterThan(3);
    expect(writes()).toEqual([]);
  });

  it('prints each cause with its confidence, evidence, verification and fix for a person', async () => {
    const file = await kubeconfigFor('oom-loop');
    const { code, stdout, stderr } = await run([
      '--kubeconfig',
      file,
      '--context',
      'homelab',
      '--namespace',
      'shop',
      '--workload',
      'Deployment/order-worker',
    ]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('Context homelab, namespace shop, deployment/order-worker:');
    expect(lines[2]).toMatch(/^1\. .+ \[memory-limit\], confidence 0\.\d\d$/);
    expect(lines[3]).toBe('   evidence:');
    expect(stdout).toMatch(/OOMKilled/);
    expect(stdout).toMatch(/^ {3}fix: .+/m);
    expect(lines.at(-1)).toMatch(/^Read-only: \d+ Kubernetes request\(s\), nothing written\.$/);
    expect(writes()).toEqual([]);
  });

  it('diagnoses an Argo CD Application through the Deployment it shows in trouble', async () => {
    const file = await kubeconfigFor('registry-outage');
    const { code, stdout } = await run([
      '--kubeconfig',
      file,
      '--namespace',
      'shop',
      '--app',
      'shop',
      '--json',
    ]);
    expect(code).toBe(0);
    const { causes } = JSON.parse(stdout) as { causes: { id: string }[] };
    expect(causes[0]?.id).toBe('registry-unreachable');
    expect(
      kube!.log.some((e) => e.resource === 'applications' && e.name === 'shop' && e.verb === 'get'),
    ).toBe(true);
    expect(writes()).toEqual([]);
  });

  it('says it found no cause, with the evidence read, and still exits 0', async () => {
    const file = await kubeconfigFor('oom-loop');
    const args = ['--kubeconfig', file, '--namespace', 'shop', '--workload', 'job/nightly'];
    const human = await run(args);
    expect(human).toEqual({
      code: 0,
      stderr: '',
      stdout: expect.stringMatching(
        /^Context homelab, namespace shop, job\/nightly:\n\nNo cause found; the evidence read:\n {5}no pods, no warning events\n\nRead-only: \d+ Kubernetes request\(s\), nothing written\.\n$/,
      ),
    });
    expect(await run([...args, '--json'])).toEqual({
      code: 0,
      stderr: '',
      stdout: '{\n  "causes": []\n}\n',
    });
  });

  it('reads only what the read policy allows: a closed namespace costs no request', async () => {
    const file = await kubeconfigFor('oom-loop');
    const closed = await run(['--kubeconfig', file, '--namespace', 'kube-system', '--pod', 'x']);
    expect(closed).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'kubemend diagnose: not diagnosed: namespace kube-system is never read unless `diagnose.namespaces` of the kubemend config names it.\n',
    });
    expect(kube!.log).toEqual([]);
    // Not labelled kubemend.io/remediate=true: refused after listing the opted-in namespaces.
    const unlabelled = await run(['--kubeconfig', file, '--namespace', 'billing', '--pod', 'x']);
    expect(unlabelled.code).toBe(2);
    expect(unlabelled.stderr).toMatch(
      /^kubemend diagnose: not diagnosed: namespace billing is neither the incident's nor labelled kubemend\.io\/remediate=true, and `diagnose\.namespaces` does not name it\.\n$/,
    );
    expect(
      kube!.log.filter((e) => e.verb !== 'discovery').map((e) => `${e.verb} ${e.resource}`),
    ).toEqual(['list namespaces']);
    // A config naming it opens it.
    const config = join(dir, 'kubemend.yml');
    writeFileSync(config, 'diagnose:\n  namespaces: [billing]\n');
    const named = await run([
      '--kubeconfig',
      file,
      '--config',
      config,
      '--namespace',
      'billing',
      '--node',
      'worker-1',
    ]);
    expect(named).toMatchObject({ code: 0, stderr: '' });
    expect(named.stdout).toMatch(/No cause found/);
    expect(writes()).toEqual([]);
  });

  it('prints no secret the crashing pod logs, as a person reads it or as JSON', async () => {
    const file = await kubeconfigFor('secret-logs');
    const args = ['--kubeconfig', file, '--namespace', 'shop', '--workload', 'deploy/payments'];
    const human = await run(args);
    const json = await run([...args, '--json']);
    expect([human.code, json.code]).toEqual([0, 0]);
    // Values src/sim/scenarios/secret-logs.yaml prints (test/redaction/story.test.ts has them all).
    const secrets = [
      'OEGA6P3M4JbbM0nJVsbiw5i5Bng8TuF9UgGK6l95Jfiy8altmZ70RLfuwHKX',
      'DbNfShzjFUPHuBnT',
      'PgYH6f9LDccpLDYd',
      'PpdSVLciwk7OSRZj',
    ];
    expect(human.stdout).toMatch(/\[redacted\]/);
    for (const secret of secrets) {
      expect(human.stdout).not.toContain(secret);
      expect(json.stdout).not.toContain(secret);
    }
  });

  it.each([
    [
      ['--output', 'json'],
      /^kubemend diagnose: unknown option --output; allowed: --kubeconfig, --context, --config, --namespace, --workload, --pod, --node, --app, --json\.\n$/,
    ],
    [['extra'], /^kubemend diagnose: takes no arguments, got "extra"/],
    [['--pod', 'api'], /^kubemend diagnose: --namespace NS is required/],
    [
      ['--namespace', 'Shop_1', '--pod', 'api'],
      /^kubemend diagnose: --namespace "Shop_1" is not a namespace name; allowed: /,
    ],
    [
      ['--namespace', 'shop'],
      /^kubemend diagnose: nothing to diagnose; allowed: exactly one of --workload KIND\/NAME, --pod NAME, --node NAME, --app NAME\.\n$/,
    ],
    [
      ['--namespace', 'shop', '--pod', 'a', '--node', 'b'],
      /^kubemend diagnose: --pod and --node given together; allowed: exactly one of /,
    ],
    [
      ['--namespace', 'shop', '--workload', 'cronjob/nightly'],
      /^kubemend diagnose: --workload "cronjob\/nightly" is not KIND\/NAME with a kind the doctor knows; allowed kinds: deployment, statefulset, daemonset, job\.\n$/,
    ],
    [
      ['--namespace', 'shop', '--workload', 'api'],
      /^kubemend diagnose: --workload "api" is not KIND\/NAME/,
    ],
    [
      ['--namespace', 'shop', '--pod', '../etc/passwd'],
      /^kubemend diagnose: --pod "\.\.\/etc\/passwd" is not a Kubernetes name; allowed: /,
    ],
    [['--namespace', 'shop', '--app'], /^kubemend diagnose: option --app needs a value\.\n$/],
    [
      ['--namespace', 'shop', '--namespace', 'web', '--pod', 'a'],
      /^kubemend diagnose: option --namespace is given twice; allowed: once\.\n$/,
    ],
    [['--json=yes'], /^kubemend diagnose: option --json takes no value\.\n$/],
    [
      ['--namespace', 'shop', '--pod', 'a', '--config', '/nonexistent/kubemend.yml'],
      /^kubemend diagnose: config \/nonexistent\/kubemend\.yml cannot be read \(ENOENT\); pass one with --config FILE\.\n$/,
    ],
    [
      ['--namespace', 'shop', '--pod', 'a', '--kubeconfig', '/nonexistent/config'],
      /^kubemend diagnose: kubeconfig \/nonexistent\/config cannot be read \(ENOENT\); pass one with --kubeconfig FILE\.\n$/,
    ],
  ])('exits 2 with one line on bad input: %j', async (args, message) => {
    const { code, stdout, stderr } = await run(args);
    expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
    expect(stderr).toMatch(message);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});
