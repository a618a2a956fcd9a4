import { DEFAULT_CONFIG_PATH } from '../../shared/constants.js';

export const Inputs = {
  Kubeconfig: 'kubeconfig',
  Context: 'context',
  AllowExecCredentials: 'allow-exec-credentials',
  GitHubToken: 'github-token',
  Config: 'config',
  Mode: 'mode',
  IncidentMode: 'incident-mode',
  Cluster: 'cluster',
  Payload: 'payload',
  NotifyWebhook: 'notify-webhook',
  NotifySecrets: 'notify-secrets',
} as const;

export const Defaults = {
  [Inputs.AllowExecCredentials]: 'false',
  [Inputs.Config]: DEFAULT_CONFIG_PATH,
  [Inputs.IncidentMode]: 'pr',
} as const;

export const Outputs = {
  IncidentNumber: 'incident-number',
  IncidentUrl: 'incident-url',
  Matrix: 'matrix',
  State: 'state',
  Merged: 'merged',
  CommentUrl: 'comment-url',
  Incidents: 'incidents',
} as const;
