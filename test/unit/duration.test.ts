import { describe, expect, it } from '@jest/globals';
import { DAY_MS, formatDuration, parseDuration } from '../../src/shared/duration.js';
import { parseDuration as configDuration } from '../../src/config/config.js';

describe('durations', () => {
  it('are shown in their largest unit and the next one, to the second', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(-5000)).toBe('0s');
    expect(formatDuration(42_400)).toBe('42s');
    expect(formatDuration(125_000)).toBe('2m 5s');
    expect(formatDuration(90 * 60_000)).toBe('1h 30m');
    expect(formatDuration(2 * 3_600_000 + 5_000)).toBe('2h');
    expect(formatDuration(3 * DAY_MS + 4 * 3_600_000 + 59_000)).toBe('3d 4h');
    expect(formatDuration(3 * DAY_MS)).toBe('3d');
  });

  it('read back what they are shown as', () => {
    for (const ms of [1000, 45_000, 125_000, 5_400_000, 3 * DAY_MS, 2 * DAY_MS + 3_600_000])
      expect(parseDuration(formatDuration(ms), 7 * DAY_MS)).toBe(ms);
    expect(parseDuration('1h30m')).toBe(5_400_000);
  });

  it('refuse what is not one, or is longer than the limit', () => {
    for (const text of ['', ' ', '10', '10 minutes', '-1h', '1.5h', '30m 1h', '1h 1h', '1h  30m'])
      expect(parseDuration(text)).toBeUndefined();
    expect(parseDuration('24h')).toBe(DAY_MS);
    expect(parseDuration('25h')).toBeUndefined();
    expect(parseDuration('8d', 7 * DAY_MS)).toBeUndefined();
  });

  it('in the config are at most a day, as before', () => {
    expect(configDuration('90s')).toBe(90_000);
    expect(configDuration('24h')).toBe(DAY_MS);
    expect(configDuration('1441m')).toBeUndefined();
  });
});
