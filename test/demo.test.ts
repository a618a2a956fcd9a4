// `npm run demo` as the README's quick start names it: `kubemend rehearse` of the registry
// outage (examples/rehearsals/registry-outage.yaml) through the shipped alert workflow on
// the simulated cluster and GitHub, ending in one merged incident and running pods.
import { spawn } from 'node:child_process';
import { repoRoot } from '../src/rehearse/action.js';

function demo(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '--silent', 'demo'], { cwd: repoRoot });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run demo', () => {
  it('takes the registry outage to one merged incident and shows the cluster before and after', async () => {
    const { code, stdout, stderr } = await demo();
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const [before, rest = ''] = stdout.split(/━━ 0s /);
    const after = rest.split('The cluster at the end')[1] ?? '';
    expect(before).toMatch(/shop\s+storefront-\S+\s+no\s+ImagePullBackOff/);
    expect(after).toMatch(/shop\s+storefront-\S+\s+yes\s+Running/);
    // The shop's pods were recreated and pulled; other namespaces wait for the kubelet's back-off.
    const shop = (after.split('Expectations')[0] ?? '')
      .split('\n')
      .filter((l) => l.startsWith('shop '));
    expect(shop.length).toBeGreaterThan(0);
    expect(shop.filter((l) => !/\byes\s+Running\b/.test(l))).toEqual([]);
    // Eight alerts in a storm, one pull request; the run after Docker Hub's return merges it.
    expect(stdout).toContain('✓ kubemend alerts / kubemend / intake ×8');
    expect(stdout).toMatch(/merged pull request by kubemend-bot · labels: .*kubemend\/resolved/);
    // The status names every target with what was done to it: cart shared the registry.
    expect(stdout).toMatch(
      /\| Deployment\/shop\/storefront \| firing since \S+ \| healthy: verified by image-pull \| delete Pod ×\d+ \(image-pull, auto\)/,
    );
    expect(stdout).toContain('| Deployment/shop/cart | added: its pods were stuck pulling');
    expect(stdout).toMatch(/^PASS: 1 incident\(s\)/m);
  });
});
