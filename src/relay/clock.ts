// The relay's time: injected, so tests and the bench can run minutes of windows,
// back-offs and rate limits without waiting for them.
export interface RelayClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: RelayClock = {
  now: () => Date.now(),
  // Unref'd: a back-off in progress never keeps a stopping process alive.
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms).unref()),
};
