// The notification inputs of the report and all-in-one actions. The config names the
// secrets each channel needs; their values come in one input, `notify-secrets`, a JSON
// object of secret name → value (docs/notifications.md: the caller builds it from just
// the named secrets, or passes `toJSON(secrets)`). Every value in it is masked before
// anything else runs, and only the values the config names are kept. `notify-webhook`,
// the older single-URL input, still works as one more channel.
import * as core from '@actions/core';
import type { KubemendConfig } from '../config/config.js';
import { secretNames } from '../notify/settings.js';
import type { Notifier } from '../report/notify.js';
import { UsageError } from '../shared/errors.js';
import { optionalSecretInput } from './inputs.js';

export const NOTIFY_SECRETS_INPUT = 'notify-secrets';
export const NOTIFY_WEBHOOK_INPUT = 'notify-webhook';

export interface NotifyInputs {
  /** Every string value of `notify-secrets`, masked; filtered by notifierFor. */
  secrets: Record<string, string>;
  legacyWebhook?: URL;
}

/**
 * Read and masked first, before the config (whose errors could otherwise run first).
 * `legacy`: the action also takes the old `notify-webhook` input (the sweep never did).
 */
export function readNotifyInputs({ legacy = true }: { legacy?: boolean } = {}): NotifyInputs {
  const secrets = notifySecretsInput(NOTIFY_SECRETS_INPUT);
  const legacyWebhook = legacy
    ? webhookInput(optionalSecretInput(NOTIFY_WEBHOOK_INPUT))
    : undefined;
  return { secrets, ...(legacyWebhook ? { legacyWebhook } : {}) };
}

/**
 * The notifier for report, holding only the secrets the config names; undefined when
 * neither the config nor the old input configures a channel.
 */
export function notifierFor(config: KubemendConfig, inputs: NotifyInputs): Notifier | undefined {
  const { legacyWebhook } = inputs;
  if (config.notifications.channels.length === 0 && !legacyWebhook) return undefined;
  const wanted = secretNames(config.notifications);
  const secrets: Record<string, string> = {};
  for (const name of wanted)
    if (Object.hasOwn(inputs.secrets, name) && inputs.secrets[name])
      secrets[name] = inputs.secrets[name];
  return { config: config.notifications, secrets, ...(legacyWebhook ? { legacyWebhook } : {}) };
}

/** The notifier as an optional field of a stage's request (exactOptionalPropertyTypes). */
export const notifyOf = <T>(notify: T | undefined): { notify?: T } =>
  notify === undefined ? {} : { notify };

/**
 * The input's JSON object: each string value masked at once (each of its lines too: the
 * runner masks a multi-line value line by line). Errors never quote the input.
 */
export function notifySecretsInput(name: string): Record<string, string> {
  const raw = optionalSecretInput(name);
  if (raw === undefined) return {};
  let doc: unknown;
  try {
    doc = JSON.parse(raw);
  } catch {
    throw new UsageError(
      `Input '${name}' is not valid JSON; allowed: a JSON object of secret names and values, such as \${{ toJSON(secrets) }}.`,
    );
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw new UsageError(
      `Input '${name}' is not a JSON object; allowed: a JSON object of secret names and values, such as \${{ toJSON(secrets) }}.`,
    );
  const kept: Record<string, string> = {};
  for (const [key, value] of Object.entries(doc as Record<string, unknown>))
    if (typeof value === 'string' && value !== '') {
      mask(value);
      kept[key] = value;
    }
  return kept;
}

function mask(value: string): void {
  if (value.trim() === '') return;
  core.setSecret(value);
  for (const line of value.split(/\r?\n/)) if (line.trim().length > 3) core.setSecret(line);
}

/** The URL itself is a secret (it is the credential), so errors never quote it. */
export function webhookInput(value: string | undefined): URL | undefined {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(
      `Input '${NOTIFY_WEBHOOK_INPUT}' is not a URL; allowed: an https:// Slack or Discord incoming webhook URL.`,
    );
  }
  if (url.protocol !== 'https:') {
    throw new UsageError(
      `Input '${NOTIFY_WEBHOOK_INPUT}' uses ${url.protocol.replace(':', '')}; allowed: an https:// Slack or Discord incoming webhook URL.`,
    );
  }
  return url;
}
