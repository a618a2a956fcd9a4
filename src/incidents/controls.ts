// What people say to an incident with slash commands, kept in its record so every run
// (intake's folds keep it) reads the same: a snooze, autoclose on or off, a forced
// dry-run, a retry request, approvals, and a short log of who said what when.
export const COMMAND_VERBS = [
  'approve',
  'retry',
  'snooze',
  'autoclose',
  'dry-run',
  'diagnose',
] as const;
export type CommandVerb = (typeof COMMAND_VERBS)[number];

export interface Controls {
  snoozedUntil: string | null;
  /** null: the config decides (report.merge / report.close-issues). */
  autoclose: boolean | null;
  dryRun: boolean;
  retryRequestedAt: string | null;
  approvals: { playbook: string | null; by: string; at: string }[];
  log: { verb: CommandVerb; arg: string | null; by: string; at: string }[];
}

export const LOG_LIMIT = 20;

export const isCommandVerb = (v: unknown): v is CommandVerb =>
  (COMMAND_VERBS as readonly unknown[]).includes(v);

const time = (v: unknown): string | null =>
  typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? v : null;
const login = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/**
 * The controls a record holds, with defaults for what it lacks. The record is a file
 * anyone with write access can edit by hand: a field of the wrong type reads as its
 * default, an entry of the wrong shape is dropped, and nothing here throws.
 */
export function controlsOf(record: { controls?: unknown }): Controls {
  const c = (
    typeof record.controls === 'object' && record.controls !== null ? record.controls : {}
  ) as Record<string, unknown>;
  const entries = (v: unknown): Record<string, unknown>[] =>
    Array.isArray(v)
      ? v.filter((e): e is Record<string, unknown> => typeof e === 'object' && e !== null)
      : [];
  const approvals = entries(c.approvals).flatMap((e) => {
    const by = login(e.by);
    const at = time(e.at);
    const playbook = typeof e.playbook === 'string' ? e.playbook : null;
    return by && at ? [{ playbook, by, at }] : [];
  });
  const log = entries(c.log).flatMap((e) => {
    const by = login(e.by);
    const at = time(e.at);
    const arg = typeof e.arg === 'string' ? e.arg : null;
    return by && at && isCommandVerb(e.verb) ? [{ verb: e.verb, arg, by, at }] : [];
  });
  return {
    snoozedUntil: time(c.snoozedUntil),
    autoclose: typeof c.autoclose === 'boolean' ? c.autoclose : null,
    dryRun: c.dryRun === true,
    retryRequestedAt: time(c.retryRequestedAt),
    approvals: approvals.slice(-LOG_LIMIT),
    log: log.slice(-LOG_LIMIT),
  };
}

export interface Command {
  verb: CommandVerb;
  arg: string | null;
}

/** The controls after `command` by `by` at `at` (ISO); snooze's arg is its end time. */
export function applyCommand(
  controls: Controls,
  command: Command,
  by: string,
  at: string,
): Controls {
  const next: Controls = {
    ...controls,
    log: [...controls.log, { ...command, by, at }].slice(-LOG_LIMIT),
  };
  switch (command.verb) {
    case 'approve':
      next.approvals = [...controls.approvals, { playbook: command.arg, by, at }].slice(-LOG_LIMIT);
      break;
    case 'retry':
      next.retryRequestedAt = at;
      break;
    case 'snooze':
      next.snoozedUntil = command.arg;
      break;
    case 'autoclose':
      next.autoclose = command.arg === 'on';
      break;
    case 'dry-run':
      next.dryRun = true;
      break;
    case 'diagnose':
      break;
  }
  return next;
}

/** Is the incident snoozed at `now` (ms)? */
export const isSnoozed = (c: Controls, now: number): boolean =>
  c.snoozedUntil !== null && Date.parse(c.snoozedUntil) > now;
