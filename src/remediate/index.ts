import { notReleased } from '../shared/release.js';
import { getRemediateInputs } from './inputs.js';

export async function run(): Promise<void> {
  getRemediateInputs();
  notReleased('remediate');
}
