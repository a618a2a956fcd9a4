// `kubemend rehearse --print-identity`: the simulated clusters' identities as the
// `clusters:` block a rehearsal's config needs, as the first real run prints the real
// cluster's. The server URL is left out: the simulated API server's port differs every
// run, and the CA and kube-system UID are two signals, as many as the check needs.
import { simulatedClusterIdentity } from '../sim/kube/cluster.js';

export function identityBlock(clusters: string[]): string {
  return [
    `# The simulated cluster${clusters.length > 1 ? 's' : ''} ${clusters.join(', ')}: the same on every run and every machine.`,
    'clusters:',
    ...clusters.flatMap((cluster) => {
      const { caSha256, kubeSystemUid } = simulatedClusterIdentity(cluster);
      return [
        `  ${cluster}:`,
        `    ca-sha256: ${caSha256}`,
        `    kube-system-uid: ${kubeSystemUid}`,
      ];
    }),
  ].join('\n');
}
