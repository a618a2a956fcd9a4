// Who a channel may mention when a person must act (needs-human), and how each chat app
// spells it. The forms are data: the config checks read them to refuse a `mention` in the
// wrong form for its channel, and each format's builder reads them again before it
// renders one, so a mention is always configuration in a known shape, never payload text.
// Slack's own forms live in slack.ts (`slackMention`), which these rules mirror.

export interface MentionForm {
  /** The whole value, as the config spells it. */
  pattern: RegExp;
  /** What is allowed, for the one-line error. */
  allowed: string;
}

/** A Discord snowflake: 17 digits since 2015, 20 at most for centuries to come. */
const SNOWFLAKE = '\\d{17,20}';

/** A Microsoft Entra (AAD) object id: a GUID. */
const OBJECT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A user principal name: name@domain, as Entra spells it. */
const UPN = /^[A-Za-z0-9._%+'-]{1,64}@[A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63})+$/;

const SLACK: MentionForm = {
  pattern: /^[UWS][A-Z0-9]{2,20}$/,
  allowed: 'a Slack user (U…, W…) or user-group (S…) id',
};
const DISCORD: MentionForm = {
  pattern: new RegExp(`^(user|role):${SNOWFLAKE}$`),
  allowed: 'user:<id> or role:<id>, a Discord user or role id (17 to 20 digits)',
};
const TEAMS: MentionForm = {
  pattern: new RegExp(`${OBJECT_ID.source}|${UPN.source}`, 'i'),
  allowed: "a user's Microsoft Entra object id (a GUID) or user principal name (name@example.com)",
};

/** The form of `mention` for each channel type that takes one, by the config's type name. */
export const MENTION_FORMS: Readonly<Record<string, MentionForm>> = {
  slack: SLACK,
  'slack-webhook': SLACK,
  discord: DISCORD,
  teams: TEAMS,
};

/**
 * The name a Teams mention shows, between `<at>` and `</at>`: letters, digits, spaces and
 * `.`, `'`, `-` only, so it is never markdown and never closes the tag early.
 */
export const TEAMS_MENTION_NAME: MentionForm = {
  pattern: /^[\p{L}\p{N}][\p{L}\p{N} .'-]{0,63}$/u,
  allowed: "a display name of letters, digits, spaces, . ' and - (at most 64 characters)",
};

/** A user or role to ping in Discord. */
export interface DiscordMention {
  kind: 'user' | 'role';
  id: string;
}

/** The Discord mention a config value names, or undefined when it is not in the form. */
export function discordMention(value: string | undefined): DiscordMention | undefined {
  if (!value || !DISCORD.pattern.test(value)) return undefined;
  const [kind, id] = value.split(':') as ['user' | 'role', string];
  return { kind, id };
}

/** A Teams user to mention: the id Teams resolves, and the name the card shows. */
export interface TeamsMention {
  /** A Microsoft Entra object id or user principal name. */
  id: string;
  name: string;
}

/** The mention when both its id and name are in their forms, else undefined. */
export function teamsMention(mention: TeamsMention | undefined): TeamsMention | undefined {
  if (!mention) return undefined;
  return TEAMS.pattern.test(mention.id) && TEAMS_MENTION_NAME.pattern.test(mention.name)
    ? mention
    : undefined;
}
