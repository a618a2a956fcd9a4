// The redactor against a corpus of real secret formats, each in the forms cluster text
// carries it (a log line, an event message, JSON, YAML), against lines that hold no
// secret and must stay as they are, and against adversarial input it must get through.
import { load } from 'js-yaml';
import { readFileSync } from 'node:fs';
import { REDACTED, redact, redactDeep, redactedJson } from '../../src/shared/redact.js';
import { isSecretKey } from '../../src/shared/secret-rules.js';
import { survivors } from './support.js';

interface Entry {
  name: string;
  value: string;
  log?: string;
  event?: string;
  json?: string;
  yaml?: string;
}
const FORMS = ['log', 'event', 'json', 'yaml'] as const;

const corpus = (
  load(readFileSync(new URL('./corpus.yaml', import.meta.url), 'utf8')) as { secrets: Entry[] }
).secrets;

const fill = (form: string, value: string) =>
  form
    .replaceAll('{vjson}', JSON.stringify(value).slice(1, -1))
    .replaceAll('{vyaml}', value.replace(/\n/g, '\n  '))
    .replaceAll('{v}', value);

const cases = corpus.flatMap((e) =>
  FORMS.filter((f) => e[f] !== undefined).map((f) => ({
    name: e.name,
    form: f,
    line: fill(e[f] as string, e.value),
    value: e.value,
  })),
);

const NOT_SECRETS = [
  'tokenizer loaded 32000 entries',
  'keyboard layout: us',
  'the token expired, refreshing',
  'Authorization required for /admin',
  'WWW-Authenticate: Bearer realm="api"',
  'send a Bearer token with every request',
  'Basic auth is disabled',
  'password authentication failed for user "app"',
  'key: app',
  'selector: key=app-tier, operator=In',
  'secretName: db-credentials',
  'secretKeyRef: {name: db-creds, key: password}',
  'env DATABASE_PASSWORD (from Secret db-creds)',
  'type: kubernetes.io/service-account-token',
  'automountServiceAccountToken: false',
  'sessionAffinity: ClientIP',
  'token_type=Bearer expires_in=3600',
  'Using key_size=2048 for RSA',
  'DB_PASSWORD=${DB_PASSWORD}',
  'image: ghcr.io/acme/session-service:v1.4.2',
  'Pulling image "registry.example.com/auth-proxy:1.2.3"',
  'Back-off restarting failed container api in pod api-7d9f8b6c5-x2z9q_shop(1234-abcd)',
  'pod sk-learn-trainer-7d9f8b6c5-x2z9q is Running',
  'connecting to postgres://db.shop.svc:5432/orders',
  'GET https://api.example.com/v1/users?page=2&token_type=refresh 200',
  'Liveness probe failed: HTTP probe failed with statuscode: 500',
  'MountVolume.SetUp failed for volume "secret-vol" : secret "db-creds" not found',
  '-----BEGIN CERTIFICATE-----',
  'level=info msg="warming cache" rows=2100000',
  '0/3 nodes are available: 3 node(s) had untolerated taint {node.kubernetes.io/not-ready: }.',
  'Readiness probe failed: Get "http://10.0.0.12:8080/healthz": dial tcp 10.0.0.12:8080: connect: connection refused',
  'Successfully assigned shop/api-7d9f8b6c5-x2z9q to node-a',
  '- item one',
  'run with --verbose --dry-run=server',
];

describe('the secret corpus', () => {
  it('holds at least 40 formats, each in a log line', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(40);
    for (const e of corpus)
      expect({ name: e.name, log: typeof e.log }).toEqual({ name: e.name, log: 'string' });
  });

  it.each(cases)('$name ($form): at most 4 characters of the value survive', ({ line, value }) => {
    const out = redact(line);
    expect(survivors(out, value)).toEqual([]);
    expect(out).toContain(REDACTED);
  });

  it('changes nothing the second time: text is redacted where it is read and where it leaves', () => {
    for (const c of cases) expect(redact(redact(c.line))).toBe(redact(c.line));
    const key =
      'boot\n-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----\nDB_PASSWORD=x "y"';
    expect(redact(redact(key))).toBe(
      'boot\n-----BEGIN RSA PRIVATE KEY----- [redacted]\nDB_PASSWORD=[redacted] "y"',
    );
  });

  it('keeps JSON forms valid JSON', () => {
    for (const c of cases.filter((x) => x.form === 'json')) {
      expect(() => JSON.parse(c.line)).not.toThrow();
      expect(() => JSON.parse(redact(c.line))).not.toThrow();
    }
  });

  it('keeps the key name and replaces only the value', () => {
    expect(redact('DB_PASSWORD=hunter2 DB_HOST=db')).toBe('DB_PASSWORD=[redacted] DB_HOST=db');
    expect(redact('{"db_password": "hunter2"}')).toBe('{"db_password": "[redacted]"}');
    expect(redact('postgres://orders:hunter2@db:5432/x')).toBe(
      'postgres://orders:[redacted]@db:5432/x',
    );
    expect(redact('Authorization: Bearer abc.def.ghi')).toBe('Authorization: Bearer [redacted]');
    expect(redact('POST https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXX')).toBe(
      'POST https://hooks.slack.com/services/[redacted]',
    );
  });

  it('masks a truncated private key to the end of the text, keeping its BEGIN line', () => {
    expect(redact('boot\n-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\nAAAA')).toBe(
      'boot\n-----BEGIN RSA PRIVATE KEY----- [redacted]',
    );
  });
});

describe('text with no secret in it', () => {
  it.each(NOT_SECRETS)('stays as it is: %s', (line) => {
    expect(redact(line)).toBe(line);
  });
});

describe('a secret-named key in prose', () => {
  it.each([
    'credentials: no credentials for edge',
    'credentials: no credentials for cluster edge; add a context named edge',
    'password: required',
    'token: missing from the request, retrying',
    'api_key: n/a',
    '--token unset',
  ])('keeps a word that says there is no secret: %s', (line) => {
    expect(redact(line)).toBe(line);
  });

  it.each([
    ['credentials: hunter2', 'credentials: [redacted]'],
    ['credentials: nobody', 'credentials: [redacted]'],
    ['password: no-reply', 'password: [redacted]'],
    ['password: no.', 'password: [redacted]'],
    ['password: Required', 'password: [redacted]'],
    ['password: "missing"', 'password: "[redacted]"'],
    ['token: ghp_0123456789abcdefghijABCDEFGHIJ012345', 'token: [redacted]'],
  ])('still redacts any other value: %s', (line, redacted) => {
    expect(redact(line)).toBe(redacted);
  });

  it.each([
    ['password: correct horse battery staple', 'password: [redacted]'],
    ['db_password: correct horse # rotated monthly', 'db_password: [redacted] # rotated monthly'],
    ['token: abc123 expired, retry later', 'token: [redacted], retry later'],
    ['  password: correct horse\n  user: bob', '  password: [redacted]\n  user: bob'],
    ['env:\n  - password: correct horse', 'env:\n  - password: [redacted]'],
  ])('redacts a passphrase to the end of its YAML value: %s', (line, redacted) => {
    expect(redact(line)).toBe(redacted);
  });

  it('leaves the words of a message after a secret-named key in the middle of a line', () => {
    expect(redact('POST /v1/session": tls: failed to verify certificate: x509: expired')).toBe(
      'POST /v1/session": [redacted] failed to verify certificate: x509: expired',
    );
    expect(redact('| token: two words | next |')).toBe('| token: [redacted] words | next |');
  });

  it('keeps the words after a shell assignment and a quoted value: only the value goes', () => {
    expect(redact('PASSWORD=correct horse')).toBe('PASSWORD=[redacted] horse');
    expect(redact('password: "correct horse" was set')).toBe('password: "[redacted]" was set');
  });
});

describe('key names', () => {
  it.each([
    'DB_PASSWORD',
    'MYSQL_ROOT_PASSWORD',
    'PGPASSWORD',
    'AWS_SECRET_ACCESS_KEY',
    'api.key',
    'x-auth-token',
    'apiKey',
    'AccountKey',
    'clientSecret',
    'SESSION_COOKIE',
    'github_token',
    'credentials',
  ])('%s names a secret', (key) => expect(isSecretKey(key)).toBe(true));

  it.each([
    'tokenizer',
    'keyboard',
    'key',
    'author',
    'monkey',
    'secretName',
    'token_type',
    'passenger',
  ])('%s does not', (key) => expect(isSecretKey(key)).toBe(false));
});

describe('structured values', () => {
  it('masks every string and every value under a secret-named key, and writes valid JSON', () => {
    const value = {
      findings: ['last log lines: DB_PASSWORD=hunter2-s3cr3t | ok'],
      env: { API_TOKEN: 'tok-abc123456', port: 8080, sessionSecret: 12345678 },
      nested: [{ message: 'Set-Cookie: sid=abcdef123456; Path=/' }],
    };
    const deep = redactDeep(value);
    expect(deep).toEqual({
      findings: ['last log lines: DB_PASSWORD=[redacted] | ok'],
      env: { API_TOKEN: REDACTED, port: 8080, sessionSecret: REDACTED },
      nested: [{ message: 'Set-Cookie: [redacted]' }],
    });
    const text = redactedJson(value);
    expect(JSON.parse(text)).toEqual(deep);
    for (const secret of ['hunter2', 'tok-abc', '12345678', 'abcdef123'])
      expect(text).not.toContain(secret);
  });
});

describe('adversarial input', () => {
  // Each line is 100 kB built to make a backtracking pattern explode; jest's timeout is the guard.
  const K = 100_000;
  const lines: [string, string][] = [
    ['assignments chained', 'a='.repeat(K / 2)],
    ['secret keys chained', 'password='.repeat(K / 9)],
    ['an unterminated quoted value', `password="${'\\a'.repeat(K / 2)}`],
    ['one long word', 'x'.repeat(K)],
    ['a long hyphenated name', 'a-'.repeat(K / 2)],
    ['token prefixes', 'ghp_'.repeat(K / 4)],
    ['a JWT head that never ends', `eyJ${'a'.repeat(K)}`],
    ['dots between JWT-like parts', 'eyJaaaaaaaaaa.'.repeat(K / 14)],
    ['URL schemes with no host', 'a://:'.repeat(K / 5)],
    ['user info with no @', `https://u:${'p'.repeat(K)}`],
    ['BEGIN lines', '-----BEGIN RSA PRIVATE KEY-----'.repeat(K / 31)],
    ['END lines', '-----END RSA PRIVATE KEY-----\n'.repeat(K / 30)],
    ['schemes', 'Bearer '.repeat(K / 7)],
    ['headers', 'Cookie: '.repeat(K / 8)],
    ['env entries', 'name: x value: '.repeat(K / 15)],
    ['flags', '--password '.repeat(K / 11)],
    ['spaces', ' '.repeat(K)],
    ['base64 lines', `${'QUFB'.repeat(16)}\n`.repeat(K / 65)],
  ];
  it.each(lines)('gets through %s', (_name, line) => {
    expect(line.length).toBeGreaterThan(K * 0.9);
    expect(typeof redact(line)).toBe('string');
  });
});
