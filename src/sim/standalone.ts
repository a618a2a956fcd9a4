// Shared by the standalone emulator CLIs: serve until a signal or until the launcher goes.

/** Closes the emulator and exits on SIGINT, SIGTERM, or when the parent process is gone. */
export function serveUntilStopped(emulator: { close(): Promise<void> }): void {
  const stop = (): void => void emulator.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // `npm run` does not pass signals on to its child: when the launcher goes away, so do we.
  const parent = process.ppid;
  setInterval(() => process.ppid !== parent && stop(), 500).unref();
}
