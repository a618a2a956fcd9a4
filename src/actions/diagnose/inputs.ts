import type { KubeConfig } from '@kubernetes/client-node';
import { kubeconfigInputs } from '../kubeconfig-input.js';
import { UsageError } from '../../shared/errors.js';
import { isObject } from '../../shared/json.js';
import { readEvent } from '../event.js';
import { optionalInput, secretInput, workspacePathInput } from '../inputs.js';
import { issueNumberInput, labelsInput } from '../name-inputs.js';
import { Defaults, Inputs } from './constants.js';

export interface DiagnoseInputs {
  token: string;
  kubeconfig: KubeConfig;
  /** The `context` input was given: that context, whatever the issue's cluster. */
  contextChosen: boolean;
  configPath: string;
  issueNumber: number;
  triggerLabel: string;
}

export function getDiagnoseInputs(): DiagnoseInputs {
  const rawKubeconfig = secretInput(
    Inputs.Kubeconfig,
    'pass a kubeconfig secret (raw YAML or base64) for a read-only identity, e.g. ${{ secrets.KUBECONFIG }}',
  );
  const token = secretInput(
    Inputs.GitHubToken,
    'pass ${{ github.token }} or a token that can write issues and pull requests',
  );
  const issueNumber = issueNumberInput(Inputs.IssueNumber, eventIssueNumber());
  if (issueNumber === undefined) {
    throw new UsageError(
      `Input '${Inputs.IssueNumber}' is required when the event is not about an issue: pass the issue to diagnose.`,
    );
  }
  const [triggerLabel = Defaults[Inputs.TriggerLabel], ...extra] = labelsInput(Inputs.TriggerLabel);
  if (extra.length > 0) {
    throw new UsageError(
      `Input '${Inputs.TriggerLabel}' names ${extra.length + 1} labels; allowed: one label name.`,
    );
  }
  const configPath = workspacePathInput(Inputs.Config, Defaults[Inputs.Config]);
  const kubeconfig = kubeconfigInputs(rawKubeconfig, Inputs, Defaults[Inputs.AllowExecCredentials]);
  const contextChosen = optionalInput(Inputs.Context) !== '';
  return { token, kubeconfig, contextChosen, configPath, issueNumber, triggerLabel };
}

/** issues and issue_comment events carry the issue; workflow_dispatch passes it as an input. */
function eventIssueNumber(): number | undefined {
  const { payload } = readEvent();
  const issue = payload.issue;
  if (isObject(issue) && typeof issue.number === 'number') return issue.number;
  const inputs = payload.inputs;
  if (
    isObject(inputs) &&
    typeof inputs['issue-number'] === 'string' &&
    /^\d+$/.test(inputs['issue-number'])
  ) {
    return Number(inputs['issue-number']);
  }
  return undefined;
}
