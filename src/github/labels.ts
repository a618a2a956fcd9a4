/** Label names of an issue or pull request as the REST API returns them (strings or objects). */
export function labelNames(labels: readonly (string | { name?: string })[]): string[] {
  return labels.map((l) => (typeof l === 'string' ? l : (l.name ?? ''))).filter(Boolean);
}
