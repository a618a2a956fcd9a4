import { delimiter } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { UsageError, getErrorMessage } from '../shared/errors.js';
import { showValue } from '../shared/errors.js';
import { vetKubeconfig, type KubeconfigPolicy } from './credentials.js';

export interface KubeconfigInputs extends KubeconfigPolicy {
  /** The `context` input's value ('' for the kubeconfig's current-context) and name. */
  context: string;
  contextInput: string;
}

/**
 * Turns the `kubeconfig` input (raw YAML or base64 of it) into a KubeConfig on the
 * chosen context, after vetKubeconfig masked its credentials and held it to the
 * credential policy.
 */
export function loadKubeconfig(raw: string, inputs: KubeconfigInputs): KubeConfig {
  const inputName = inputs.kubeconfigInput;
  const document = vetKubeconfig(raw, inputs);
  const config = new KubeConfig();
  try {
    // The document that was vetted, not the text: client-node's own YAML parser could
    // read the text differently (it is another js-yaml version).
    config.loadFromString(JSON.stringify(document));
  } catch (error) {
    // client-node's own messages name the entry ("clusters[0].cluster.server is missing"), never its value.
    throw new UsageError(
      `Input '${inputName}' is not a usable kubeconfig: ${getErrorMessage(error)}.`,
    );
  }
  const contexts = config.getContexts().map((context) => context.name);
  if (contexts.length === 0) {
    throw new UsageError(
      `Input '${inputName}' has no contexts; expected at least one entry under 'contexts'.`,
    );
  }
  const wanted = inputs.context || config.getCurrentContext();
  if (!wanted) {
    throw new UsageError(
      `Input '${inputs.contextInput}' is required: the kubeconfig sets no current-context; pass one of: ${contexts.join(', ')}.`,
    );
  }
  if (!contexts.includes(wanted)) {
    const source = inputs.context
      ? `Input '${inputs.contextInput}' is ${showValue(wanted)}`
      : `The kubeconfig's current-context ${showValue(wanted)}`;
    throw new UsageError(
      `${source} but the kubeconfig has no such context; allowed: ${contexts.join(', ')}.`,
    );
  }
  config.setCurrentContext(wanted);
  if (!config.getCurrentCluster()) {
    throw new UsageError(
      `Input '${inputName}' has context ${showValue(wanted)} naming a cluster it does not define.`,
    );
  }
  return config;
}

/**
 * The kubeconfig a long-running process on its own host uses, as client-node and kubectl
 * find it: $KUBECONFIG, else ~/.kube/config, else the pod's ServiceAccount (in-cluster).
 * The operator's own, so nothing is vetted; a missing one is one line.
 */
export function defaultKubeconfig(what: string, env: NodeJS.ProcessEnv = process.env): KubeConfig {
  const config = new KubeConfig();
  const file = (env.KUBECONFIG ?? '').split(delimiter).find((p) => p !== '');
  try {
    if (file) config.loadFromFile(file);
    else config.loadFromDefault();
  } catch (error) {
    throw new UsageError(`${what}: no usable kubeconfig (${getErrorMessage(error)}).`);
  }
  if (!config.getCurrentCluster())
    throw new UsageError(
      `${what}: no kubeconfig found; set KUBECONFIG, or run in a pod with a ServiceAccount.`,
    );
  return config;
}

/**
 * The credentials for `cluster` in a kubeconfig that may hold several clusters: its
 * context named as the cluster when it has one; the kubeconfig as it is when it has a
 * single context (the one-cluster setup: the identity check still guards it); undefined
 * when it has several contexts and none of that name, so nothing is attempted with
 * another cluster's credentials. Never changes `config`.
 */
export function credentialsFor(config: KubeConfig, cluster: string): KubeConfig | undefined {
  const contexts = config.getContexts().map((c) => c.name);
  if (contexts.includes(cluster)) {
    if (config.getCurrentContext() === cluster) return config;
    const chosen = new KubeConfig();
    chosen.loadFromOptions({
      clusters: config.getClusters(),
      users: config.getUsers(),
      contexts: config.getContexts(),
      currentContext: cluster,
    });
    return chosen;
  }
  return contexts.length === 1 ? config : undefined;
}

/** Why there are no credentials for `cluster`, naming the contexts there are; one line. */
export function missingCredentials(config: KubeConfig, cluster: string): string {
  const contexts = config.getContexts().map((c) => c.name);
  return `no credentials for cluster ${cluster}: the kubeconfig's contexts are ${contexts.join(', ')}; add a context named ${cluster}`;
}
