// The incident's timeline: one entry per run that touched it (intake, a playbook, report,
// the sweep, a person's command), appended, never rewritten, so a later run cannot erase
// what an earlier one did. The record keeps the newest MAX_ENTRIES and counts the rest.
import { isObject } from '../shared/json.js';

export interface TimelineEntry {
  at: string;
  /** What started the run: alert, schedule, comment, label, dispatch, merge... */
  trigger: string;
  /** The stage or playbook: intake, report, sweep, node, oom... */
  stage: string;
  mode?: string;
  /** The run's outcome or the state it left: resolved, contained, refused, closed... */
  outcome: string;
  /** One line: what happened. */
  summary: string;
  /** What was done, one line each (at most MAX_ACTIONS): `patch Node/worker-1: cordon`. */
  actions?: string[];
  /** The workflow run. */
  run?: string;
}

export interface Timeline {
  entries: TimelineEntry[];
  /** Entries dropped from the front to keep the record bounded. */
  earlier: number;
}

export const MAX_ENTRIES = 100;
export const MAX_ACTIONS = 8;
const MAX_TEXT = 400;

const clip = (text: string, max = MAX_TEXT) =>
  text.length > max ? `${text.slice(0, max - 1)}…` : text;

/** The timeline with `entry` appended (texts clipped; the oldest entries counted, not kept). */
export function appended(timeline: Timeline, entry: TimelineEntry): Timeline {
  const clean: TimelineEntry = {
    ...entry,
    summary: clip(entry.summary),
    ...(entry.actions
      ? { actions: entry.actions.slice(0, MAX_ACTIONS).map((a) => clip(a, 200)) }
      : {}),
  };
  const entries = [...timeline.entries, clean];
  const over = Math.max(0, entries.length - MAX_ENTRIES);
  return { entries: entries.slice(over), earlier: timeline.earlier + over };
}

export const EMPTY_TIMELINE: Timeline = { entries: [], earlier: 0 };

const isString = (v: unknown): v is string => typeof v === 'string';

/** A timeline read back from a record anyone with write access can edit: bad entries dropped. */
export function timelineOf(value: unknown): Timeline {
  if (!isObject(value)) return EMPTY_TIMELINE;
  const entries = (Array.isArray(value.entries) ? value.entries : []).flatMap((e) => {
    if (!isObject(e)) return [];
    const { at, trigger, stage, outcome, summary } = e;
    if (![at, trigger, stage, outcome, summary].every(isString)) return [];
    const entry: TimelineEntry = {
      at: at as string,
      trigger: trigger as string,
      stage: stage as string,
      outcome: outcome as string,
      summary: summary as string,
    };
    if (isString(e.mode)) entry.mode = e.mode;
    if (Array.isArray(e.actions)) entry.actions = e.actions.filter(isString).slice(0, MAX_ACTIONS);
    if (isString(e.run)) entry.run = e.run;
    return [entry];
  });
  const earlier =
    typeof value.earlier === 'number' && Number.isSafeInteger(value.earlier) && value.earlier >= 0
      ? value.earlier
      : 0;
  return { entries: entries.slice(-MAX_ENTRIES), earlier };
}
