// The scenarios shipped with the simulator, by name (src/sim/scenarios/NAME.yaml).
import { scenarioNames } from '../sim/kube/scenario.js';

export const scenarioExists = (name: string): boolean => scenarioNames().includes(name);
