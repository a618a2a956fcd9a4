// The notification inputs, read in process as the report and all-in-one actions read them
// (the runner's INPUT_* variables, its ::add-mask:: commands on stdout): every value of
// `notify-secrets` masked before anything else, only the secrets the config names kept,
// and errors that never quote the input.
import { parseConfig } from '../../src/config/config.js';
import { notifierFor, readNotifyInputs } from '../../src/actions/notify-inputs.js';

const CONFIG = parseConfig(
  `
notifications:
  channels:
    - { name: ops, type: slack, token-secret: KUBEMEND_SLACK_BOT_TOKEN, channel: C0OPS }
    - { name: audit, type: webhook, url-secret: HOOK_URL, signing-secret: HOOK_KEY }
`,
  'k.yml',
);

/** Runs `read` with these inputs set, answering what it returned and the masks it issued. */
function withInputs<T>(
  inputs: Record<string, string>,
  read: () => T,
): { value?: T; error?: Error; masks: string[]; out: string } {
  const names = Object.keys(inputs).map((n) => `INPUT_${n.toUpperCase()}`);
  Object.entries(inputs).forEach(([n, v]) => (process.env[`INPUT_${n.toUpperCase()}`] = v));
  let out = '';
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  }) as typeof process.stdout.write;
  try {
    return { value: read(), masks: masksOf(out), out };
  } catch (error) {
    return { error: error as Error, masks: masksOf(out), out };
  } finally {
    process.stdout.write = write;
    for (const n of names) delete process.env[n];
  }
}

const masksOf = (out: string): string[] =>
  [...out.matchAll(/^::add-mask::(.*)$/gm)].map((m) => m[1]!);

describe('the notify-secrets input', () => {
  it('masks every value it holds and keeps only the secrets the config names', () => {
    const secrets = {
      KUBEMEND_SLACK_BOT_TOKEN: 'xoxb-1111-2222-abcdef',
      HOOK_URL: 'https://hooks.example/abc',
      HOOK_KEY: 'whsec_key',
      KUBECONFIG: 'apiVersion: v1\nclusters: []\nusers: [{name: admin}]',
      github_token: 'ghs_not_for_notifications',
    };
    const read = withInputs({ 'notify-secrets': JSON.stringify(secrets) }, () =>
      notifierFor(CONFIG, readNotifyInputs()),
    );
    expect(read.error).toBeUndefined();
    expect(read.value?.secrets).toEqual({
      KUBEMEND_SLACK_BOT_TOKEN: 'xoxb-1111-2222-abcdef',
      HOOK_URL: 'https://hooks.example/abc',
      HOOK_KEY: 'whsec_key',
    });
    // Each value, and each line of a multi-line one, whether it is kept or not.
    for (const value of [
      'xoxb-1111-2222-abcdef',
      'https://hooks.example/abc',
      'whsec_key',
      'ghs_not_for_notifications',
      'clusters: []',
      'users: [{name: admin}]',
    ])
      expect(read.masks).toContain(value);
    // Masked before anything else was written.
    expect(read.out.split('\n').every((l) => l === '' || l.startsWith('::add-mask::'))).toBe(true);
  });

  it('refuses text that is not a JSON object without quoting it', () => {
    const notJson = withInputs(
      { 'notify-secrets': 'KUBEMEND_TOKEN=xoxb-secret' },
      readNotifyInputs,
    );
    expect(notJson.error?.message).toBe(
      "Input 'notify-secrets' is not valid JSON; allowed: a JSON object of secret names and values, such as ${{ toJSON(secrets) }}.",
    );
    expect(notJson.masks).toEqual(['KUBEMEND_TOKEN=xoxb-secret']);
    const list = withInputs({ 'notify-secrets': '["xoxb-secret"]' }, readNotifyInputs);
    expect(list.error?.message).toMatch(/^Input 'notify-secrets' is not a JSON object; /);
    expect(list.error?.message).not.toContain('xoxb');
  });

  it('turns the old notify-webhook input into a channel, and configures nothing without either', () => {
    const url = 'https://discord.com/api/webhooks/1/tok';
    const legacy = withInputs({ 'notify-webhook': url }, () =>
      notifierFor(parseConfig('', 'k.yml'), readNotifyInputs()),
    );
    expect(legacy.value?.legacyWebhook?.href).toBe(url);
    expect(legacy.masks).toContain(url);
    const none = withInputs({}, () => notifierFor(parseConfig('', 'k.yml'), readNotifyInputs()));
    expect(none.value).toBeUndefined();
  });
});
