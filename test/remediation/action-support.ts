// The bundled remediate action as the runner runs it (`node dist/remediate/index.js` with
// INPUT_* variables) against a scenario of the Kubernetes emulator, whose clock runs 60
// times faster than the wall clock: the action's real waits are minutes of simulated
// time, and the simulated cluster decides every outcome.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import type { RemediationResult } from '../../src/remediation/result.js';
import { resourceForKind } from '../../src/sim/kube/resources.js';
import { loadScenario } from '../../src/sim/kube/scenario.js';
import { KubeEmulator } from '../../src/sim/kube/server.js';
import type { KObject } from '../../src/sim/kube/store.js';
import { runAction, type ActionRun } from '../../src/rehearse/action.js';

const SPEEDUP = 60;

/** The scenario's cluster, settled, with the ledger namespace, its clock running. */
export async function scenarioCluster(scenario: string, settleMs = 60_000): Promise<KubeEmulator> {
  const kube = await new KubeEmulator().listen();
  loadScenario(kube, scenario);
  kube.seed(resourceForKind('v1', 'Namespace')!, {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'kubemend' },
  } as KObject);
  kube.advance(settleMs);
  kube.runClock(SPEEDUP);
  return kube;
}

export function kubeSystemUid(kube: KubeEmulator): string {
  return kube.store.get(resourceForKind('v1', 'Namespace')!, undefined, 'kube-system')!.metadata
    .uid!;
}

/** A workspace whose config knows the emulator's identity (server and kube-system UID). */
export function remediateWorkspace(
  kube: KubeEmulator,
  config: Record<string, unknown> = {},
  identity: 'match' | 'other' | 'none' = 'match',
): string {
  const dir = join(
    tmpdir(),
    `kubemend-remediate-${process.pid}-${Math.random().toString(36).slice(2)}`,
  );
  mkdirSync(join(dir, '.github'), { recursive: true });
  const clusters =
    identity === 'none'
      ? {}
      : {
          lab:
            identity === 'match'
              ? { server: kube.url, 'kube-system-uid': kubeSystemUid(kube) }
              : {
                  server: 'https://10.0.0.1:6443',
                  'kube-system-uid': '00000000-0000-4000-8000-000000000000',
                },
        };
  const { guardrails, ...rest } = config as { guardrails?: Record<string, unknown> };
  writeFileSync(
    join(dir, '.github/kubemend.yml'),
    dump({
      clusters,
      guardrails: { 'verify-interval': '1s', 'verify-timeout': '5s', ...guardrails },
      ...rest,
    }),
  );
  return dir;
}

export interface Remediation {
  run: ActionRun;
  result: RemediationResult;
}

/** One run of the bundled action, and the result file it wrote. */
export async function remediate(
  kube: KubeEmulator,
  playbook: string,
  targets: Record<string, unknown>,
  options: { mode?: string; workspace?: string; id?: string; incident?: number } = {},
): Promise<Remediation> {
  const run = await runAction('remediate', {
    inputs: {
      kubeconfig: Buffer.from(kube.kubeconfig()).toString('base64'),
      playbook,
      targets: JSON.stringify({
        playbook,
        category: playbook,
        confidence: 0.9,
        incident: options.incident ?? 7,
        id: options.id ?? 'a1b2c3d4',
        cluster: 'lab',
        targets: { cluster: 'lab', pods: [], containers: [], ...targets },
      }),
      ...(options.mode ? { mode: options.mode } : {}),
    },
    workspace: options.workspace ?? remediateWorkspace(kube),
    githubToken: '',
    timeoutMs: 300_000,
  });
  const path = run.outputs['result-path'];
  if (!path) throw new Error(`no result-path output; stderr: ${run.stderr}\nstdout: ${run.stdout}`);
  const result = JSON.parse(readFileSync(path, 'utf8')) as RemediationResult;
  expect(run.outputs.outcome).toBe(result.outcome);
  return { run, result };
}

/** The guardrail decisions that refused a target. */
export const refused = (r: RemediationResult) => r.decisions.filter((d) => !d.allowed);
