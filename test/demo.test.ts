// `npm run demo` as the README's quick start names it: the registry outage through the
// pipeline on the emulators, ending in one merged incident, also written as Markdown.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../src/rehearse/action.js';

function demo(env: Record<string, string>): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '--silent', 'demo'], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout }));
  });
}

describe('npm run demo', () => {
  it('takes the registry outage to one merged incident and shows the cluster before and after', async () => {
    const output = join(mkdtempSync(join(tmpdir(), 'kubemend-demo-')), 'incident.md');
    const { code, stdout } = await demo({ DEMO_DISPATCHES: '8', DEMO_OUTPUT: output });
    expect(code).toBe(0);
    const [before, after] = stdout.split('The cluster after');
    expect(before).toMatch(/storefront-\S+\s+0\/1\s+ImagePullBackOff/);
    expect(after).toMatch(/storefront-\S+\s+1\/1\s+Running/);
    expect(after).not.toMatch(/ImagePullBackOff/);
    expect(stdout).toMatch(/7 intake runs, 10 at once, in [\d.]+ s: 0 failed, 1 open pull request/);
    expect(stdout).toMatch(/on main before the merge: 8 occurrences/);
    expect(stdout).toMatch(/^Kubernetes, by the all-in-one run: \d+ requests/m);
    const markdown = readFileSync(output, 'utf8');
    expect(markdown).toMatch(
      /^# \[critical\] homelab: KubePodNotReady shop storefront \(#1, merged\)/,
    );
    expect(markdown).toMatch(
      /\| image-pull \(auto\) \| shop Deployment\/storefront \| delete Pod ×\d+ \|/,
    );
    expect(markdown).toContain('kubemend/resolved');
  });
});
