// The relay's log: one JSON object per line on stderr, every text redacted. Payload text
// and tokens never reach it: callers log counts, keys' hashes and error messages.
import { redact } from '../shared/redact.js';

export type LogLevel = 'info' | 'warning' | 'error';
export type Log = (level: LogLevel, message: string, fields?: Record<string, unknown>) => void;

export function jsonLog(write: (line: string) => void): Log {
  return (level, message, fields = {}) => {
    const safe: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(fields)) safe[k] = typeof v === 'string' ? redact(v) : v;
    write(
      `${JSON.stringify({ time: new Date().toISOString(), level, message: redact(message), ...safe })}\n`,
    );
  };
}

/** A log that keeps nothing (tests, the bench). */
export const silentLog: Log = () => {};
