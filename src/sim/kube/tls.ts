// A CA and a server certificate for the HTTPS emulator, made with the openssl CLI
// (test-only): the CA fingerprint is one of the cluster-identity signals.
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ClusterTls {
  key: string;
  cert: string;
  /** The CA certificate, base64 of its PEM, as kubeconfigs carry it. */
  caData: string;
  /** SHA-256 fingerprint of the CA certificate, as `openssl x509 -fingerprint -sha256` prints it. */
  caFingerprint: string;
}

export function makeClusterTls(commonName = 'kubernetes'): ClusterTls {
  const dir = mkdtempSync(join(tmpdir(), 'kubemend-ca-'));
  const run = (...args: string[]): void =>
    void execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  run(
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '365',
    '-subj',
    `/CN=${commonName}-ca`,
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
  );
  run(
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-subj',
    '/CN=kube-apiserver',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
  );
  writeFileSync(
    join(dir, 'san.ext'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\n',
  );
  run(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '365',
    '-extfile',
    'san.ext',
    '-out',
    'server.crt',
  );
  const ca = readFileSync(join(dir, 'ca.crt'), 'utf8');
  return {
    key: readFileSync(join(dir, 'server.key'), 'utf8'),
    cert: readFileSync(join(dir, 'server.crt'), 'utf8'),
    caData: Buffer.from(ca).toString('base64'),
    caFingerprint: new X509Certificate(ca).fingerprint256,
  };
}
