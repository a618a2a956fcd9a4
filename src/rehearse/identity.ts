// `kubemend rehearse --print-identity`: the simulated cluster's identity as the
// `clusters:` block a rehearsal's config needs, as the first real run prints the real
// cluster's. The server URL is left out: the simulated API server's port differs every
// run, and the CA and kube-system UID are two signals, as many as the check needs.
import { simulatedClusterIdentity } from '../sim/kube/cluster.js';

export function identityBlock(cluster: string): string {
  const { caSha256, kubeSystemUid } = simulatedClusterIdentity(cluster);
  return [
    `# The simulated cluster ${cluster}: the same on every run and every machine.`,
    'clusters:',
    `  ${cluster}:`,
    `    ca-sha256: ${caSha256}`,
    `    kube-system-uid: ${kubeSystemUid}`,
  ].join('\n');
}
