// A CA and a server certificate for the HTTPS emulator, made with Node's crypto alone.
// The CA fingerprint is one of the cluster-identity signals, and a rehearsal's emulator
// listens on a random port (the server URL never matches), so for a given cluster name
// the CA must be byte-identical on every run and machine: `clusterTls(name)` derives
// Ed25519 keys from a seed hashed from the name (an Ed25519 key is its 32-byte seed)
// and Ed25519 signatures are deterministic, so the DER below always comes out the same.
import {
  X509Certificate,
  createHash,
  createPrivateKey,
  createPublicKey,
  randomBytes,
  sign,
} from 'node:crypto';
import type { KeyObject } from 'node:crypto';

export interface ClusterTls {
  key: string;
  cert: string;
  /** The CA certificate, base64 of its PEM, as kubeconfigs carry it. */
  caData: string;
  /** SHA-256 fingerprint of the CA certificate, as `openssl x509 -fingerprint -sha256` prints it. */
  caFingerprint: string;
  /** The same fingerprint as kubemend's config takes it (`ca-sha256`): lower-case hex. */
  caSha256: string;
}

/** The same CA and server certificate for the same cluster name, on every run and machine. */
export function clusterTls(name: string): ClusterTls {
  if (typeof name !== 'string' || name === '')
    throw new Error('clusterTls: name must be a non-empty string');
  const seed = (role: string): Buffer =>
    createHash('sha256').update(`kubemend-sim/cluster-tls/v1\0${role}\0${name}`).digest();
  return issue(name, seed('ca'), seed('server'));
}

/** A fresh CA and server certificate (random keys), for tests that need two unrelated clusters. */
export function makeClusterTls(commonName = 'kubernetes'): ClusterTls {
  return issue(commonName, randomBytes(32), randomBytes(32));
}

const VALID_FROM = new Date(Date.UTC(2020, 0, 1, 0, 0, 0));
const VALID_TO = new Date(Date.UTC(2099, 11, 31, 23, 59, 59));
const SERVER_NAMES = { ips: ['127.0.0.1'], dns: ['localhost', 'kubernetes.default.svc'] };

function issue(commonName: string, caSeed: Buffer, serverSeed: Buffer): ClusterTls {
  const caKey = ed25519(caSeed);
  const serverKey = ed25519(serverSeed);
  const caSpki = createPublicKey(caKey).export({ type: 'spki', format: 'der' });
  const serverSpki = createPublicKey(serverKey).export({ type: 'spki', format: 'der' });
  const caName = name(`${commonName}-ca`);
  const caKeyId = keyId(caSpki);

  const caDer = certificate(caKey, {
    serial: serial(caSpki),
    issuer: caName,
    subject: caName,
    spki: caSpki,
    extensions: [
      extension(OID.basicConstraints, true, seq(bool(true))),
      // keyCertSign and cRLSign (bits 5 and 6), digitalSignature (bit 0).
      extension(OID.keyUsage, true, bitString(Buffer.from([0x86]), 1)),
      extension(OID.subjectKeyIdentifier, false, octets(caKeyId)),
    ],
  });
  const serverDer = certificate(caKey, {
    serial: serial(serverSpki),
    issuer: caName,
    subject: name('kube-apiserver'),
    spki: serverSpki,
    extensions: [
      extension(OID.basicConstraints, true, seq()),
      extension(OID.keyUsage, true, bitString(Buffer.from([0x80]), 7)),
      extension(OID.extKeyUsage, false, seq(oid(OID.serverAuth))),
      extension(OID.authorityKeyIdentifier, false, seq(tlv(0x80, caKeyId))),
      extension(
        OID.subjectAltName,
        false,
        seq(
          ...SERVER_NAMES.dns.map((dns) => tlv(0x82, Buffer.from(dns, 'ascii'))),
          ...SERVER_NAMES.ips.map((ip) => tlv(0x87, Buffer.from(ip.split('.').map(Number)))),
        ),
      ),
    ],
  });
  const caPem = pem('CERTIFICATE', caDer);
  return {
    key: serverKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    cert: pem('CERTIFICATE', serverDer),
    caData: Buffer.from(caPem).toString('base64'),
    caFingerprint: new X509Certificate(caPem).fingerprint256,
    caSha256: createHash('sha256').update(caDer).digest('hex'),
  };
}

/** PKCS#8 of an Ed25519 key is a fixed prefix and the 32-byte seed (RFC 8410). */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const ed25519 = (seed: Buffer): KeyObject =>
  createPrivateKey({
    key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  });

const OID = {
  ed25519: '1.3.101.112',
  commonName: '2.5.4.3',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
  serverAuth: '1.3.6.1.5.5.7.3.1',
};

interface TbsFields {
  serial: Buffer;
  issuer: Buffer;
  subject: Buffer;
  spki: Buffer;
  extensions: Buffer[];
}

/** An X.509 v3 certificate (RFC 5280) signed with Ed25519. */
function certificate(signer: KeyObject, fields: TbsFields): Buffer {
  const algorithm = seq(oid(OID.ed25519));
  const tbs = seq(
    tlv(0xa0, integer(Buffer.from([2]))),
    integer(fields.serial),
    algorithm,
    fields.issuer,
    seq(time(VALID_FROM), time(VALID_TO)),
    fields.subject,
    fields.spki,
    tlv(0xa3, seq(...fields.extensions)),
  );
  return seq(tbs, algorithm, bitString(sign(null, tbs, signer), 0));
}

// DER, the few types a certificate needs.
function tlv(tag: number, content: Buffer): Buffer {
  const length = content.length;
  let header: number[];
  if (length < 0x80) header = [tag, length];
  else {
    const bytes: number[] = [];
    for (let n = length; n > 0; n >>= 8) bytes.unshift(n & 0xff);
    header = [tag, 0x80 | bytes.length, ...bytes];
  }
  return Buffer.concat([Buffer.from(header), content]);
}
const seq = (...items: Buffer[]): Buffer => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]): Buffer => tlv(0x31, Buffer.concat(items));
const octets = (content: Buffer): Buffer => tlv(0x04, content);
const bool = (value: boolean): Buffer => tlv(0x01, Buffer.from([value ? 0xff : 0]));
const bitString = (content: Buffer, unusedBits: number): Buffer =>
  tlv(0x03, Buffer.concat([Buffer.from([unusedBits]), content]));

/** A non-negative INTEGER from big-endian bytes (minimal, with a 0 byte before a high bit). */
function integer(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = bytes.subarray(start);
  return tlv(0x02, trimmed[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

function oid(dotted: string): Buffer {
  const [first, second, ...rest] = dotted.split('.').map(Number);
  const bytes = [first! * 40 + second!];
  for (const arc of rest) {
    const chunk = [arc & 0x7f];
    for (let n = arc >> 7; n > 0; n >>= 7) chunk.unshift(0x80 | (n & 0x7f));
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}

/** UTCTime before 2050, GeneralizedTime from then on (RFC 5280, 4.1.2.5). */
function time(date: Date): Buffer {
  const digits = date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return date.getUTCFullYear() < 2050
    ? tlv(0x17, Buffer.from(`${digits.slice(2)}Z`, 'ascii'))
    : tlv(0x18, Buffer.from(`${digits}Z`, 'ascii'));
}

const name = (commonName: string): Buffer =>
  seq(set(seq(oid(OID.commonName), tlv(0x0c, Buffer.from(commonName, 'utf8')))));

const extension = (id: string, critical: boolean, value: Buffer): Buffer =>
  seq(oid(id), ...(critical ? [bool(true)] : []), octets(value));

/** RFC 5280's method 1: SHA-1 of the public key bits (here of the whole SPKI, which is as unique). */
const keyId = (spki: Buffer): Buffer => createHash('sha1').update(spki).digest();

/** 16 bytes from the key, the top bit cleared: positive, unique per key, and stable. */
function serial(spki: Buffer): Buffer {
  const bytes = createHash('sha256').update(spki).digest().subarray(0, 16);
  bytes[0] = bytes[0]! & 0x7f;
  return bytes;
}

const pem = (label: string, der: Buffer): string =>
  `-----BEGIN ${label}-----\n${der
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n')}\n-----END ${label}-----\n`;
