/**
 * An error the user caused and can fix (a bad input, a bad payload, a wrong kubeconfig).
 * Its message is shown as it is, on one line; anything else is a kubemend bug.
 */
export class UsageError extends Error {
  override name = 'UsageError';
}

export function getErrorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}

/** Collapses a message to one line: the runner shows an annotation per line. */
export function oneLine(message: string): string {
  return message.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

/** How a value is quoted in an error message: bounded, with control characters visible. */
export function showValue(value: string, max = 60): string {
  const cut = value.length > max ? `${value.slice(0, max)}…` : value;
  return JSON.stringify(cut);
}
