import { dump } from 'js-yaml';

export interface KubeconfigOptions {
  server?: string;
  contexts?: string[];
  currentContext?: string | null;
  token?: string;
}

/** A kubeconfig with one cluster and user, and the given contexts over them. */
export function kubeconfigYaml(options: KubeconfigOptions = {}): string {
  const contexts = options.contexts ?? ['homelab'];
  return dump({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'cluster',
        cluster: {
          server: options.server ?? 'http://127.0.0.1:9',
          'insecure-skip-tls-verify': true,
        },
      },
    ],
    users: [{ name: 'remediator', user: { token: options.token ?? 'kube-token-5f2b9c1e7d' } }],
    contexts: contexts.map((name) => ({
      name,
      context: { cluster: 'cluster', user: 'remediator' },
    })),
    ...(options.currentContext === null
      ? {}
      : { 'current-context': options.currentContext ?? contexts[0] }),
  });
}
