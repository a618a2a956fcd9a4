// A named simulated cluster: an HTTPS Kubernetes emulator whose identity (CA certificate
// and kube-system uid) depends only on the name, so a config's `clusters:` entry written
// once matches every rehearsal of that cluster, though the port differs every run.
import { KubeEmulator, type KubeEmulatorOptions } from './server.js';
import { clusterUid } from './store.js';
import { clusterTls } from './tls.js';

export interface SimulatedClusterIdentity {
  /** SHA-256 of the CA certificate (DER), lower-case hex, as the config's `ca-sha256`. */
  caSha256: string;
  kubeSystemUid: string;
}

/** What `kubemend` will observe of the simulated cluster `name`, without starting it. */
export function simulatedClusterIdentity(name: string): SimulatedClusterIdentity {
  return {
    caSha256: clusterTls(name).caSha256,
    kubeSystemUid: clusterUid(name, 'v1/Namespace//kube-system'),
  };
}

/** Starts an HTTPS emulator for the cluster `name` on a loopback port (`port` 0: any free one). */
export function startCluster(
  name: string,
  options: Omit<KubeEmulatorOptions, 'tls' | 'cluster'> & { port?: number } = {},
): Promise<KubeEmulator> {
  const { port, ...rest } = options;
  return new KubeEmulator({ ...rest, cluster: name, tls: clusterTls(name) }).listen(port);
}
