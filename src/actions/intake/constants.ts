import { DEFAULT_CONFIG_PATH } from '../../shared/constants.js';

export const Inputs = {
  GitHubToken: 'github-token',
  Mode: 'mode',
  Cluster: 'cluster',
  Config: 'config',
  Base: 'base',
  Payload: 'payload',
  Labels: 'labels',
} as const;

/** Defaults of optional inputs, as action.yml states them (a test holds the two equal). */
export const Defaults = {
  [Inputs.Mode]: 'pr',
  [Inputs.Config]: DEFAULT_CONFIG_PATH,
} as const;

export const Outputs = {
  IncidentNumber: 'incident-number',
  IncidentUrl: 'incident-url',
  IncidentKey: 'incident-key',
  Created: 'created',
  Status: 'status',
  RecordPath: 'record-path',
  Alerts: 'alerts',
  Action: 'action',
  Incidents: 'incidents',
} as const;
