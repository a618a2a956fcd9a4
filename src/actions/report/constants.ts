import { DEFAULT_CONFIG_PATH } from '../../shared/constants.js';

export const Inputs = {
  GitHubToken: 'github-token',
  IncidentNumber: 'incident-number',
  ResultsDir: 'results-dir',
  Config: 'config',
  NotifyWebhook: 'notify-webhook',
  NotifySecrets: 'notify-secrets',
} as const;

export const Defaults = {
  [Inputs.ResultsDir]: 'kubemend-results',
  [Inputs.Config]: DEFAULT_CONFIG_PATH,
} as const;

export const Outputs = {
  CommentUrl: 'comment-url',
  State: 'state',
  Merged: 'merged',
} as const;
