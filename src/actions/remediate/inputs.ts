import type { KubeConfig } from '@kubernetes/client-node';
import {
  PLAYBOOK_MODES,
  PLAYBOOKS,
  type Playbook,
  type PlaybookMode,
} from '../../shared/constants.js';
import { UsageError } from '../../shared/errors.js';
import { isObject } from '../../shared/json.js';
import {
  enumInput,
  jsonInput,
  optionalInput,
  optionalSecretInput,
  secretInput,
  workspacePathInput,
} from '../inputs.js';
import { issueNumberInput } from '../name-inputs.js';
import { kubeconfigInputs } from '../kubeconfig-input.js';
import { Defaults, Inputs } from './constants.js';

export interface RemediateInputs {
  kubeconfig: KubeConfig;
  playbook: Playbook;
  /** One entry of triage's matrix. */
  targets: Record<string, unknown>;
  /** Overrides the config's mode for this playbook when set. */
  mode: PlaybookMode | undefined;
  configPath: string;
  incident: number | undefined;
  token: string | undefined;
  /** The `context` input was given: that context, whatever the incident's cluster. */
  contextChosen: boolean;
}

export function getRemediateInputs(): RemediateInputs {
  // The kubeconfig is read and masked first, before any other input can fail and print.
  const rawKubeconfig = secretInput(
    Inputs.Kubeconfig,
    'pass a kubeconfig secret (raw YAML or base64), e.g. ${{ secrets.KUBECONFIG }}',
  );
  const token = optionalSecretInput(Inputs.GitHubToken);
  const playbook = enumInput(Inputs.Playbook, PLAYBOOKS, undefined);
  if (playbook === undefined) {
    throw new UsageError(
      `Input '${Inputs.Playbook}' is required: pass matrix.playbook from triage's matrix; allowed: ${PLAYBOOKS.join(', ')}.`,
    );
  }
  const targets = jsonInput(Inputs.Targets, "a JSON object (one entry of triage's matrix)");
  if (!isObject(targets)) {
    throw new UsageError(
      `Input '${Inputs.Targets}' is required as a JSON object: pass \${{ toJSON(matrix) }} from triage's matrix.`,
    );
  }
  const mode = enumInput(Inputs.Mode, PLAYBOOK_MODES, undefined);
  const configPath = workspacePathInput(Inputs.Config, Defaults[Inputs.Config]);
  const incident = issueNumberInput(Inputs.Incident);
  const kubeconfig = kubeconfigInputs(rawKubeconfig, Inputs, Defaults[Inputs.AllowExecCredentials]);
  const contextChosen = optionalInput(Inputs.Context) !== '';
  return { kubeconfig, contextChosen, playbook, targets, mode, configPath, incident, token };
}
