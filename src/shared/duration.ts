// Durations as people write and read them: `45s`, `10m`, `2h 5m`, `3d`. The parser reads
// what the formatter writes, so a time kubemend shows can be typed back (a snooze, a
// config window).

const UNITS = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
] as const;

export const DAY_MS = 86_400_000;

/** Units largest first, each at most once, optionally one space apart: `90s`, `1h30m`, `2d 4h`. */
const DURATION = /^(?:(\d{1,5})d)? ?(?:(\d{1,5})h)? ?(?:(\d{1,5})m)? ?(?:(\d{1,5})s)?$/;

/** Milliseconds of a duration such as `90s`, `10m`, `2h 5m` or `3d`; undefined beyond `max`. */
export function parseDuration(text: string, max = DAY_MS): number | undefined {
  const trimmed = text.trim();
  const match = DURATION.exec(trimmed);
  if (!match || trimmed === '') return undefined;
  let ms = 0;
  UNITS.forEach(([, unitMs], i) => {
    ms += Number(match[i + 1] ?? 0) * unitMs;
  });
  return ms <= max ? ms : undefined;
}

/**
 * A duration in its largest unit and the next one when that is not zero, to the second
 * below: `0s`, `45s`, `2m 5s`, `2h 5m`, `3d`. Precise enough to read, short enough for a cell.
 */
export function formatDuration(ms: number): string {
  let rest = Math.max(0, Math.round(ms / 1000)) * 1000;
  const counts = UNITS.map(([unit, unitMs]) => {
    const n = Math.floor(rest / unitMs);
    rest -= n * unitMs;
    return { unit, n };
  });
  const first = counts.findIndex((c) => c.n > 0);
  if (first < 0) return '0s';
  return counts
    .slice(first, first + 2)
    .filter((c) => c.n > 0)
    .map((c) => `${c.n}${c.unit}`)
    .join(' ');
}
