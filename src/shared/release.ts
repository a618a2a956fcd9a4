import { UsageError } from './errors.js';

/**
 * Ends a run of an action whose inputs are checked but whose work is not released
 * yet: failing loudly beats a green step that did nothing during an incident.
 */
export function notReleased(action: string): never {
  throw new UsageError(
    `kubemend ${action}: the inputs are valid, but this action is not released yet; the README lists the actions that are.`,
  );
}
