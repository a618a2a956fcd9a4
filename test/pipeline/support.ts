// What the pipeline tests share: both emulators with the registry-outage scenario, the
// caller's repository (its config, with the cluster's identity), and Alertmanager's
// alert while Docker Hub is down.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { startGitHubEmulator, type GitHubEmulator } from '../emulators/github/server.js';
import { resourceForKind } from '../emulators/kube/resources.js';
import { loadScenario } from '../emulators/kube/scenario.js';
import { KubeEmulator } from '../emulators/kube/server.js';
import type { KObject } from '../emulators/kube/store.js';
import { REPOSITORY } from '../intake/support.js';

export async function startEmulators(): Promise<{ gh: GitHubEmulator; kube: KubeEmulator }> {
  const gh = await startGitHubEmulator({ repos: [REPOSITORY], budget: 1_000_000 });
  const kube = await new KubeEmulator().listen();
  loadScenario(kube, 'registry-outage');
  kube.seed(resourceForKind('v1', 'Namespace')!, {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'kubemend' },
  } as KObject);
  kube.runClock(60);
  return { gh, kube };
}

/** The caller's repository as a checkout brings it: `.github/kubemend.yml`. */
export function callerRepository(
  kube: KubeEmulator,
  config: { playbooks?: object; guardrails?: object } = {},
): string {
  const dir = mkdtempSync(join(tmpdir(), 'kubemend-caller-'));
  mkdirSync(join(dir, '.github'));
  const uid = kube.store.get(resourceForKind('v1', 'Namespace')!, undefined, 'kube-system')!
    .metadata.uid;
  writeFileSync(
    join(dir, '.github/kubemend.yml'),
    dump({
      playbooks: config.playbooks ?? { 'image-pull': { mode: 'auto' } },
      guardrails: { 'verify-interval': '1s', 'verify-timeout': '5s', ...config.guardrails },
      clusters: { lab: { server: kube.url, 'kube-system-uid': uid } },
    }),
  );
  return dir;
}

/** What Alertmanager's relay sends while Docker Hub is down. */
export const ALERT = {
  title: 'ImagePullBackOff in shop',
  cluster: 'lab',
  severity: 'critical',
  status: 'firing',
  namespace: 'shop',
  resource: 'Deployment/storefront',
  message:
    'Back-off pulling image "nginx:1.27.3": dial tcp: lookup registry-1.docker.io: no such host',
};
