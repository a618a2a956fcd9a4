/** Cluster names go into labels and branch names, so the input is held to a slug. */
const CLUSTER_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/;

/** A cluster name kubemend can carry into labels, branch names and matrix values. */
export const isClusterName = (s: string): boolean => CLUSTER_NAME.test(s);

/** DNS-1123 subdomain (object names): nothing in them can mean anything to a shell. */
export const isSubdomainName = (s: string): boolean =>
  s.length <= 253 && /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(s);

/** DNS-1123 label (namespace names). */
export const isLabelName = (s: string): boolean =>
  s.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(s);

/**
 * The repository secret that holds `cluster`'s own kubeconfig, for the setup of one secret
 * per cluster (docs/guardrails.md, Several clusters): `KUBECONFIG_` and the name
 * upper-cased, every character but A-Z and 0-9 turned into `_` (prod-eu: KUBECONFIG_PROD_EU),
 * as GitHub allows only letters, digits and `_` in a secret's name. The workflow reads
 * `secrets[<this>]`; the prefix keeps a hostile cluster name from naming any other secret.
 * Empty for no cluster.
 */
export function kubeconfigSecretName(cluster: string): string {
  return cluster ? `KUBECONFIG_${cluster.toUpperCase().replace(/[^A-Z0-9]/g, '_')}` : '';
}
