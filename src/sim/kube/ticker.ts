// The wall-clock ticker of a simulated clock: for clients in other processes that wait
// with real timers (the bundled actions), the clock runs with wall time, `speedup` times
// faster. One emulator (KubeEmulator.runClock) or several on one story clock
// (src/rehearse/clusters.ts) use the same ticker.

/**
 * Calls `advance` every `tickMs` with the wall time since the last tick times `speedup`;
 * answers the function that stops it. The timer does not keep the process alive.
 */
export function wallClockTicker(
  advance: (ms: number) => void,
  speedup: number,
  tickMs = 100,
): () => void {
  let last = Date.now();
  const timer = setInterval(() => {
    const now = Date.now();
    advance((now - last) * speedup);
    last = now;
  }, tickMs);
  timer.unref();
  return () => clearInterval(timer);
}
