// Report's notifications: on a change of state, the notice goes to the channels the
// config's routes pick, each channel's credentials read from the secrets the workflow
// handed over by name. Quiet hours defer all but the excepted states: the record keeps
// the notice owed (and the incident a label, so the sweep finds it even closed), and the
// first report or sweep after them sends the incident's state then, once. A channel whose
// secret is missing fails like a channel that did not answer: one line for the status
// comment, never the run.
import type { IncidentRecord } from '../incidents/record.js';
import { LABELS } from '../incidents/render.js';
import type { IncidentState } from '../incidents/states.js';
import type { CommentTarget } from '../github/comments.js';
import { statusOf } from '../github/errors.js';
import type { ChannelRefs, Notice } from '../notify/notice.js';
import { sendToAll, type ChannelResult, type NotifyChannel } from '../notify/send.js';
import {
  routeNotice,
  silenced,
  type ChannelSettings,
  type NotificationsConfig,
} from '../notify/settings.js';

export interface Notifier {
  config: NotificationsConfig;
  /** Secret name → value, as the workflow passed them (already masked). */
  secrets: Readonly<Record<string, string>>;
  /**
   * The deprecated `notify-webhook` input: a Slack or Discord incoming webhook that gets
   * every notice the quiet hours let through, whatever the routes say.
   */
  legacyWebhook?: URL;
  /** Slack's Web API base (default Slack's own); tests point it at the emulator. */
  slackApiUrl?: string;
  /** Per request; default send.ts's. */
  timeoutMs?: number;
}

export interface NotifyOutcome {
  results: ChannelResult[];
  /** One line per channel that failed, for the status comment. */
  failures: string[];
  /** The references to keep in the record for the next notice. */
  refs: ChannelRefs;
}

export const LEGACY_CHANNEL_NAME = 'notify-webhook';

/**
 * Sends `notice` where the config routes it. Quiet hours are decided before, once, by the
 * caller (noticeStep, payDeferredNotices).
 */
async function notifyChange(
  notifier: Notifier,
  notice: Notice,
  refs: ChannelRefs,
  nowMs: number,
): Promise<NotifyOutcome> {
  const failures: string[] = [];
  const channels: NotifyChannel[] = [];
  for (const settings of routeNotice(notifier.config, notice)) {
    const channel = resolveChannel(settings, notifier);
    if (typeof channel === 'string') failures.push(channel);
    else channels.push(channel);
  }
  if (notifier.legacyWebhook) channels.push(legacyChannel(notifier.legacyWebhook));
  const sent = await sendToAll(channels, notice, refs, {
    now: () => nowMs,
    ...(notifier.timeoutMs !== undefined ? { timeoutMs: notifier.timeoutMs } : {}),
  });
  failures.push(...sent.results.filter((r) => !r.ok).map((r) => r.line));
  return { results: sent.results, failures, refs: sent.refs };
}

type Owed = Pick<IncidentRecord, 'messages' | 'deferredNotice'>;

/** What one run does about the incident's notice. */
export interface NoticeStep {
  /** The record as this run leaves it: message references kept, a notice owed or paid. */
  apply: <R extends Owed>(record: R) => R;
  /** Whether the incident should carry LABELS.noticeDeferred; undefined: as it is. */
  deferredLabel: boolean | undefined;
  /** One line per channel that failed, for the status comment. */
  failures: string[];
}

const NOTHING: NoticeStep = { apply: (r) => r, deferredLabel: undefined, failures: [] };

/**
 * On a change of state, or while a notice is owed: sends `notice` (the incident's state
 * now), or, within quiet hours, owes it. Owing keeps the state last announced, so the one
 * notice after quiet hours tells the change since then, however many were held back.
 */
export async function noticeStep(
  notifier: Notifier,
  notice: Notice,
  record: Owed,
  changed: boolean,
  at: { ms: number; iso: string },
): Promise<NoticeStep> {
  const owed = record.deferredNotice;
  if (!changed && !owed) return NOTHING;
  if (silenced(notifier.config, notice.state, at.ms)) {
    if (!changed) return NOTHING;
    const deferred = owed ?? { since: at.iso, previous: notice.previousState ?? null };
    return {
      apply: (r) => ({ ...r, deferredNotice: r.deferredNotice ?? deferred }),
      deferredLabel: true,
      failures: [],
    };
  }
  return payNotice(notifier, notice, record, at);
}

/**
 * Sends `notice` now, told from the state last announced when a notice is owed, and pays
 * what was owed. Quiet hours are the caller's to check (noticeStep; the sweep's
 * payDeferredNotices checks them before it reads the record).
 */
export async function payNotice(
  notifier: Notifier,
  notice: Notice,
  record: Owed,
  at: { ms: number; iso: string },
): Promise<NoticeStep> {
  const owed = record.deferredNotice;
  // Told from the state last announced, however many changes quiet hours held back.
  const since = owed ? (owed.previous ?? undefined) : notice.previousState;
  const told: Notice = { ...notice };
  delete told.previousState;
  if (since && since !== notice.state) told.previousState = since;
  const sent = await notifyChange(notifier, told, record.messages ?? {}, at.ms);
  const refs = Object.keys(sent.refs).length ? { messages: sent.refs } : {};
  return {
    apply: (r) => {
      const paid = { ...r, ...refs };
      delete paid.deferredNotice;
      return paid;
    },
    deferredLabel: owed ? false : undefined,
    failures: sent.failures,
  };
}

/** Puts LABELS.noticeDeferred on the incident or takes it off, as `step` says. */
export async function setDeferredLabel(
  gh: CommentTarget,
  labels: readonly string[],
  want: boolean | undefined,
): Promise<void> {
  const { octokit, owner, repo, number } = gh;
  const name = LABELS.noticeDeferred;
  if (want === true && !labels.includes(name))
    await octokit.rest.issues.addLabels({ owner, repo, issue_number: number, labels: [name] });
  else if (want === false && labels.includes(name))
    await octokit.rest.issues
      .removeLabel({ owner, repo, issue_number: number, name })
      .catch((error: unknown) => {
        if (statusOf(error) !== 404) throw error;
      });
}

/** The channel with its credentials, or the line saying which secret is missing. */
export function resolveChannel(
  settings: ChannelSettings,
  notifier: Pick<Notifier, 'secrets' | 'slackApiUrl'>,
): NotifyChannel | string {
  const { name } = settings;
  const label = `${settings.type} channel ${JSON.stringify(name)}`;
  // Own properties only: a secret called `constructor` must not read Object's.
  const secret = (secretName: string | undefined): string | undefined =>
    secretName !== undefined && Object.hasOwn(notifier.secrets, secretName)
      ? notifier.secrets[secretName] || undefined
      : undefined;
  const missing = (secretName: string | undefined): string =>
    `${label}: not sent, the secret ${secretName ?? '(none named)'} was not passed in notify-secrets`;
  const mention = settings.mention !== undefined ? { mention: settings.mention } : {};
  switch (settings.type) {
    case 'slack': {
      const token = secret(settings.tokenSecret);
      if (!token) return missing(settings.tokenSecret);
      return {
        kind: 'slack-bot',
        name,
        token,
        channel: settings.channel ?? '',
        ...mention,
        ...(notifier.slackApiUrl ? { apiUrl: notifier.slackApiUrl } : {}),
      };
    }
    case 'slack-webhook':
    case 'discord': {
      const url = secret(settings.urlSecret);
      if (!url) return missing(settings.urlSecret);
      return { kind: settings.type, name, url, ...mention };
    }
    case 'teams': {
      const url = secret(settings.urlSecret);
      if (!url) return missing(settings.urlSecret);
      // The config checks pair mention with mention-name for teams.
      return settings.mention !== undefined && settings.mentionName !== undefined
        ? {
            kind: 'teams',
            name,
            url,
            mention: { id: settings.mention, name: settings.mentionName },
          }
        : { kind: 'teams', name, url };
    }
    case 'webhook': {
      const url = secret(settings.urlSecret);
      if (!url) return missing(settings.urlSecret);
      const key = secret(settings.signingSecret);
      if (!key) return missing(settings.signingSecret);
      return { kind: 'webhook', name, url, secret: key };
    }
  }
}

/** The old input's URL as a channel: Discord's by its host, Slack's otherwise, as before. */
export function legacyChannel(url: URL): NotifyChannel {
  return /(^|\.)discord(app)?\.com$/.test(url.hostname)
    ? { kind: 'discord', name: LEGACY_CHANNEL_NAME, url: url.href }
    : { kind: 'slack-webhook', name: LEGACY_CHANNEL_NAME, url: url.href };
}

/**
 * The notice for an incident whose state changed from `previous` (the state label it
 * carried) to `state`; `previousState` is set only when it differs.
 */
export function incidentNotice(incident: {
  number: number;
  record: Pick<IncidentRecord, 'key' | 'title' | 'cluster' | 'severity'> | undefined;
  title: string;
  labels: readonly string[];
  /** The category when no `category/<name>` label says it (a result's). */
  category?: string;
  state: IncidentState;
  previous: IncidentState | undefined;
  reasons: string[];
  link: string;
}): Notice {
  const { record, state, previous } = incident;
  const label = incident.labels.find((l) => l.startsWith('category/'));
  return {
    key: record?.key ?? `#${incident.number}`,
    number: incident.number,
    title: record?.title ?? incident.title,
    cluster: record?.cluster ?? '',
    severity: record?.severity ?? '',
    category: label ? label.slice('category/'.length) : (incident.category ?? ''),
    state,
    ...(previous && previous !== state ? { previousState: previous } : {}),
    reasons: incident.reasons,
    link: incident.link,
  };
}

/** Whether there is anything to send to at all: the stage skips the work otherwise. */
export function hasChannels(notifier: Notifier | undefined): notifier is Notifier {
  return Boolean(notifier && (notifier.config.channels.length || notifier.legacyWebhook));
}
