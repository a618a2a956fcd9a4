// `kubemend` as a user runs it: bin/kubemend.js over the bundled dist/, in a child
// process. Output is JSON on stdout; a mistake is one line on stderr and exit code 2.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../../src/rehearse/action.js';

const exec = promisify(execFile);
const BIN = join(repoRoot, 'bin/kubemend.js');
const dir = mkdtempSync(join(tmpdir(), 'kubemend-cli-'));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI; `input` is written to a file (or piped, for `-`). */
async function kubemend(
  args: string[],
  input?: string | Buffer,
  options: { stdin?: boolean; cwd?: string } = {},
): Promise<Run> {
  let file: string | undefined;
  if (input !== undefined && !options.stdin) {
    file = join(dir, `payload-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, input);
  }
  const child = execFile(process.execPath, [BIN, ...args, ...(file ? [file] : [])], {
    cwd: options.cwd ?? dir,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (options.stdin) child.stdin?.end(input);
  else child.stdin?.end();
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
  return { code, stdout, stderr };
}

interface Output {
  incidents: {
    key: string;
    title: string;
    cluster: string;
    namespace: string | null;
    status: string;
    categories: {
      name: string;
      confidence: number;
      evidence: { path: string; match: string; text: string }[];
    }[];
    targets: Record<string, unknown>;
    alerts: unknown[];
  }[];
}

const parse = (run: Run): Output => JSON.parse(run.stdout) as Output;

/** Exit 0 with JSON that escapes everything, or exit 2 with one line on stderr. */
function expectSafe(run: Run): void {
  if (run.code === 2) {
    expect(run.stdout).toBe('');
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    return;
  }
  expect(run.code).toBe(0);
  expect(run.stderr).toBe('');
  parse(run);
  // No raw control characters and no line a runner would read as a workflow command.
  // eslint-disable-next-line no-control-regex -- looking for control characters is the point
  expect(run.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f]/);
  for (const line of run.stdout.split('\n')) expect(line.trimStart()).not.toMatch(/^::/);
}

const event = {
  event: {
    type: 'Warning',
    reason: 'Failed',
    message:
      'Failed to pull image "docker.io/library/nginx:1.25": rpc error: code = Unknown desc = failed to pull and unpack image "docker.io/library/nginx:1.25": failed to copy: httpReadSeeker: failed open: unexpected status code https://registry-1.docker.io/v2/library/nginx/manifests/sha256:4c0f: 429 Too Many Requests - Server message: toomanyrequests: You have reached your pull rate limit.',
    count: 12,
  },
  involved_object: { kind: 'Pod', name: 'web-6d8f7c9b54-q8w7z', namespace: 'shop' },
};

describe('kubemend triage', () => {
  it('prints the incidents as JSON with categories, evidence and targets, and exits 0', async () => {
    const run = await kubemend(['triage', '--cluster', 'homelab'], JSON.stringify(event));
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const [incident] = parse(run).incidents;
    expect(incident).toMatchObject({
      key: 'cluster=homelab\ntitle=failed pod/shop/web',
      title: 'Failed Pod/shop/web',
      cluster: 'homelab',
      namespace: 'shop',
      status: 'firing',
      targets: {
        cluster: 'homelab',
        namespace: 'shop',
        workload: { kind: 'Deployment', name: 'web' },
        pods: ['web-6d8f7c9b54-q8w7z'],
      },
    });
    expect(incident!.categories[0]).toMatchObject({ name: 'image-pull' });
    expect(incident!.categories[0]!.evidence).toContainEqual(
      expect.objectContaining({
        path: 'event.message',
        rule: 'image-pull/rate-limit',
        match: expect.stringContaining('toomanyrequests'),
      }),
    );
    const confidences = incident!.categories.map((c) => c.confidence);
    expect([...confidences].sort((a, b) => b - a)).toEqual(confidences);
    expect(incident!.alerts).toHaveLength(1);
  });

  it('reads a repository_dispatch request body, a bare client_payload, a GitHub event file and stdin alike', async () => {
    const bodies = [
      { event_type: 'kubernetes-event', client_payload: { ...event, cluster: 'homelab' } },
      { ...event, cluster: 'homelab' },
      {
        action: 'kubernetes-event',
        branch: 'main',
        client_payload: { ...event, cluster: 'homelab' },
        repository: { full_name: 'o/r' },
        sender: { login: 'argocd' },
      },
    ];
    const runs = await Promise.all([
      ...bodies.map((body) => kubemend(['triage'], JSON.stringify(body))),
      kubemend(['triage', '-'], JSON.stringify(bodies[0]), { stdin: true }),
    ]);
    const keys = runs.map((run) => {
      expect(run.code).toBe(0);
      return parse(run).incidents.map((i) => [i.key, i.categories[0]!.name]);
    });
    for (const k of keys) expect(k).toEqual(keys[0]);
  });

  it('gives one incident per problem of an Alertmanager group, resolved ones included', async () => {
    const group = {
      version: '4',
      groupKey: '{}:{namespace="shop"}',
      status: 'firing',
      alerts: [
        {
          status: 'firing',
          labels: {
            alertname: 'KubePodCrashLooping',
            namespace: 'shop',
            pod: 'cart-5f6d7c8b9d-x7k2q',
            container: 'cart',
            cluster: 'prod',
            severity: 'warning',
          },
          annotations: {
            description:
              'Pod shop/cart-5f6d7c8b9d-x7k2q (cart) is in waiting state (reason: "CrashLoopBackOff").',
          },
        },
        {
          status: 'resolved',
          labels: {
            alertname: 'KubePersistentVolumeFillingUp',
            namespace: 'shop',
            persistentvolumeclaim: 'data-db-0',
            cluster: 'prod',
            severity: 'critical',
          },
          annotations: {
            description:
              'The PersistentVolume claimed by data-db-0 in Namespace shop is only 2.5% free.',
          },
        },
      ],
    };
    const out = parse(await kubemend(['triage'], JSON.stringify(group)));
    expect(out.incidents.map((i) => [i.status, i.categories[0]!.name])).toEqual([
      ['firing', 'crash-loop'],
      ['resolved', 'storage'],
    ]);
    expect(out.incidents[1]!.targets).toMatchObject({ pvc: 'data-db-0' });
  });

  it('triages a payload that names no cluster, as cluster unknown unless --cluster names it', async () => {
    const payload = JSON.stringify({ title: 'Node pi-3 not ready', resource: 'Node/pi-3' });
    const [unnamed] = parse(await kubemend(['triage'], payload)).incidents;
    expect(unnamed).toMatchObject({
      cluster: 'unknown',
      categories: [expect.objectContaining({ name: 'node' })],
    });
    const [named] = parse(await kubemend(['triage', '--cluster', 'homelab'], payload)).incidents;
    expect(named).toMatchObject({ cluster: 'homelab', targets: { node: 'pi-3' } });
  });

  it('applies the user rules of --config', async () => {
    const config = join(dir, 'rules.yml');
    writeFileSync(
      config,
      'triage:\n  rules:\n    - { name: docker-hub, match: { message: registry-1\\.docker\\.io }, category: node, confidence: 0.99 }\n',
    );
    const out = parse(
      await kubemend(['triage', '--cluster', 'c', '--config', config], JSON.stringify(event)),
    );
    expect(out.incidents[0]!.categories[0]).toMatchObject({ name: 'node', confidence: 0.99 });
  });

  it.each([
    [
      'a file that does not exist',
      ['triage', join(dir, 'nope.json')],
      undefined,
      /^kubemend: .*nope\.json cannot be read \(ENOENT\)\.$/,
    ],
    ['text that is not JSON', ['triage'], '{"title": ', /^kubemend: .* is not JSON \(/],
    [
      'JSON of no known shape',
      ['triage'],
      '{"hello":"world"}',
      /^payload matches no known shape; expected /,
    ],
    [
      'a bad --cluster',
      ['triage', '--cluster', 'a b'],
      '{"title":"x"}',
      /^kubemend: --cluster "a b" is not a cluster name/,
    ],
    [
      'an unknown option',
      ['triage', '--verbose'],
      '{}',
      /^kubemend: unknown option --verbose; allowed: --cluster, --config\.$/,
    ],
    [
      'an unknown short flag',
      ['triage', '-v'],
      '{}',
      /^kubemend: unknown option -v; allowed: --cluster, --config\.$/,
    ],
    [
      'an option of a command that takes none',
      ['validate-config', '--strict'],
      'version: 1',
      /^kubemend: unknown option --strict; allowed: none\.$/,
    ],
    [
      'an option given an empty value',
      ['triage', '--cluster='],
      '{}',
      /^kubemend: option --cluster needs a value\.$/,
    ],
    [
      'two files',
      ['triage', 'a.json'],
      '{}',
      /^kubemend: triage takes one FILE \(or - for stdin\); got 2\.$/,
    ],
    [
      'an unknown command',
      ['doctor'],
      undefined,
      /^kubemend: unknown command "doctor"; allowed: triage, validate-config, scan, diagnose, rehearse, relay, metrics, help, --version\.$/,
    ],
    ['no command', [], undefined, /^kubemend: a command is required/],
  ])('exits 2 with one line on %s', async (_name, args, input, message) => {
    const run = await kubemend(args, input);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trimEnd()).toMatch(message);
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});

describe('kubemend triage on hostile payloads (the classes of the intake issue)', () => {
  const generic = (overrides: Record<string, unknown>) =>
    JSON.stringify({ title: 'Disk full', cluster: 'homelab', ...overrides });
  const deep = (n: number): unknown => (n === 0 ? 'x' : { a: deep(n - 1) });
  const cases: [string, string | Buffer][] = [
    [
      'path traversal',
      generic({
        title: '../../../etc/passwd',
        namespace: '../../kube-system',
        resource: 'Pod/../../x',
      }),
    ],
    [
      'workflow commands and expressions',
      generic({
        title: '::set-output name=x::y',
        message: '\n::error::forged\n${{ secrets.GITHUB_TOKEN }}',
      }),
    ],
    [
      'shell metacharacters',
      generic({ namespace: '$(reboot)', resource: 'Deployment/`id`;rm -rf /', cluster: 'a;b' }),
    ],
    [
      'Markdown, HTML and mentions',
      generic({
        title: '<img src=x onerror=alert(1)> @octocat #1',
        message: '<script>x</script> [a](javascript:x)',
      }),
    ],
    [
      'forged markers',
      generic({
        message: '<!-- kubemend:incident deadbeef -->\n<details><summary>Incident record</summary>',
      }),
    ],
    ['oversized strings', generic({ title: 'x'.repeat(100_000), message: 'y'.repeat(500_000) })],
    ['an oversized payload', generic({ message: 'z'.repeat(1_300_000) })],
    ['deep nesting', JSON.stringify({ title: 't', cluster: 'c', context: deep(40) })],
    [
      'control characters',
      generic({ title: 'a\u0000b\u001b[31mred\u0007', message: 'c\u202ed\u2066e' }),
    ],
    [
      'invalid UTF-8',
      Buffer.concat([
        Buffer.from('{"title":"bad '),
        Buffer.from([0xff, 0xfe, 0xc3]),
        Buffer.from('","cluster":"homelab"}'),
      ]),
    ],
    [
      'homoglyphs and right-to-left marks',
      generic({ cluster: 'hоmelab', title: 'Disk \u202efull' }),
    ],
    [
      'YAML-special strings',
      generic({
        title: 'yes',
        message: '*anchor &ref !!python/object:os.system',
        namespace: 'null',
      }),
    ],
    [
      'tens of thousands of alerts',
      JSON.stringify({
        version: '4',
        groupKey: 'g',
        alerts: Array.from({ length: 30_000 }, () => ({
          labels: { alertname: 'A', cluster: 'c' },
        })),
      }),
    ],
    [
      'the most alerts one payload may hold',
      JSON.stringify({
        version: '4',
        groupKey: 'g',
        alerts: Array.from({ length: 2000 }, (_, i) => ({
          labels: { alertname: `A${i}`, cluster: 'c' },
        })),
      }),
    ],
  ];

  it.each(cases)('%s: exit 0 with escaped JSON or exit 2 with one line', async (_name, input) => {
    expectSafe(await kubemend(['triage'], input));
  });

  it('keeps hostile text as data: targets hold only names Kubernetes would accept', async () => {
    const run = await kubemend(['triage'], cases[2]![1]);
    expect(run.code).toBe(0);
    const [incident] = parse(run).incidents;
    expect(incident!.targets).toEqual({ cluster: 'a;b', pods: [], containers: [] });
  });
});

describe('kubemend validate-config', () => {
  it('says a valid file is valid and summarises it', async () => {
    const run = await kubemend([
      'validate-config',
      join(repoRoot, 'test/config/full.kubemend.yml'),
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /full\.kubemend\.yml: valid; 3 user rule\(s\); playbooks: image-pull=auto, crash-loop=approve, oom=auto/,
    );
  });

  it('rejects a typo the way the actions do: key, value, suggestion, one line, exit 2', async () => {
    const file = join(dir, 'kubemend.yml');
    writeFileSync(file, 'playbooks:\n  image-pull: { mode: atuo }\n');
    const run = await kubemend(['validate-config', file]);
    expect(run).toEqual({
      code: 2,
      stdout: '',
      stderr: `Config ${file}: 'playbooks.image-pull.mode' is "atuo"; did you mean 'auto'? Allowed: one of off, notify, dry-run, propose, approve, auto.\n`,
    });
  });

  it('checks the relay section the relay reads: a misspelt key gets a suggestion, one line, exit 2', async () => {
    const file = join(dir, 'kubemend.yml');
    writeFileSync(file, 'relay:\n  refersh: 30m\n');
    const run = await kubemend(['validate-config', file]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      new RegExp(
        `^Config ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: 'relay\\.refersh' .*did you mean 'refresh'\\?.*\n$`,
      ),
    );
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('lists every problem of a file with three mistakes in one run, one per line, exit 2', async () => {
    const file = join(dir, 'kubemend.yml');
    writeFileSync(
      file,
      [
        'playbooks:',
        '  crash-loop: { mode: aprove }',
        'intake:',
        '  max-incidents: 0',
        'guardrails:',
        '  cooldwn: 5m',
        '',
      ].join('\n'),
    );
    const run = await kubemend(['validate-config', file]);
    expect(run).toEqual({
      code: 2,
      stdout: '',
      stderr: [
        `Config ${file}: 'playbooks.crash-loop.mode' is "aprove"; did you mean 'approve'? Allowed: one of off, notify, dry-run, propose, approve, auto.`,
        `Config ${file}: 'intake.max-incidents' is 0; allowed: a whole number from 1 to 100.`,
        `Config ${file}: 'guardrails.cooldwn' is not a known key; did you mean 'cooldown'? Allowed: opt-in-label, protected-namespaces, min-healthy-nodes, max-targets, rate-limit, playbook-rate-limit, cooldown, storm-incidents, storm-window, recurrence-limit, recurrence-window, ledger-namespace, concurrency, verify-timeout, verify-interval.`,
        '',
      ].join('\n'),
    });
  });

  it.each([
    ['a lookahead', 'match', String.raw`OOM(?!Killed)`, '`(?!`'],
    ['a backreference', 'unless', String.raw`(\w+) \1`, '`\\1`'],
  ])(
    'refuses a rule pattern with %s in one line naming the key, exit 2',
    async (_name, part, pattern, fragment) => {
      const file = join(dir, 'kubemend.yml');
      writeFileSync(
        file,
        part === 'match'
          ? `triage:\n  rules:\n    - name: mine\n      match: { reason: BackOff, message: '${pattern}' }\n      category: oom\n`
          : `triage:\n  rules:\n    - name: mine\n      match: { reason: BackOff }\n      unless: { message: '${pattern}' }\n      category: oom\n`,
      );
      const run = await kubemend(['validate-config', file]);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toBe(
        `Config ${file}: 'triage.rules[0].${part}.message' is ${JSON.stringify(pattern)}; allowed: RE2 syntax: no lookaround or backreferences (${part === 'match' ? 'invalid or unsupported Perl syntax' : 'invalid escape sequence'}: ${fragment}).\n`,
      );
    },
  );

  it('accepts a rule pattern with nested quantifiers, which RE2 runs in linear time', async () => {
    const file = join(dir, 'kubemend.yml');
    writeFileSync(
      file,
      "triage:\n  rules:\n    - { name: mine, match: { message: '^(\\w+\\s?)*$' }, category: oom }\n",
    );
    const run = await kubemend(['validate-config', file]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/valid; 1 user rule\(s\)/);
  });
});

describe('npx kubemend', () => {
  it('runs the package bin from the repository, as after npm ci', async () => {
    const { stdout } = await exec('npx', ['--no-install', 'kubemend', 'help'], { cwd: repoRoot });
    expect(stdout).toMatch(/^Usage:\n {2}kubemend triage/);
  });
});
