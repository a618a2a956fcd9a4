import { DEFAULT_CONFIG_PATH } from '../../shared/constants.js';

export const Inputs = {
  Alerts: 'alerts',
  Incidents: 'incidents',
  FromDir: 'from-dir',
  IncidentNumber: 'incident-number',
  GitHubToken: 'github-token',
  Config: 'config',
} as const;

export const Defaults = {
  [Inputs.Config]: DEFAULT_CONFIG_PATH,
} as const;

export const Outputs = {
  Matrix: 'matrix',
  HasWork: 'has-work',
  Categories: 'categories',
  Incidents: 'incidents',
} as const;
