export const Inputs = {
  GitHubToken: 'github-token',
  Since: 'since',
  Issue: 'issue',
} as const;

export const Defaults = {
  [Inputs.Since]: '180d',
  [Inputs.Issue]: 'true',
} as const;

export const Outputs = {
  JsonPath: 'json-path',
  OpenMetricsPath: 'openmetrics-path',
  MarkdownPath: 'markdown-path',
  Issue: 'issue',
  Incidents: 'incidents',
  IncidentsThisWeek: 'incidents-this-week',
  MttrMedianSeconds: 'mttr-median-seconds',
  MttrP90Seconds: 'mttr-p90-seconds',
  Unknown: 'unknown',
  GitHubRequests: 'github-requests',
} as const;
