// When a `schedule:` cron fires, as GitHub reads it: five POSIX fields in UTC (minute,
// hour, day of month, month, day of week), with `*`, lists, ranges, steps and the names
// JAN–DEC and SUN–SAT. When both day fields are restricted, either one matching fires.

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

export function parseCron(cron: string): Cron {
  const parts = cron.trim().split(/\s+/);
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

function fires({ sets, dayOfMonthStar, dayOfWeekStar }: Cron, at: Date): boolean {
  const [minutes, hours, days, months, weekdays] = sets as [
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
  ];
  if (!minutes.has(at.getUTCMinutes()) || !hours.has(at.getUTCHours())) return false;
  if (!months.has(at.getUTCMonth() + 1)) return false;
  const dayOk = days.has(at.getUTCDate());
  const weekdayOk = weekdays.has(at.getUTCDay());
  if (dayOfMonthStar || dayOfWeekStar) return dayOk && weekdayOk;
  return dayOk || weekdayOk;
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
