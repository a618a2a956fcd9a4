// What the sweep does with one incident, decided from its record and what the cluster
// shows, by rules kept as data (checked in order, the first that holds decides). Never
// closes an incident still firing at the source; leaves snoozed ones and those already
// ended alone; finishes one resolved at the source once the stable window has passed and
// its targets are healthy; closes as stale one that no alert has spoken of for longer
// than sweep.stale-after while its targets look healthy.
import { isSnoozed } from '../incidents/controls.js';
import { controlsOf } from '../incidents/controls.js';
import type { IncidentRecord } from '../incidents/record.js';
import { STATES, type IncidentState } from '../incidents/states.js';

/** What the cluster shows of one target (observe.ts); null healthy: cannot tell. */
export interface Seen {
  healthy: boolean | null;
  detail: string;
}

export interface SweepFacts {
  record: Omit<IncidentRecord, 'incident'>;
  /** Observations by target ref; a target missing here was not observed. */
  seen: Map<string, Seen>;
  now: number;
  stableWindowMs: number;
  staleAfterMs: number;
  /** The pull request was merged by a person (a proposal waiting for verification). */
  merged: boolean;
}

export type SweepVerdict =
  | { action: 'none'; why: string }
  | { action: 'mark'; state: 'needs-human' | 'firing' | 'acting'; why: string }
  | {
      action: 'finish';
      state: Extract<IncidentState, 'resolved' | 'recovered' | 'stale'>;
      why: string;
    };

interface Rule {
  name: string;
  holds: (f: SweepFacts, health: Health) => boolean;
  verdict: (f: SweepFacts, health: Health) => SweepVerdict;
}

interface Health {
  /** Every observable target is healthy (targets that cannot be told are left to the source). */
  healthy: boolean;
  unhealthy: string[];
  unknown: string[];
}

function healthOf(f: SweepFacts): Health {
  const unhealthy: string[] = [];
  const unknown: string[] = [];
  for (const t of f.record.targets) {
    const seen = f.seen.get(t.ref);
    if (!seen || seen.healthy === null) unknown.push(t.ref);
    else if (!seen.healthy) unhealthy.push(`${t.ref} (${seen.detail})`);
  }
  return { healthy: unhealthy.length === 0, unhealthy, unknown };
}

/** Kubemend did something live to a target: the end is resolved, not recovered. */
const acted = (r: SweepFacts['record']) => r.targets.some((t) => t.action?.live);

const unconfirmed = (h: Health) =>
  h.unknown.length ? `; the cluster cannot tell for ${h.unknown.join(', ')}` : '';

export const SWEEP_RULES: readonly Rule[] = [
  {
    name: 'ended',
    holds: (f) => STATES[f.record.state].ends && !f.merged,
    verdict: (f) => ({ action: 'none', why: `already ${f.record.state}` }),
  },
  {
    name: 'snoozed',
    holds: (f) => isSnoozed(controlsOf(f.record), f.now),
    verdict: () => ({ action: 'none', why: 'snoozed: left alone' }),
  },
  {
    name: 'merged proposal verified',
    holds: (f, h) => f.merged && h.healthy,
    verdict: (f, h) => ({
      action: 'finish',
      state: 'resolved',
      why: `the merged change is live: ${f.record.targets.length ? 'every target is healthy on the cluster' : 'nothing unhealthy to see'}${unconfirmed(h)}`,
    }),
  },
  {
    name: 'merged proposal not yet live',
    holds: (f) => f.merged,
    verdict: (_f, h) => ({
      action: 'none',
      why: `merged, not yet healthy: ${h.unhealthy.join(', ')}`,
    }),
  },
  {
    name: 'firing at the source',
    holds: (f) =>
      f.record.status === 'firing' && f.now - Date.parse(f.record.lastSeen) < f.staleAfterMs,
    verdict: () => ({ action: 'none', why: 'still firing at the source' }),
  },
  {
    name: 'stale',
    holds: (f, h) => f.record.status === 'firing' && h.healthy,
    verdict: (f, h) => ({
      action: 'finish',
      state: 'stale',
      why: `no alert since ${f.record.lastSeen} (longer than sweep.stale-after) and the targets look healthy${unconfirmed(h)}`,
    }),
  },
  {
    name: 'unhealthy after the stable window',
    holds: (f, h) =>
      !h.healthy &&
      f.record.status === 'resolved' &&
      f.record.state !== 'needs-human' &&
      f.record.resolvedAt !== null &&
      f.now - Date.parse(f.record.resolvedAt) >= f.stableWindowMs,
    verdict: (f, h) => ({
      action: 'mark',
      state: 'needs-human',
      why: `resolved at the source since ${f.record.resolvedAt}, but the cluster still shows ${h.unhealthy.join(', ')}: look at it, or close the incident if that is expected`,
    }),
  },
  {
    name: 'unhealthy after the source stopped',
    holds: (_f, h) => !h.healthy,
    verdict: (f, h) => ({
      action: 'none',
      why: `${f.record.status === 'resolved' ? 'resolved at the source' : 'quiet'}, but the cluster still shows ${h.unhealthy.join(', ')}`,
    }),
  },
  {
    name: 'within the stable window',
    holds: (f) =>
      f.record.resolvedAt === null || f.now - Date.parse(f.record.resolvedAt) < f.stableWindowMs,
    verdict: (f) => ({
      action: 'none',
      why: `resolved at ${f.record.resolvedAt}; waits out the stable window`,
    }),
  },
  {
    name: 'resolved and healthy',
    holds: () => true,
    verdict: (f, h) => ({
      action: 'finish',
      state: acted(f.record) ? 'resolved' : 'recovered',
      why: `resolved at the source since ${f.record.resolvedAt} and healthy on the cluster${unconfirmed(h)}`,
    }),
  },
];

export function decideSweep(facts: SweepFacts): SweepVerdict & { rule: string } {
  const health = healthOf(facts);
  const rule = SWEEP_RULES.find((r) => r.holds(facts, health));
  if (!rule) throw new Error('the last sweep rule always holds');
  const verdict = { ...rule.verdict(facts, health), rule: rule.name };
  // A snooze that ran out while nothing else changes the incident: its label must not
  // go on saying snoozed. It goes back to firing, or to acting when the source resolved.
  const { record } = facts;
  const { snoozedUntil } = controlsOf(record);
  if (
    verdict.action === 'none' &&
    record.state === 'snoozed' &&
    !isSnoozed(controlsOf(record), facts.now)
  )
    return {
      action: 'mark',
      state: record.status === 'firing' ? 'firing' : 'acting',
      why: `the snooze ended${snoozedUntil ? ` at ${snoozedUntil}` : ''}; ${verdict.why}`,
      rule: 'snooze over',
    };
  return verdict;
}
