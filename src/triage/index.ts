import { notReleased } from '../shared/release.js';
import { getTriageInputs } from './inputs.js';

export async function run(): Promise<void> {
  getTriageInputs();
  notReleased('triage');
}
