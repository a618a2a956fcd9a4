// The crash-loop playbook on the bad-rollout scenario: the crash is read from exit codes
// and the previous instance's log, tied to the latest rollout, and either restarted or,
// opted in, rolled back; the simulated cluster says whether it worked.
import { KubeClient } from '../../src/kube/client.js';
import { observeIdentity } from '../../src/kube/identity.js';
import { runCrashLoop } from '../../src/remediation/playbooks/crash-loop.js';
import type { RemediationJob } from '../../src/remediation/run.js';
import type { PlaybookMode } from '../../src/shared/constants.js';
import type { KubeEmulator } from '../../src/sim/kube/server.js';
import { remediationContext, simulatedCluster } from './support.js';

let kube: KubeEmulator;
afterEach(async () => {
  await kube.close();
});

const job = (mode: PlaybookMode): RemediationJob => ({
  playbook: 'crash-loop',
  category: 'crash-loop',
  incident: 4,
  id: 'badroll1',
  cluster: 'lab',
  targets: { cluster: 'lab', namespace: 'shop', workload: { kind: 'Deployment', name: 'api' } },
  mode,
});

async function setup() {
  const cluster = await simulatedCluster('bad-rollout');
  kube = cluster.kube;
  const observed = await observeIdentity(cluster.kc, new KubeClient(cluster.kc, { dryRun: true }));
  return (mode: PlaybookMode) =>
    remediationContext(kube, cluster.kc, mode, {
      server: observed.server,
      kubeSystemUid: observed.kubeSystemUid,
    });
}

const image = async () =>
  (
    (await (await fetch(`${kube.url}/apis/apps/v1/namespaces/shop/deployments/api`)).json()) as {
      spec: { template: { spec: { containers: { image: string }[] } } };
    }
  ).spec.template.spec.containers[0]!.image;

describe('the crash-loop playbook', () => {
  it('names the exit code, the last log line and the rollout the crash began with', async () => {
    const context = await setup();
    const result = await runCrashLoop(job('notify'), context('notify'), { rollback: false });
    expect(result.findings[0]).toMatch(
      /pod\(s\) crash-loop; container api last exited 1 \(Error\); last log lines: .*loading config from environment/,
    );
    expect(result.findings[1]).toMatch(
      /^the crash began with the latest rollout: revision 2 \(ghcr\.io\/acme\/api:1\.9\.0\) crashes while revision 1 \(ghcr\.io\/acme\/api:1\.8\.0\) runs$/,
    );
    expect(kube.writes()).toEqual([]);
  });

  it('opted in, rolls back to the previous ReplicaSet, and the cluster shows it running: resolved', async () => {
    const context = await setup();
    const result = await runCrashLoop(job('auto'), context('auto'), { rollback: true });
    expect(result.actions.map((a) => a.detail)).toEqual([
      'rollback to revision 1 (ghcr.io/acme/api:1.8.0)',
    ]);
    expect(await image()).toBe('ghcr.io/acme/api:1.8.0');
    expect(result.outcome).toBe('resolved');
  });

  it('without the opt-in, restarts instead, says so, and the crash goes on: unchanged', async () => {
    const context = await setup();
    const result = await runCrashLoop(job('auto'), context('auto'), { rollback: false });
    expect(result.actions[0]!.detail).toMatch(/^rollout restart \(restartedAt /);
    expect(result.decisions).toContainEqual(
      expect.objectContaining({
        reason: 'rollback is off (playbooks.crash-loop.rollback): restarted instead',
      }),
    );
    expect(await image()).toBe('ghcr.io/acme/api:1.9.0');
    expect(result.outcome).toBe('unchanged');
  });

  it('in dry-run sends the rollback with dryRun=All and changes nothing', async () => {
    const context = await setup();
    const result = await runCrashLoop(job('dry-run'), context('dry-run'), { rollback: true });
    expect(result.actions[0]).toMatchObject({ dryRun: true });
    expect(kube.writes()).toEqual([]);
    expect(await image()).toBe('ghcr.io/acme/api:1.9.0');
  });
});
