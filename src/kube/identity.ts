// Cluster identity (docs/architecture.md, Guardrails): before any mutation, at least two
// of the API server URL, the CA certificate's fingerprint and the kube-system namespace's
// UID must match what the config says of the cluster. A kubeconfig pasted into the wrong
// secret, or a context that points somewhere else, then writes nothing.
import { X509Certificate, createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { KubeConfig, V1Namespace } from '@kubernetes/client-node';
import type { ExpectedIdentity } from '../config/config.js';
import type { KubeClient } from './client.js';

export interface ClusterIdentity {
  server: string;
  /** SHA-256 of the CA certificate (DER), lower-case hex; undefined without a CA (plain HTTP). */
  caSha256: string | undefined;
  kubeSystemUid: string | undefined;
}

export type { ExpectedIdentity } from '../config/config.js';

export type IdentityVerdict =
  | {
      status: 'confirmed';
      matched: (keyof ClusterIdentity)[];
      mismatched: (keyof ClusterIdentity)[];
    }
  | {
      status: 'uncertain';
      matched: (keyof ClusterIdentity)[];
      mismatched: (keyof ClusterIdentity)[];
      reason: string;
    }
  | { status: 'unconfigured' };

/** What the kubeconfig and the cluster say about which cluster this is (one GET). */
export async function observeIdentity(
  kubeconfig: KubeConfig,
  client: KubeClient,
): Promise<ClusterIdentity> {
  const cluster = kubeconfig.getCurrentCluster();
  const namespace = await client.get<V1Namespace>({
    apiVersion: 'v1',
    kind: 'Namespace',
    name: 'kube-system',
  });
  return {
    server: normaliseServer(cluster?.server ?? ''),
    caSha256: caFingerprint(cluster?.caData, cluster?.caFile),
    kubeSystemUid: namespace?.metadata?.uid,
  };
}

export function checkIdentity(
  observed: ClusterIdentity,
  expected: ExpectedIdentity | undefined,
): IdentityVerdict {
  if (!expected || (!expected.server && !expected.caSha256 && !expected.kubeSystemUid))
    return { status: 'unconfigured' };
  const matched: (keyof ClusterIdentity)[] = [];
  const mismatched: (keyof ClusterIdentity)[] = [];
  const compare = (
    key: keyof ClusterIdentity,
    want: string | undefined,
    have: string | undefined,
  ): void => {
    if (want === undefined) return;
    (have !== undefined && want === have ? matched : mismatched).push(key);
  };
  compare('server', expected.server && normaliseServer(expected.server), observed.server);
  compare(
    'caSha256',
    expected.caSha256 && normaliseFingerprint(expected.caSha256),
    observed.caSha256,
  );
  compare(
    'kubeSystemUid',
    expected.kubeSystemUid?.toLowerCase(),
    observed.kubeSystemUid?.toLowerCase(),
  );
  if (matched.length >= 2) return { status: 'confirmed', matched, mismatched };
  // Every signal differs: not a doubt but another cluster (or this one rebuilt).
  if (matched.length === 0 && mismatched.length > 0)
    return {
      status: 'uncertain',
      matched,
      mismatched,
      reason: `cluster identity mismatch: the cluster shows another ${mismatched.map(signalName).join(' and ')} than configured (another cluster, or this one rebuilt); at least 2 of server, ca-sha256 and kube-system-uid must match`,
    };
  return {
    status: 'uncertain',
    matched,
    mismatched,
    reason: `cluster identity uncertain: ${matched.length} of the configured signals match (${matched.join(', ') || 'none'}); at least 2 of server, ca-sha256 and kube-system-uid must`,
  };
}

const signalName = (key: keyof ClusterIdentity): string =>
  ({ server: 'server', caSha256: 'ca-sha256', kubeSystemUid: 'kube-system-uid' })[key];

/** The observed identity as the config block to paste under `clusters:`. */
export function identityYaml(name: string, observed: ClusterIdentity): string {
  return [
    'clusters:',
    `  ${name}:`,
    `    server: ${observed.server}`,
    ...(observed.caSha256 ? [`    ca-sha256: ${observed.caSha256}`] : []),
    ...(observed.kubeSystemUid ? [`    kube-system-uid: ${observed.kubeSystemUid}`] : []),
  ].join('\n');
}

/** `HTTPS://Host:443/` and `https://host` are one server. */
export function normaliseServer(server: string): string {
  try {
    const url = new URL(server);
    const port =
      url.port &&
      !(
        (url.protocol === 'https:' && url.port === '443') ||
        (url.protocol === 'http:' && url.port === '80')
      )
        ? `:${url.port}`
        : '';
    return `${url.protocol}//${url.hostname.toLowerCase()}${port}${url.pathname.replace(/\/+$/, '')}`;
  } catch {
    return server.trim().toLowerCase();
  }
}

/** `AB:CD:...`, `sha256:abcd...` and `abcd...` are one fingerprint. */
export function normaliseFingerprint(text: string): string {
  return text
    .replace(/^sha256:/i, '')
    .replace(/:/g, '')
    .toLowerCase();
}

function caFingerprint(caData: string | undefined, caFile: string | undefined): string | undefined {
  let pem: string | undefined;
  if (caData) pem = Buffer.from(caData, 'base64').toString('utf8');
  else if (caFile) pem = readFileSync(caFile, 'utf8');
  if (!pem) return undefined;
  try {
    const der = new X509Certificate(pem).raw;
    return createHash('sha256').update(der).digest('hex');
  } catch {
    return undefined;
  }
}
