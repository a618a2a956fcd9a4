// Which clusters a sweep runs for, one matrix job each: the clusters the config names
// (their identities are what a sweep may act on), else the one cluster the workflow names
// (possibly none: the kubeconfig's own, as a sweep of one cluster always did). Each entry
// carries the secret that holds that cluster's own kubeconfig, when the repository keeps
// one per cluster.
import type { KubemendConfig } from '../config/config.js';
import { kubeconfigSecretName } from '../shared/names.js';

export interface SweepCluster {
  /** Empty: no cluster named; the sweep takes the kubeconfig's (its scan names it). */
  cluster: string;
  'kubeconfig-secret': string;
}

export function sweepClusters(config: KubemendConfig, named: string | undefined): SweepCluster[] {
  const configured = Object.keys(config.clusters);
  const clusters = configured.length ? configured : [named ?? ''];
  return clusters.map((cluster) => ({
    cluster,
    'kubeconfig-secret': kubeconfigSecretName(cluster),
  }));
}
