// When a cron schedule fires, as GitHub reads a workflow's `schedule:` and Kubernetes a
// CronJob's: five POSIX fields (minute, hour, day of month, month, day of week), with `*`,
// `?` (as `*`, in the day fields), lists, ranges, steps and the names JAN–DEC and SUN–SAT,
// or one of the macros @yearly, @annually, @monthly, @weekly, @daily, @midnight and
// @hourly (Kubernetes accepts them; GitHub does not, which its own validation refuses).
// When both day fields are restricted, either one matching fires. GitHub reads UTC; a
// CronJob its `spec.timeZone` (an IANA name), UTC without one.

const FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: 'JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC' },
  { name: 'day of week', min: 0, max: 6, names: 'SUN MON TUE WED THU FRI SAT' },
] as const;

interface Cron {
  sets: Set<number>[];
  dayOfMonthStar: boolean;
  dayOfWeekStar: boolean;
}

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

export function parseCron(cron: string): Cron {
  const trimmed = cron.trim();
  const macro = trimmed.startsWith('@') ? MACROS[trimmed.toLowerCase()] : undefined;
  if (trimmed.startsWith('@') && !macro)
    throw new Error(
      `cron ${JSON.stringify(cron)}: unknown macro; allowed: ${Object.keys(MACROS).join(', ')}`,
    );
  const parts = (macro ?? trimmed)
    .split(/\s+/)
    .map((p, i) => (p === '?' && (i === 2 || i === 4) ? '*' : p));
  if (parts.length !== 5)
    throw new Error(`cron ${JSON.stringify(cron)}: needs 5 fields (minute hour day month weekday)`);
  const sets = FIELDS.map((spec, i) => parseField(parts[i] ?? '', spec, cron));
  // 7 is Sunday too.
  if (sets[4]?.has(7)) sets[4].add(0);
  return { sets, dayOfMonthStar: parts[2] === '*', dayOfWeekStar: parts[4] === '*' };
}

/** The minutes in (from, to] at which the cron fires, in order. */
export function cronDue(cron: string, from: Date, to: Date): Date[] {
  const parsed = parseCron(cron);
  const due: Date[] = [];
  const start = Math.floor(from.getTime() / 60_000) + 1;
  const end = Math.floor(to.getTime() / 60_000);
  for (let minute = start; minute <= end; minute++) {
    const at = new Date(minute * 60_000);
    if (fires(parsed, at)) due.push(at);
  }
  return due;
}

/** How far back `lastDue` looks: a 29 February schedule fires at least once in 8 years. */
const LOOKBACK_DAYS = 8 * 366;

/**
 * The latest minute at or before `before` at which the cron fires, read on the wall clock
 * of `timeZone` (an IANA name, default UTC); undefined when it never fires (31 February)
 * or `timeZone` is unknown. Walks back day by day and hour by hour, not minute by minute,
 * so a yearly schedule costs a few thousand steps.
 */
export function lastDue(cron: string, before: Date, timeZone = 'UTC'): Date | undefined {
  const parsed = parseCron(cron);
  const offsetOf = zoneOffset(timeZone);
  if (!offsetOf) return undefined;
  const [minutes, hours] = parsed.sets as [Set<number>, Set<number>];
  // Wall-clock time as if it were UTC, so the UTC getters read the zone's fields.
  const end = Math.floor(before.getTime() / 60_000) * 60_000;
  let wall = end + offsetOf(end);
  const limit = wall - LOOKBACK_DAYS * 86_400_000;
  while (wall >= limit) {
    const at = new Date(wall);
    const dayStart = wall - (wall % 86_400_000);
    if (!firesOnDay(parsed, at)) {
      wall = dayStart - 60_000;
      continue;
    }
    if (!hours.has(at.getUTCHours())) {
      wall = wall - (wall % 3_600_000) - 60_000;
      continue;
    }
    if (minutes.has(at.getUTCMinutes())) {
      // Back to an instant; in a daylight-saving gap the wall time has no instant and the
      // offset before it is used, as the clock jumps past it.
      const instant = wall - offsetOf(wall - offsetOf(wall));
      if (instant <= end) return new Date(instant);
    }
    wall -= 60_000;
  }
  return undefined;
}

/** A zone's offset from UTC in ms at an instant, or undefined for an unknown zone. */
function zoneOffset(timeZone: string): ((instant: number) => number) | undefined {
  if (timeZone === 'UTC' || timeZone === 'Etc/UTC') return () => 0;
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    });
  } catch {
    return undefined;
  }
  return (instant) => {
    const part = Object.fromEntries(
      format.formatToParts(new Date(instant)).map((p) => [p.type, Number(p.value)]),
    ) as Record<string, number>;
    const wall = Date.UTC(
      part.year ?? 0,
      (part.month ?? 1) - 1,
      part.day ?? 1,
      part.hour ?? 0,
      part.minute ?? 0,
    );
    return wall - Math.floor(instant / 60_000) * 60_000;
  };
}

function firesOnDay({ sets, dayOfMonthStar, dayOfWeekStar }: Cron, at: Date): boolean {
  const [, , days, months, weekdays] = sets as [
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
  ];
  if (!months.has(at.getUTCMonth() + 1)) return false;
  const dayOk = days.has(at.getUTCDate());
  const weekdayOk = weekdays.has(at.getUTCDay());
  if (dayOfMonthStar || dayOfWeekStar) return dayOk && weekdayOk;
  return dayOk || weekdayOk;
}

function fires(cron: Cron, at: Date): boolean {
  const [minutes, hours] = cron.sets as [Set<number>, Set<number>];
  return minutes.has(at.getUTCMinutes()) && hours.has(at.getUTCHours()) && firesOnDay(cron, at);
}

function parseField(part: string, spec: (typeof FIELDS)[number], cron: string): Set<number> {
  const values = new Set<number>();
  const max = spec.name === 'day of week' ? 7 : spec.max;
  const value = (text: string): number => {
    const index = 'names' in spec ? spec.names.split(' ').indexOf(text.toUpperCase()) : -1;
    const n = index >= 0 ? index + (spec.name === 'month' ? 1 : 0) : Number(text);
    if (!Number.isInteger(n) || n < spec.min || n > max)
      throw new Error(
        `cron ${JSON.stringify(cron)}: ${spec.name} ${text} is not allowed (${spec.min}-${max})`,
      );
    return n;
  };
  for (const item of part.split(',')) {
    const [range = '', stepText] = item.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1)
      throw new Error(`cron ${JSON.stringify(cron)}: ${spec.name} step must be ≥ 1`);
    const bounds = range === '*' ? [spec.min, spec.max] : range.split('-').map(value);
    const low = bounds[0] ?? spec.min;
    // `5/15` runs from 5 to the field's end.
    const high = bounds[1] ?? (stepText === undefined ? low : spec.max);
    for (let n = low; n <= high; n += step) values.add(n);
  }
  return values;
}
