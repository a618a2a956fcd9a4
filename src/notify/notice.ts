// The neutral notice every channel renders: what a person needs to know about one
// incident at one moment, and the references of the messages already posted for it.
// The format builders (slack.ts, discord.ts, teams.ts, webhook.ts) turn it into their
// own shapes; send.ts delivers them.
import type { IncidentState } from '../incidents/states.js';

export interface Notice {
  /** The incident's stable key (its fingerprint), the same for every notice about it. */
  key: string;
  /** The GitHub issue or pull request number, when there is one. */
  number?: number;
  title: string;
  cluster: string;
  severity: string;
  category: string;
  state: IncidentState;
  /** The state before this one, when the state changed: Slack threads a reply for it. */
  previousState?: IncidentState;
  /** Why the incident is in its state, one line each (for needs-human: what to do). */
  reasons: string[];
  /** The incident on GitHub (https). Anything else is dropped, never rendered as a link. */
  link: string;
}

/**
 * What each channel posted for the incident, to update in place next time. The lead keeps
 * it in the incident record; a channel without an update API (Slack incoming webhook,
 * Teams, generic webhook) leaves no reference.
 */
export interface MessageRefs {
  slack?: { channel: string; ts: string };
  discord?: { messageId: string };
}

/** Each channel's references, by the channel's configured name: two Slack channels keep two. */
export type ChannelRefs = Record<string, MessageRefs>;
