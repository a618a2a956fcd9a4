import { notReleased } from '../shared/release.js';
import { getDiagnoseInputs } from './inputs.js';

export async function run(): Promise<void> {
  getDiagnoseInputs();
  notReleased('diagnose');
}
