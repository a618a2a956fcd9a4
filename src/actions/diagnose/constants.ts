import { DEFAULT_CONFIG_PATH } from '../../shared/constants.js';

export const Inputs = {
  GitHubToken: 'github-token',
  Kubeconfig: 'kubeconfig',
  Context: 'context',
  AllowExecCredentials: 'allow-exec-credentials',
  Config: 'config',
  IssueNumber: 'issue-number',
  TriggerLabel: 'trigger-label',
} as const;

export const Defaults = {
  [Inputs.AllowExecCredentials]: 'false',
  [Inputs.Config]: DEFAULT_CONFIG_PATH,
  [Inputs.TriggerLabel]: 'cluster-doctor',
} as const;

export const Outputs = {
  CommentUrl: 'comment-url',
  TopCause: 'top-cause',
  Causes: 'causes',
} as const;
