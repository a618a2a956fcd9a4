// Fidelity is the point of the emulators: a request GitHub would reject, or a response
// GitHub would not send, fails the test that caused it unless the test took it.
import { liveEmulators } from '../src/sim/github/server.js';

afterEach(() => {
  const failures = [...liveEmulators].flatMap((emulator) => emulator.takeFidelityFailures());
  if (failures.length > 0) {
    const lines = failures.map(
      (f) =>
        `  ${f.kind}: ${f.method} ${f.path}${f.operationId ? ` (${f.operationId})` : ''}: ${f.detail}`,
    );
    throw new Error(`The GitHub emulator recorded fidelity failures:\n${lines.join('\n')}`);
  }
});
