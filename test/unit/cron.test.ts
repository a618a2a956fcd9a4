// lastDue: the latest run of a cron schedule, on the wall clock of a time zone, as a
// CronJob's controller reads `spec.schedule` and `spec.timeZone`.
import { cronDue, lastDue } from '../../src/shared/cron.js';

const at = (iso: string) => new Date(iso);
const last = (cron: string, before: string, zone?: string) =>
  lastDue(cron, at(before), zone)?.toISOString();

describe('the latest run of a schedule', () => {
  it('is the last minute at or before the time that matches every field', () => {
    expect(last('0 3 * * *', '2026-03-10T12:34:56Z')).toBe('2026-03-10T03:00:00.000Z');
    expect(last('0 3 * * *', '2026-03-10T03:00:00Z')).toBe('2026-03-10T03:00:00.000Z');
    expect(last('*/5 * * * *', '2026-03-10T12:34:56Z')).toBe('2026-03-10T12:30:00.000Z');
    expect(last('0 9 * * MON', '2026-03-10T12:00:00Z')).toBe('2026-03-09T09:00:00.000Z');
  });

  it('reads the macros Kubernetes accepts, and refuses others naming the allowed ones', () => {
    expect(last('@hourly', '2026-03-10T12:34:56Z')).toBe('2026-03-10T12:00:00.000Z');
    expect(last('@daily', '2026-03-10T12:34:56Z')).toBe('2026-03-10T00:00:00.000Z');
    expect(last('@weekly', '2026-03-10T12:34:56Z')).toBe('2026-03-08T00:00:00.000Z');
    expect(last('@monthly', '2026-03-10T12:34:56Z')).toBe('2026-03-01T00:00:00.000Z');
    expect(last('@yearly', '2026-03-10T12:34:56Z')).toBe('2026-01-01T00:00:00.000Z');
    expect(() => lastDue('@every 5m', new Date())).toThrow(
      'cron "@every 5m": unknown macro; allowed: @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly',
    );
    expect(cronDue('@hourly', at('2026-01-01T00:00:00Z'), at('2026-01-01T02:00:00Z'))).toHaveLength(
      2,
    );
  });

  it('reads the wall clock of the time zone given, across daylight saving', () => {
    // 04:00 in Berlin: 03:00 UTC in winter (CET), 02:00 UTC in summer (CEST).
    expect(last('0 4 * * *', '2026-03-10T12:00:00Z', 'Europe/Berlin')).toBe(
      '2026-03-10T03:00:00.000Z',
    );
    expect(last('0 4 * * *', '2026-07-10T12:00:00Z', 'Europe/Berlin')).toBe(
      '2026-07-10T02:00:00.000Z',
    );
    expect(last('0 9 * * 1', '2026-03-10T12:00:00Z', 'America/New_York')).toBe(
      '2026-03-09T13:00:00.000Z',
    );
  });

  it('is undefined for a date that never comes or a zone that does not exist', () => {
    expect(last('0 3 31 2 *', '2026-03-10T12:00:00Z')).toBeUndefined();
    expect(last('0 3 * * *', '2026-03-10T12:00:00Z', 'Mars/Olympus')).toBeUndefined();
    // 29 February: years back, found day by day.
    expect(last('0 0 29 2 *', '2026-03-10T12:00:00Z')).toBe('2024-02-29T00:00:00.000Z');
  });
});
