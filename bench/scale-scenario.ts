// A cluster with many stuck pods for bench/remediate-scale and its test: `namespaces`
// opted-in namespaces, each with `deployments` Deployments of `replicas` pods whose
// images come from a registry the simulation marks unreachable, plus healthy pods.
import type { Scenario } from '../src/sim/kube/scenario.js';

export function scaleScenario(namespaces = 50, deployments = 2, replicas = 5): Scenario {
  const objects: Record<string, unknown>[] = [];
  for (let n = 0; n < namespaces; n++) {
    const namespace = `team-${String(n).padStart(2, '0')}`;
    objects.push({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: namespace, labels: { 'kubemend.io/remediate': 'true' } },
    });
    for (let d = 0; d < deployments + 1; d++) {
      // The last Deployment of each namespace pulls from a registry that works.
      const healthy = d === deployments;
      const name = healthy ? 'web' : `worker-${d}`;
      const labels = { 'app.kubernetes.io/name': name };
      objects.push({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name, namespace, labels },
        spec: {
          replicas: healthy ? 1 : replicas,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              containers: [
                {
                  name,
                  image: healthy ? 'registry.lab:5000/web:1.0' : `quay.io/acme/${name}:2.3.${n}`,
                  resources: { requests: { cpu: '1m', memory: '8Mi' } },
                },
              ],
            },
          },
        },
      });
    }
  }
  return {
    description: `${namespaces * deployments * replicas} pods stuck pulling from quay.io across ${namespaces} namespaces`,
    facts: { registries: { 'quay.io': 'unreachable', 'registry.lab:5000': 'ok' } },
    nodes: Array.from({ length: 10 }, (_, i) => ({
      name: `worker-${i + 1}`,
      roles: ['worker'],
      cpu: '64',
      memory: '256Gi',
    })),
    objects,
    settleSeconds: 120,
  } as unknown as Scenario;
}
