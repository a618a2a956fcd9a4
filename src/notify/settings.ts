// What the config's `notifications:` section says: the channels (each naming the secrets
// that hold its credentials, never their values), the routes that pick channels for a
// notice, and quiet hours. Plain data and pure rules, so the config module can read it
// without loading any channel's client; report.ts resolves the secrets and sends.
import { SEVERITIES } from '../alerts/model.js';
import { INCIDENT_STATES, type IncidentState } from '../incidents/states.js';
import { MENTION_FORMS, TEAMS_MENTION_NAME } from './mentions.js';
import type { Notice } from './notice.js';

export const CHANNEL_TYPES = ['slack', 'slack-webhook', 'discord', 'teams', 'webhook'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

/** A GitHub secret's name as GitHub allows it (no GITHUB_ prefix): what the config may name. */
export const SECRET_NAME = '^[A-Z_][A-Z0-9_]{0,99}$';

export interface ChannelSettings {
  name: string;
  type: ChannelType;
  /** Secret holding the Slack bot token (type slack). */
  tokenSecret?: string;
  /** Secret holding the webhook URL (every type but slack). */
  urlSecret?: string;
  /** Secret holding the HMAC key (type webhook). */
  signingSecret?: string;
  /** Slack channel id or name (type slack). */
  channel?: string;
  /**
   * Who is mentioned when a person must act, in its type's form (mentions.ts): a Slack
   * user or group id, a Discord `user:<id>` or `role:<id>`, a Teams user's object id or UPN.
   */
  mention?: string;
  /** The name a Teams mention shows (type teams, with mention). */
  mentionName?: string;
}

export interface RouteSettings {
  /** Empty: any. */
  severities: string[];
  /** Globs (`*` any run of characters, `?` one); empty: any. */
  clusters: string[];
  categories: string[];
  channels: string[];
}

export interface QuietHours {
  /** Minutes after local midnight. */
  fromMinute: number;
  toMinute: number;
  timezone: string;
  /** States that notify even within quiet hours. */
  except: IncidentState[];
}

export interface NotificationsConfig {
  channels: ChannelSettings[];
  /** First match wins; none configured: every channel gets every notice. */
  routes: RouteSettings[];
  quietHours: QuietHours | null;
}

export const NOTIFICATIONS_DEFAULTS: NotificationsConfig = {
  channels: [],
  routes: [],
  quietHours: null,
};

/** The secrets each type needs, in the config's spelling. */
export const REQUIRED_FIELDS: Record<ChannelType, readonly string[]> = {
  slack: ['token-secret', 'channel'],
  'slack-webhook': ['url-secret'],
  discord: ['url-secret'],
  teams: ['url-secret'],
  webhook: ['url-secret', 'signing-secret'],
};

const ALLOWED_FIELDS: Record<ChannelType, readonly string[]> = {
  slack: ['token-secret', 'channel', 'mention'],
  'slack-webhook': ['url-secret', 'mention'],
  discord: ['url-secret', 'mention'],
  teams: ['url-secret', 'mention', 'mention-name'],
  webhook: ['url-secret', 'signing-secret'],
};

const OPTIONAL_FIELDS = [
  'token-secret',
  'url-secret',
  'signing-secret',
  'channel',
  'mention',
  'mention-name',
];

/** Fields that need each other: a Teams mention shows a name, and a name needs its user. */
const PAIRED_FIELDS: Partial<Record<ChannelType, readonly [string, string][]>> = {
  teams: [
    ['mention', 'mention-name'],
    ['mention-name', 'mention'],
  ],
};

/** `HH:MM`, 00:00 to 23:59, as minutes; undefined when it is not one. */
export function parseClock(text: string): number | undefined {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  return m ? Number(m[1]) * 60 + Number(m[2]) : undefined;
}

/** Whether the runtime knows the IANA zone (Intl refuses an unknown one). */
export function isTimezone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * What the schema cannot say about a `notifications:` section, one line per problem, each
 * naming its key: fields a channel's type needs or does not take, duplicate names, routes
 * naming unknown channels, times and zones. `section` has passed the schema.
 */
export function notificationProblems(
  section: Record<string, unknown>,
): { path: string; message: string }[] {
  const out: { path: string; message: string }[] = [];
  const problem = (path: string, message: string) =>
    out.push({ path, message: `'${path}' ${message}` });
  const channels = Array.isArray(section.channels) ? (section.channels as unknown[]) : [];
  const names = new Set<string>();
  channels.forEach((value, i) => {
    if (typeof value !== 'object' || value === null) return;
    const c = value as Record<string, unknown>;
    const at = `notifications.channels[${i}]`;
    const type = CHANNEL_TYPES.find((t) => t === c.type);
    if (typeof c.name === 'string') {
      if (names.has(c.name))
        problem(
          `${at}.name`,
          `repeats the channel name "${c.name}"; allowed: a name no other channel has.`,
        );
      names.add(c.name);
    }
    if (!type) return;
    for (const field of REQUIRED_FIELDS[type])
      if (c[field] === undefined)
        problem(
          `${at}.${field}`,
          `is missing; a ${type} channel needs ${REQUIRED_FIELDS[type].join(' and ')}.`,
        );
    for (const field of OPTIONAL_FIELDS)
      if (c[field] !== undefined && !ALLOWED_FIELDS[type].includes(field))
        problem(
          `${at}.${field}`,
          `does not apply to a ${type} channel; allowed: ${ALLOWED_FIELDS[type].join(', ')}.`,
        );
    const form = MENTION_FORMS[type];
    if (typeof c.mention === 'string' && form && !form.pattern.test(c.mention))
      problem(
        `${at}.mention`,
        `is "${c.mention}"; allowed for a ${type} channel: ${form.allowed}.`,
      );
    if (
      typeof c['mention-name'] === 'string' &&
      ALLOWED_FIELDS[type].includes('mention-name') &&
      !TEAMS_MENTION_NAME.pattern.test(c['mention-name'])
    )
      problem(
        `${at}.mention-name`,
        `is "${c['mention-name']}"; allowed: ${TEAMS_MENTION_NAME.allowed}.`,
      );
    for (const [field, needs] of PAIRED_FIELDS[type] ?? [])
      if (c[field] !== undefined && c[needs] === undefined)
        problem(`${at}.${needs}`, `is missing; a ${type} channel's ${field} needs ${needs}.`);
    for (const field of ['token-secret', 'url-secret', 'signing-secret'])
      if (typeof c[field] === 'string' && c[field].startsWith('GITHUB_'))
        problem(
          `${at}.${field}`,
          `is "${c[field]}"; allowed: a secret name, and GitHub allows none that starts with GITHUB_.`,
        );
  });
  const routes = Array.isArray(section.routes) ? (section.routes as unknown[]) : [];
  routes.forEach((value, i) => {
    if (typeof value !== 'object' || value === null) return;
    const wanted = (value as Record<string, unknown>).channels;
    if (!Array.isArray(wanted)) return;
    wanted.forEach((name, j) => {
      if (typeof name === 'string' && !names.has(name))
        problem(
          `notifications.routes[${i}].channels[${j}]`,
          `is "${name}", which no channel is called; allowed: ${names.size ? [...names].join(', ') : 'a name from notifications.channels (none is configured)'}.`,
        );
    });
  });
  const quiet = section['quiet-hours'];
  if (typeof quiet === 'object' && quiet !== null) {
    const q = quiet as Record<string, unknown>;
    for (const key of ['from', 'to'])
      if (typeof q[key] === 'string' && parseClock(q[key]) === undefined)
        problem(
          `notifications.quiet-hours.${key}`,
          `is "${q[key]}"; allowed: a time of day as HH:MM, 00:00 to 23:59.`,
        );
    if (typeof q.from === 'string' && q.from === q.to)
      problem(
        'notifications.quiet-hours.to',
        `is the same time as from; allowed: a different time (quiet hours from 22:00 to 07:00 span midnight).`,
      );
    if (typeof q.timezone === 'string' && !isTimezone(q.timezone))
      problem(
        'notifications.quiet-hours.timezone',
        `is "${q.timezone}", which is not a time zone this runner knows; allowed: an IANA name such as Europe/Berlin, America/New_York or UTC.`,
      );
  }
  return out;
}

/** A cluster glob as a whole-string, case-sensitive match: `*` any run, `?` one character. */
export function globMatches(glob: string, text: string): boolean {
  const source = glob
    .split('')
    .map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, 's').test(text);
}

/** The channels a notice goes to: the first matching route's, or every channel without routes. */
export function routeNotice(config: NotificationsConfig, notice: Notice): ChannelSettings[] {
  if (config.routes.length === 0) return config.channels;
  const route = config.routes.find(
    (r) =>
      (r.severities.length === 0 || r.severities.includes(notice.severity)) &&
      (r.clusters.length === 0 || r.clusters.some((g) => globMatches(g, notice.cluster))) &&
      (r.categories.length === 0 || r.categories.includes(notice.category)),
  );
  if (!route) return [];
  return config.channels.filter((c) => route.channels.includes(c.name));
}

/** Local minutes after midnight at `nowMs` in `timezone`. */
export function localMinute(nowMs: number, timezone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: timezone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(nowMs));
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return part('hour') * 60 + part('minute');
}

/** Whether `nowMs` falls within quiet hours (`from` included, `to` not; may span midnight). */
export function withinQuietHours(quiet: QuietHours, nowMs: number): boolean {
  const minute = localMinute(nowMs, quiet.timezone);
  const { fromMinute: from, toMinute: to } = quiet;
  return from < to ? minute >= from && minute < to : minute >= from || minute < to;
}

/** Whether quiet hours hold this notice back: within them, only the excepted states notify. */
export function silenced(
  config: NotificationsConfig,
  state: IncidentState,
  nowMs: number,
): boolean {
  const quiet = config.quietHours;
  return quiet !== null && !quiet.except.includes(state) && withinQuietHours(quiet, nowMs);
}

/** The section as the schema let it through, read into settings. */
export function notificationsSection(section: {
  channels?: {
    name: string;
    type: ChannelType;
    'token-secret'?: string;
    'url-secret'?: string;
    'signing-secret'?: string;
    channel?: string;
    mention?: string;
    'mention-name'?: string;
  }[];
  routes?: {
    severities?: string[];
    clusters?: string[];
    categories?: string[];
    channels: string[];
  }[];
  'quiet-hours'?: { from: string; to: string; timezone?: string; except?: IncidentState[] };
}): NotificationsConfig {
  const quiet = section['quiet-hours'];
  return {
    channels: (section.channels ?? []).map((c) => ({
      name: c.name,
      type: c.type,
      ...(c['token-secret'] !== undefined ? { tokenSecret: c['token-secret'] } : {}),
      ...(c['url-secret'] !== undefined ? { urlSecret: c['url-secret'] } : {}),
      ...(c['signing-secret'] !== undefined ? { signingSecret: c['signing-secret'] } : {}),
      ...(c.channel !== undefined ? { channel: c.channel } : {}),
      ...(c.mention !== undefined ? { mention: c.mention } : {}),
      ...(c['mention-name'] !== undefined ? { mentionName: c['mention-name'] } : {}),
    })),
    routes: (section.routes ?? []).map((r) => ({
      severities: r.severities ?? [],
      clusters: r.clusters ?? [],
      categories: r.categories ?? [],
      channels: r.channels,
    })),
    quietHours: quiet
      ? {
          fromMinute: parseClock(quiet.from) ?? 0,
          toMinute: parseClock(quiet.to) ?? 0,
          timezone: quiet.timezone ?? 'UTC',
          except: quiet.except ?? ['needs-human'],
        }
      : null,
  };
}

/** For the schema: the values each list may hold. */
export const ROUTE_SEVERITIES = SEVERITIES;
export const QUIET_EXCEPT_STATES = INCIDENT_STATES;

/** Every secret name the channels use, once each. */
export function secretNames(config: NotificationsConfig): string[] {
  const names = config.channels.flatMap((c) =>
    [c.tokenSecret, c.urlSecret, c.signingSecret].filter((n): n is string => n !== undefined),
  );
  return [...new Set(names)];
}
