import { notReleased } from '../shared/release.js';
import { getIntakeInputs } from './inputs.js';

export async function run(): Promise<void> {
  getIntakeInputs();
  notReleased('intake');
}
