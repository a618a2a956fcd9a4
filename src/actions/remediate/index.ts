import * as core from '@actions/core';
import { loadConfig } from '../../config/config.js';
import { createGitHubClient, pacingFromEnv } from '../../github/client.js';
import { remediate } from '../../remediation/stage.js';
import { repositoryFromEnv } from '../event.js';
import { getRemediateInputs } from './inputs.js';
import { writeRemediateOutputs, writeResult } from './outputs.js';

export async function run(): Promise<void> {
  const inputs = getRemediateInputs();
  const config = loadConfig(inputs.configPath);
  const repository = repositoryFromEnv();
  const { job, result } = await remediate({
    playbook: inputs.playbook,
    entry: inputs.targets,
    mode: inputs.mode,
    incident: inputs.incident,
    config,
    kubeconfig: inputs.kubeconfig,
    contextChosen: inputs.contextChosen,
    github:
      inputs.token && repository
        ? { ...createGitHubClient({ token: inputs.token, ...pacingFromEnv() }), ...repository }
        : undefined,
    log: core.info,
  });
  const path = writeResult(result, job.id);
  await writeRemediateOutputs(result, path);
  if (result.outcome === 'failed') core.setFailed(`${job.playbook}: ${result.reason}`);
}
