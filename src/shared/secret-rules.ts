// The secret formats redact.ts looks for, as data. Token formats follow the public rule
// sets of gitleaks (config/gitleaks.toml, rule ids in `source`) and secretlint
// (@secretlint/secretlint-rule-preset-recommend), with lower length bounds than theirs:
// they scan whole files, we scan log tails cut at a byte limit, where a token may be cut
// short and must still be masked.
//
// Every pattern is linear: each quantifier is bounded, none is nested, and each rule
// starts only after a lookbehind that rules out a start inside a longer word.
//
// A pattern's optional `keep` group is text shown as it is (a scheme, a key name); the
// rest of the match, or the `value` group, is the secret. A `key` group, when present, is
// checked with `isSecretKey` before anything is masked.

export interface SecretRule {
  id: string;
  /** The public rule(s) the format follows. */
  source: string;
  pattern: RegExp;
  /**
   * Redact only when this holds for the match (false: leave it, rescan after the keep
   * part). `next`: the character right after the match, '' at the end of the text.
   */
  accept?: (value: string, key: string | undefined, next: string) => boolean;
  /** The match continues a value already masked: it goes without a second `[redacted]`. */
  joins?: boolean;
}

/** Not a token start: no letter, digit, `_` or `-` right before it. */
const B = '(?<![A-Za-z0-9_-])';
const rx = (source: string, flags = 'g') => new RegExp(source, flags);

/**
 * A value after `=` or `:`: a quoted string (escapes allowed, closing quote optional when
 * cut) or a bare token, which may end in base64 padding but holds no other `=`.
 */
const VALUE = String.raw`"(?:[^"\\\r\n]|\\.){0,1024}"?|'[^'\r\n]{0,1024}'?|[^\s"'\x60\\|,;&<>=]{1,1024}={0,3}`;

/** Known token formats; the whole token is the secret. */
export const TOKEN_RULES: SecretRule[] = [
  {
    id: 'github-token',
    source:
      'gitleaks github-pat, github-oauth, github-app-token, github-refresh-token; secretlint github',
    pattern: rx(`${B}gh[pousr]_[A-Za-z0-9_]{16,255}`),
  },
  {
    id: 'github-fine-grained-pat',
    source: 'gitleaks github-fine-grained-pat; secretlint github',
    pattern: rx(`${B}github_pat_[A-Za-z0-9_]{16,255}`),
  },
  {
    id: 'gitlab-token',
    source: 'gitleaks gitlab-pat, gitlab-rrt, gitlab-deploy-token, gitlab-ptt; secretlint gitlab',
    pattern: rx(`${B}gl(?:pat|rt|dt|ptt|soat|cbt|ft|imt|agent)-[A-Za-z0-9_-]{16,255}`),
  },
  {
    id: 'slack-token',
    source: 'gitleaks slack-bot-token, slack-user-token, slack-app-token; secretlint slack',
    pattern: rx(`${B}(?:xox[abposre]|xapp)-[A-Za-z0-9-]{8,255}`),
  },
  {
    id: 'slack-webhook',
    source: 'gitleaks slack-webhook-url; secretlint slack',
    pattern: rx(
      String.raw`(?<keep>hooks\.slack\.com/(?:services|workflows|triggers)/)[A-Za-z0-9+/_-]{8,255}`,
    ),
  },
  {
    id: 'discord-webhook',
    source: 'gitleaks discord-webhook (webhook URL)',
    pattern: rx(
      String.raw`(?<keep>discord(?:app)?\.com/api/webhooks/[0-9]{5,30}/)[A-Za-z0-9_-]{16,128}`,
    ),
  },
  {
    id: 'stripe-key',
    source: 'gitleaks stripe-access-token',
    pattern: rx(`${B}(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{8,255}`),
  },
  {
    id: 'stripe-webhook-secret',
    source: 'gitleaks stripe-access-token (whsec_)',
    pattern: rx(`${B}whsec_[A-Za-z0-9]{16,255}`),
  },
  {
    id: 'aws-access-key-id',
    source: 'gitleaks aws-access-token; secretlint aws',
    pattern: rx('(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}(?![A-Za-z0-9])'),
  },
  {
    id: 'gcp-api-key',
    source: 'gitleaks gcp-api-key; secretlint gcp',
    pattern: rx(`${B}AIza[A-Za-z0-9_-]{30,64}`),
  },
  {
    id: 'google-oauth-token',
    source: 'gitleaks gcp-oauth access token (ya29.)',
    pattern: rx(String.raw`${B}ya29\.[A-Za-z0-9_-]{20,2048}`),
  },
  {
    id: 'google-client-secret',
    source: 'gitleaks gcp-client-secret (GOCSPX-)',
    pattern: rx(`${B}GOCSPX-[A-Za-z0-9_-]{20,64}`),
  },
  {
    id: 'jwt',
    source: 'gitleaks jwt',
    pattern: rx(
      String.raw`${B}eyJ[A-Za-z0-9_-]{8,4096}\.[A-Za-z0-9_-]{8,8192}\.?[A-Za-z0-9_-]{0,4096}`,
    ),
  },
  {
    id: 'docker-config-json',
    source: 'secretlint docker (a base64 .dockerconfigjson: {"auths":...)',
    pattern: rx('(?<![A-Za-z0-9+/])eyJhdXRocyI6[A-Za-z0-9+/=]{0,16384}'),
  },
  {
    id: 'npm-token',
    source: 'gitleaks npm-access-token; secretlint npm',
    pattern: rx(`${B}npm_[A-Za-z0-9]{30,64}`),
  },
  {
    id: 'openai-project-key',
    source: 'gitleaks openai-api-key; secretlint openai',
    pattern: rx(`${B}sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{20,512}`),
  },
  {
    id: 'anthropic-key',
    source: 'gitleaks anthropic-api-key; secretlint anthropic',
    pattern: rx(`${B}sk-ant-[A-Za-z0-9_-]{20,512}`),
  },
  {
    // Not followed by `-`: a Kubernetes name such as `sk-learn-trainer-...` is not a key.
    id: 'openai-legacy-key',
    source: 'gitleaks openai-api-key; secretlint openai',
    pattern: rx(`${B}sk-[A-Za-z0-9]{32,256}(?![A-Za-z0-9_-])`),
  },
  {
    id: 'sendgrid-key',
    source: 'gitleaks sendgrid-api-token; secretlint sendgrid',
    pattern: rx(String.raw`${B}SG\.[A-Za-z0-9_-]{16,64}\.[A-Za-z0-9_-]{16,128}`),
  },
  {
    id: 'twilio-api-key',
    source: 'gitleaks twilio-api-key',
    pattern: rx('(?<![A-Za-z0-9])SK[0-9a-fA-F]{32}(?![A-Za-z0-9])'),
  },
  {
    id: 'huggingface-token',
    source: 'gitleaks huggingface-access-token; secretlint huggingface',
    pattern: rx(`${B}hf_[A-Za-z0-9]{30,64}`),
  },
  {
    id: 'vault-token',
    source:
      'gitleaks hashicorp-tf-api-token, vault-service-token, vault-batch-token; secretlint hashicorp-vault',
    pattern: rx(String.raw`(?<![A-Za-z0-9_.-])hv[sbr]\.[A-Za-z0-9_-]{20,512}`),
  },
  {
    id: 'shopify-token',
    source: 'gitleaks shopify-access-token, shopify-shared-secret; secretlint shopify',
    pattern: rx(`${B}shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}`),
  },
  {
    id: 'databricks-token',
    source: 'gitleaks databricks-api-token; secretlint databricks',
    pattern: rx(`${B}dapi[a-f0-9]{32}(?:-[0-9])?`),
  },
  {
    id: 'digitalocean-token',
    source: 'gitleaks digitalocean-pat, digitalocean-access-token, digitalocean-refresh-token',
    pattern: rx(`${B}do[por]_v1_[a-f0-9]{64}`),
  },
  {
    id: 'grafana-token',
    source: 'gitleaks grafana-cloud-api-token, grafana-service-account-token; secretlint grafana',
    pattern: rx(`${B}gl(?:c|sa)_[A-Za-z0-9+/_=]{32,400}`),
  },
  {
    id: 'pypi-token',
    source: 'gitleaks pypi-upload-token',
    pattern: rx(`${B}pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{20,512}`),
  },
  {
    id: 'linear-key',
    source: 'gitleaks linear-api-key; secretlint linear',
    pattern: rx(`${B}lin_api_[A-Za-z0-9]{32,64}`),
  },
  {
    id: 'telegram-bot-token',
    source: 'gitleaks telegram-bot-api-token',
    pattern: rx('(?<![0-9])[0-9]{8,10}:AA[A-Za-z0-9_-]{30,40}'),
  },
  {
    id: 'age-secret-key',
    source: 'gitleaks age-secret-key',
    pattern: rx('AGE-SECRET-KEY-1[0-9A-Z]{50,64}'),
  },
  {
    id: 'azure-sas-signature',
    source: 'gitleaks azure-storage (SAS sig= parameter)',
    pattern: rx('(?<keep>[?&]sig=)[A-Za-z0-9%+/=]{16,256}'),
  },
];

/** HTTP headers whose whole value is a credential: masked to the end of the line. */
export const HEADER_RULE: SecretRule = {
  id: 'credential-header',
  source: 'gitleaks generic-api-key (headers); secretlint basicauth',
  pattern: rx(
    String.raw`(?<keep>(?<![A-Za-z0-9_-])(?:Proxy-)?(?:Authorization|Set-Cookie|Cookie|X-Api-Key|X-Auth-Token|Api-Key)["']?[ \t]{0,8}[:=][ \t]{0,8}["']?(?:(?:Bearer|Basic|Token|Digest|Negotiate)[ \t]{1,8})?)[^\r\n"'\\]{1,4096}`,
    'gi',
  ),
};

/** `Bearer <token>` and `Basic <base64>` (a whole token68) anywhere; a scheme with no token, or prose, stays. */
export const SCHEME_RULE: SecretRule = {
  id: 'auth-scheme',
  source: 'gitleaks generic-api-key (bearer); secretlint basicauth',
  pattern: rx(
    String.raw`(?<keep>\b(?:Bearer|Basic)[ \t]{1,8})[A-Za-z0-9._~+/-]{8,4096}={0,3}(?![A-Za-z0-9._~+/=-])`,
    'gi',
  ),
  // A word (`Bearer authentication`) is prose; a token has digits, symbols or mixed case.
  accept: (value) => !/^[A-Za-z][a-z]*$/.test(value),
};

/** `scheme://user:password@host`, `redis://:password@host`: the password goes, the user stays. */
export const URL_RULE: SecretRule = {
  id: 'url-userinfo',
  source: 'gitleaks generic url credentials; secretlint basicauth, database-connection-string',
  pattern: rx(
    String.raw`(?<keep>(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{1,30}://[^\s:/?#@"'<>\\]{0,256}:)[^\s/?#"'<>\\]{1,256}(?=@)`,
  ),
};

/** A Kubernetes env entry: `name: DB_PASSWORD` then `value: ...`, in YAML, JSON or Go's struct print. */
export const ENV_ENTRY_RULE: SecretRule = {
  id: 'env-entry',
  source: 'Kubernetes EnvVar (name/value pairs in manifests, diffs and annotations)',
  pattern: rx(
    String.raw`(?<keep>\bname["']?[ \t]{0,8}:[ \t]{0,8}["']?(?<key>[A-Za-z_][A-Za-z0-9_.-]{0,80})["']?[ \t]{0,8}(?:,[ \t]{0,8}|\r?\n[ \t]{0,40}|[ \t]{1,8})(?:-[ \t]{1,8})?["']?value["']?[ \t]{0,8}:[ \t]{0,8})(?<value>${VALUE})`,
    'gi',
  ),
};

/**
 * `KEY=value`, `KEY: value`, `"key": "value"`: masked when the key names a secret. No space
 * before a colon (`volume "x" : secret "y"` is prose) and one after it unless a quote
 * follows (`image:tag` is an image reference).
 */
export const ASSIGNMENT_RULE: SecretRule = {
  id: 'assignment',
  source: 'gitleaks generic-api-key (keyword = value); secretlint no-dotenv',
  pattern: rx(
    String.raw`(?<keep>(?<![A-Za-z0-9_.])(?<key>[A-Za-z_][A-Za-z0-9_.-]{0,80})["']?(?:[ \t]{0,8}=|:(?=[ \t"']))[ \t]{0,8})(?<value>${VALUE})`,
  ),
};

/**
 * The rest of a YAML mapping's value after `KEY: ` once its first word is masked: a plain
 * scalar runs to the end of the line (`password: correct horse battery staple` is one
 * value), so the words after `[redacted]` go too, up to a ` #` comment or a character
 * that ends a value elsewhere. Only where a line starts with the key (a YAML mapping or a
 * list item): in prose (`…/session": tls: failed to verify…`) the words after a colon are
 * the message, which the doctor and the reader need; and only after a colon: `KEY=a b` is
 * a shell line.
 */
export const PASSPHRASE_RULE: SecretRule = {
  id: 'passphrase',
  source: 'YAML 1.2 plain scalars (a value runs to the end of its line)',
  pattern: rx(
    String.raw`(?<keep>(?<![^\n])[ \t]{0,40}(?:-[ \t]{1,8})?(?<key>[A-Za-z_][A-Za-z0-9_.-]{0,80})["']?:[ \t]{1,8}\[redacted\])(?<value>(?:[ \t]{1,8}(?!#)[^\s"'\x60\\|,;&<>=]{1,1024}){1,64})`,
  ),
  joins: true,
};

/** `--password value`: a command-line flag naming a secret, then its value. */
export const FLAG_RULE: SecretRule = {
  id: 'flag',
  source: 'gitleaks generic-api-key (command lines)',
  pattern: rx(
    String.raw`(?<keep>(?<!\S)--(?<key>[A-Za-z][A-Za-z0-9_.-]{0,80})[ \t]{1,8})(?<value>[^\s"'\x60\\|-][^\s"'\x60\\|]{0,1023})`,
  ),
};

// Key names. Words that name a secret wherever they appear in a key (PGPASSWORD, clientSecret):
const SECRET_IN_KEY = /passw(?:or)?d|secret|credential|passphrase|privatekey/i;
// Words that name a secret when they are a word of the key (DB_PASS, api.key, x-auth-token,
// AccountKey), not part of another word (keyboard, tokenizer, author, monkey, passenger):
const SECRET_WORDS = new Set([
  'pass',
  'pwd',
  'token',
  'tokens',
  'key',
  'apikey',
  'auth',
  'authorization',
  'cookie',
  'cookies',
  'session',
  'sessionid',
  'jwt',
  'dsn',
]);
// A key that ends in one of these is about a secret, not the secret (secretName, token_type,
// secretKeyRef, session_timeout, key_size): Kubernetes names and settings stay readable.
const ABOUT_A_SECRET = new Set([
  'name',
  'names',
  'ref',
  'refs',
  'kind',
  'type',
  'path',
  'file',
  'dir',
  'url',
  'uri',
  'endpoint',
  'timeout',
  'ttl',
  'expiry',
  'expires',
  'expiration',
  'length',
  'size',
  'bits',
  'method',
  'mode',
  'count',
  'enabled',
  'version',
  'format',
  'prefix',
  'header',
  'policy',
  'provider',
  'secrets',
  'service',
  'svc',
  'server',
  'manager',
  'controller',
  'proxy',
  'operator',
  'status',
  'state',
  'reason',
  'affinity',
  'config',
]);
/** Keys that are Kubernetes or YAML structure, never a secret's value. */
const STRUCTURAL_KEYS = new Set(['key', 'keys', 'automountserviceaccounttoken']);

/** Whether a key (env name, JSON/YAML key, flag, header) names a secret. */
export function isSecretKey(key: string): boolean {
  const bare = key.replace(/^[-_.]{1,8}/, '');
  if (STRUCTURAL_KEYS.has(bare.toLowerCase())) return false;
  const words = bare
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]{1,80})([A-Z][a-z])/g, '$1_$2')
    .toLowerCase()
    .split(/[_.-]{1,8}/)
    .filter(Boolean);
  const last = words.at(-1);
  if (last === undefined || ABOUT_A_SECRET.has(last)) return false;
  return SECRET_IN_KEY.test(bare) || words.some((w) => SECRET_WORDS.has(w));
}

/** Values that are no secret: references, placeholders, booleans. */
export function isPlaceholder(value: string): boolean {
  const bare = value.replace(/^["']|["']$/g, '');
  return (
    bare === '' ||
    /^\$\{?[A-Za-z_][A-Za-z0-9_]{0,80}\}?$/.test(bare) ||
    /^(?:true|false|null|none|nil|~|\*{1,64})$/i.test(bare) ||
    // `Authorization: Bearer <token>`: the scheme is not the secret; the token rules see the token.
    /^(?:Bearer|Basic|Token|Digest|Negotiate)$/i.test(bare)
  );
}

/**
 * Words that say there is no secret, after a secret-named key in prose (`credentials: no
 * credentials for edge`, `password: required`). Only a bare lower-case word, and only
 * followed by whitespace or the end: `no-reply`, `none,x`, `"missing"` or `Unset` is a
 * value like any other and redacted (a password may be any word; these few are not worth
 * hiding and hide the sentence).
 */
const SAYS_NO_SECRET = /^(?:no|none|null|missing|n\/a|unset|empty|true|false|required)$/;

/** Whether a bare value is one of the words that say there is no secret, ending there. */
export function saysNoSecret(value: string, next: string): boolean {
  return SAYS_NO_SECRET.test(value) && (next === '' || /^[ \t\r\n]$/.test(next));
}
