import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGitHubEmulator } from '../../src/sim/github/server.js';
import { kubeconfigYaml } from '../harness/kubeconfig.js';
import { repoRoot, runAction } from '../../src/rehearse/action.js';

const ACTIONS = readdirSync(join(repoRoot, 'actions')).sort();
const TOKEN = 'ghs_test0123456789abcdef';

describe('every action run by hand with no inputs', () => {
  const firstRequired: Record<string, string> = {
    intake: 'github-token',
    triage: "'alerts' or 'incident-number'",
    remediate: 'kubeconfig',
    report: 'github-token',
    diagnose: 'kubeconfig',
    sweep: 'kubeconfig',
    metrics: 'github-token',
  };

  it('covers every action folder', () => {
    expect(Object.keys(firstRequired).sort()).toEqual(ACTIONS);
  });

  it.each(ACTIONS)(
    '%s exits 1 with one line naming the missing input and no stack trace',
    async (action) => {
      const run = await runAction(action, { applyDefaults: false });
      expect(run.exitCode).toBe(1);
      expect(run.stderr).toBe('');
      const lines = run.stdout.split('\n').filter(Boolean);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^::error::Input '/);
      expect(lines[0]).toContain(firstRequired[action]);
      expect(run.stdout).not.toMatch(/\n\s+at /);
    },
  );
});

describe('intake inputs', () => {
  const dispatch = {
    name: 'repository_dispatch',
    payload: { action: 'alert', client_payload: { title: 'x', cluster: 'c' } },
  };

  it('rejects an unknown mode, naming the field and the allowed values', async () => {
    const run = await runAction('intake', {
      githubToken: TOKEN,
      event: dispatch,
      inputs: { mode: 'merge-request' },
    });
    expect(run.exitCode).toBe(1);
    expect(run.annotations).toEqual([
      {
        level: 'error',
        message: `Input 'mode' is "merge-request"; allowed: pr, issue.`,
        properties: {},
      },
    ]);
  });

  it('masks the token before anything else is printed, and never prints it again', async () => {
    const gh = await startGitHubEmulator({ repos: ['octo-org/gitops'] });
    try {
      const run = await runAction('intake', {
        githubToken: TOKEN,
        event: dispatch,
        apiUrl: gh.url,
        env: { KUBEMEND_WRITE_INTERVAL_MS: '0' },
      });
      expect(run.exitCode).toBe(0);
      expect(run.stdout.startsWith(`::add-mask::${TOKEN}\n`)).toBe(true);
      expect(run.stdout.split(TOKEN)).toHaveLength(2);
    } finally {
      await gh.close();
    }
  });

  it('reads the payload from the dispatch event and names what it lacks, before any request', async () => {
    const run = await runAction('intake', {
      githubToken: TOKEN,
      event: {
        name: 'repository_dispatch',
        payload: { action: 'alert', client_payload: { cluster: 'c' } },
      },
    });
    expect(run.exitCode).toBe(1);
    expect(run.annotations.map((a) => a.message)).toEqual([
      expect.stringMatching(/^payload matches no known shape; expected /),
    ]);
  });

  it('asks for a payload when the event carries none', async () => {
    const run = await runAction('intake', {
      githubToken: TOKEN,
      event: { name: 'push', payload: {} },
    });
    expect(run.annotations[0]?.message).toBe(
      `Input 'payload' is required when the event (push) has no client_payload: run on repository_dispatch or pass payload.`,
    );
  });

  it('reports invalid JSON by position, without echoing the payload', async () => {
    const run = await runAction('intake', {
      githubToken: TOKEN,
      inputs: { payload: '{"title": "secret-ish text", oops}' },
    });
    expect(run.annotations[0]?.message).toMatch(
      /^Input 'payload' is not valid JSON \(at position \d+\); expected a JSON object/,
    );
    expect(run.stdout).not.toContain('secret-ish');
  });

  it.each([
    [
      'cluster',
      'prod/../../etc',
      /^Input 'cluster' is "prod\/..\/..\/etc"; allowed: 1 to 63 letters/,
    ],
    [
      'config',
      '../../../etc/passwd',
      /^Input 'config' is "..\/..\/..\/etc\/passwd"; allowed: a path relative to the workspace/,
    ],
    ['config', '/etc/passwd', /^Input 'config' is "\/etc\/passwd"; allowed: a path relative/],
    ['base', 'main;rm -rf /', /^Input 'base' is "main;rm -rf \/"; allowed: a branch name/],
    [
      'labels',
      'ok,' + 'x'.repeat(51),
      /^Input 'labels' has the label "x{51}"; allowed: label names of at most 50/,
    ],
  ])('rejects %s %j with one line naming it', async (name, value, message) => {
    const run = await runAction('intake', {
      githubToken: TOKEN,
      event: dispatch,
      inputs: { [name]: value },
    });
    expect(run.exitCode).toBe(1);
    expect(run.annotations).toHaveLength(1);
    expect(run.annotations[0]?.message).toMatch(message);
  });

  it('shows control characters in a bad value instead of printing them', async () => {
    const run = await runAction('intake', {
      githubToken: TOKEN,
      event: dispatch,
      inputs: { mode: 'pr\n::error::forged' },
    });
    expect(run.annotations).toHaveLength(1);
    expect(run.annotations[0]?.message).toBe(
      `Input 'mode' is "pr\\n::error::forged"; allowed: pr, issue.`,
    );
  });
});

describe('triage inputs', () => {
  it('needs alerts, a scan folder or an incident number', async () => {
    const run = await runAction('triage', { githubToken: TOKEN });
    expect(run.annotations[0]?.message).toBe(
      `Input 'alerts', 'from-dir' or 'incident-number' is required: pass intake's 'alerts' or 'incident-number' output, or the folder of the sweep's scan artifacts.`,
    );
  });

  it('rejects alerts that are not a JSON array', async () => {
    const run = await runAction('triage', { githubToken: TOKEN, inputs: { alerts: '{"a":1}' } });
    expect(run.annotations[0]?.message).toBe(
      `Input 'alerts' is not a JSON array; pass intake's 'alerts' output.`,
    );
  });

  it('needs a token to label an incident', async () => {
    const run = await runAction('triage', { inputs: { 'incident-number': '7' } });
    expect(run.annotations[0]?.message).toMatch(
      /^Input 'github-token' is required with 'incident-number'/,
    );
  });

  it('rejects an incident number that is not one', async () => {
    const run = await runAction('triage', {
      githubToken: TOKEN,
      inputs: { 'incident-number': '7; echo' },
    });
    expect(run.annotations[0]?.message).toBe(
      `Input 'incident-number' is "7; echo"; allowed: an issue or pull request number.`,
    );
  });
});

describe('remediate inputs', () => {
  const valid = { playbook: 'oom', targets: '{"playbook":"oom","namespace":"shop"}' };

  it('masks the kubeconfig before anything else is printed', async () => {
    const kubeconfig = kubeconfigYaml({ token: 'kube-token-ffee1122' });
    const run = await runAction('remediate', {
      githubToken: TOKEN,
      inputs: { ...valid, kubeconfig },
    });
    expect(run.masks[0]).toBe(kubeconfig.trim());
    expect(run.masks).toContain('kube-token-ffee1122');
    // The matrix entry lacks its id: refused, after the kubeconfig was masked.
    expect(run.annotations.map((a) => a.message)).toEqual([
      "Input 'targets': 'id' is not an incident hash (hex); pass ${{ toJSON(matrix) }} from triage's matrix unchanged.",
    ]);
    const afterMasks = run.stdout.split('\n').filter((line) => !line.startsWith('::add-mask::'));
    expect(afterMasks.join('\n')).not.toContain('kube-token-ffee1122');
  });

  it('accepts a base64 kubeconfig and masks the decoded text too', async () => {
    const yaml = kubeconfigYaml({ token: 'kube-token-b64b64b64' });
    const run = await runAction('remediate', {
      inputs: { ...valid, kubeconfig: Buffer.from(yaml).toString('base64') },
    });
    expect(run.annotations[0]?.message).toMatch(/^Input 'targets': 'id' is not/);
    expect(run.masks).toContain(yaml);
    expect(run.masks).toContain('kube-token-b64b64b64');
  });

  it('names the line of a YAML error without quoting the kubeconfig', async () => {
    const kubeconfig = 'apiVersion: v1\nusers:\n- name: u\n  user: {token: "tok-abcdef-123456\n';
    const run = await runAction('remediate', { inputs: { ...valid, kubeconfig } });
    expect(run.annotations).toHaveLength(1);
    expect(run.annotations[0]?.message).toMatch(
      /^Input 'kubeconfig' is not valid YAML at line \d+, column \d+; expected a kubeconfig/,
    );
    const printed = run.stdout
      .split('\n')
      .filter((line) => !line.startsWith('::add-mask::'))
      .join('\n');
    expect(printed).not.toContain('tok-abcdef');
  });

  it('lists the contexts when the asked one does not exist', async () => {
    const kubeconfig = kubeconfigYaml({ contexts: ['homelab', 'staging'] });
    const run = await runAction('remediate', { inputs: { ...valid, kubeconfig, context: 'prod' } });
    expect(run.annotations[0]?.message).toBe(
      `Input 'context' is "prod" but the kubeconfig has no such context; allowed: homelab, staging.`,
    );
  });

  it('asks for a context when the kubeconfig sets none', async () => {
    const kubeconfig = kubeconfigYaml({ contexts: ['a', 'b'], currentContext: null });
    const run = await runAction('remediate', { inputs: { ...valid, kubeconfig } });
    expect(run.annotations[0]?.message).toBe(
      `Input 'context' is required: the kubeconfig sets no current-context; pass one of: a, b.`,
    );
  });

  it('rejects an unknown playbook, listing the playbooks', async () => {
    const run = await runAction('remediate', {
      inputs: { ...valid, playbook: 'reboot-everything', kubeconfig: kubeconfigYaml() },
    });
    expect(run.annotations[0]?.message).toBe(
      `Input 'playbook' is "reboot-everything"; allowed: image-pull, crash-loop, oom, argocd, flux, storage, scheduling, node, probe, certificate, workload, unknown.`,
    );
  });

  it('rejects an unknown mode', async () => {
    const run = await runAction('remediate', {
      inputs: { ...valid, mode: 'yolo', kubeconfig: kubeconfigYaml() },
    });
    expect(run.annotations[0]?.message).toBe(
      `Input 'mode' is "yolo"; allowed: off, notify, dry-run, propose, approve, auto.`,
    );
  });

  it('needs the matrix entry as targets', async () => {
    const run = await runAction('remediate', {
      inputs: { playbook: 'oom', kubeconfig: kubeconfigYaml() },
    });
    expect(run.annotations[0]?.message).toMatch(/^Input 'targets' is required as a JSON object/);
  });
});

describe('report inputs', () => {
  it('refuses a webhook that is not https, without quoting the secret URL', async () => {
    const run = await runAction('report', {
      githubToken: TOKEN,
      inputs: { 'incident-number': '12', 'notify-webhook': 'http://hooks.example/T000/B000/XXXX' },
    });
    expect(run.annotations).toHaveLength(1);
    expect(run.annotations[0]?.message).toBe(
      `Input 'notify-webhook' uses http; allowed: an https:// Slack or Discord incoming webhook URL.`,
    );
    expect(run.masks).toContain('http://hooks.example/T000/B000/XXXX');
  });

  it('needs the incident number', async () => {
    const run = await runAction('report', { githubToken: TOKEN });
    expect(run.annotations[0]?.message).toBe(
      `Input 'incident-number' is required: pass intake's 'incident-number' output.`,
    );
  });

  it('rejects a results directory outside the workspace', async () => {
    const run = await runAction('report', {
      githubToken: TOKEN,
      inputs: { 'incident-number': '3', 'results-dir': 'a/../../b' },
    });
    expect(run.annotations[0]?.message).toMatch(
      /^Input 'results-dir' is "a\/..\/..\/b"; allowed: a path relative/,
    );
  });
});

describe('diagnose inputs', () => {
  it("asks the permission of an issues.labeled event's sender before it reads anything", async () => {
    const run = await runAction('diagnose', {
      githubToken: TOKEN,
      inputs: { kubeconfig: kubeconfigYaml() },
      event: {
        name: 'issues',
        payload: { action: 'labeled', issue: { number: 42 }, label: { name: 'cluster-doctor' } },
      },
    });
    // No GitHub here: the one error line shows its first request, the permission of the
    // label's sender, asked before anything is read.
    expect(run.annotations.map((a) => a.message)).toEqual([
      expect.stringMatching(
        /^GitHub API GET \/repos\/octo-org\/gitops\/collaborators\/octocat\/permission failed/,
      ),
    ]);
  });

  it('asks for an issue number when the event is not about an issue', async () => {
    const run = await runAction('diagnose', {
      githubToken: TOKEN,
      inputs: { kubeconfig: kubeconfigYaml() },
      event: { name: 'schedule', payload: { schedule: '*/5 * * * *' } },
    });
    expect(run.annotations[0]?.message).toBe(
      `Input 'issue-number' is required when the event is not about an issue: pass the issue to diagnose.`,
    );
  });

  it('accepts one trigger label only', async () => {
    const run = await runAction('diagnose', {
      githubToken: TOKEN,
      inputs: { kubeconfig: kubeconfigYaml(), 'issue-number': '5', 'trigger-label': 'a,b' },
    });
    expect(run.annotations[0]?.message).toBe(
      `Input 'trigger-label' names 2 labels; allowed: one label name.`,
    );
  });
});

describe('start-up cost', () => {
  // The chunk that carries @kubernetes/client-node, found by a string only its KubeConfig has.
  const kubeChunks = readdirSync(join(repoRoot, 'dist'))
    .filter((name) => name.endsWith('.js'))
    .filter((name) =>
      readFileSync(join(repoRoot, 'dist', name), 'utf8').includes('kubeconfig authentication'),
    );

  async function loadedFiles(action: string, inputs: Record<string, string>): Promise<string[]> {
    const log = join(mkdtempSync(join(tmpdir(), 'kubemend-modules-')), 'modules.log');
    // A full run: intake opens an incident on the emulator, loading everything it uses.
    const gh = await startGitHubEmulator({ repos: ['octo-org/gitops'] });
    await runAction(action, {
      githubToken: TOKEN,
      apiUrl: gh.url,
      inputs,
      event: {
        name: 'repository_dispatch',
        payload: { client_payload: { title: 't', cluster: 'c' } },
      },
      env: { KUBEMEND_MODULE_LOG: log, KUBEMEND_WRITE_INTERVAL_MS: '0' },
      nodeArgs: ['--import', join(repoRoot, 'test/harness/module-log.mjs')],
    }).finally(() => gh.close());
    return readFileSync(log, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((url) => url.split('/').pop() ?? '');
  }

  it('finds exactly one chunk holding the Kubernetes client', () => {
    expect(kubeChunks).toHaveLength(1);
  });

  it.each([
    ['intake', {}],
    ['triage', { alerts: '[]' }],
    ['report', { 'incident-number': '1' }],
  ])('%s does not load the Kubernetes client', async (action, inputs) => {
    const files = await loadedFiles(action, inputs);
    expect(files).toContain('index.js');
    expect(files.filter((file) => kubeChunks.includes(file))).toEqual([]);
  });

  it('remediate does load it (the check above can see it)', async () => {
    const files = await loadedFiles('remediate', {
      kubeconfig: kubeconfigYaml(),
      playbook: 'oom',
      targets: '{}',
    });
    expect(files.filter((file) => kubeChunks.includes(file))).toHaveLength(1);
  });
});

describe('warnings from bundled dependencies', () => {
  // node-fetch 2, under @kubernetes/client-node, calls url.parse() in every request; in
  // dist/ it is outside node_modules/, where Node would print DEP0169 on every run.
  it('a remediation that sends a Kubernetes request prints no url.parse deprecation', async () => {
    const run = await runAction('remediate', {
      inputs: {
        kubeconfig: kubeconfigYaml(),
        playbook: 'oom',
        mode: 'dry-run',
        targets: JSON.stringify({
          id: '0123456789abcdef',
          playbook: 'oom',
          cluster: 'homelab',
          namespace: 'shop',
          kind: 'Deployment',
          name: 'web',
          issue: '1',
        }),
      },
    });
    expect(run.logLines).toContainEqual(expect.stringMatching(/ 1 Kubernetes request\(s\)\.$/));
    expect(run.stderr).not.toContain('DEP0169');
    expect(run.stderr).toBe('');
  });
});
