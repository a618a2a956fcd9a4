import { notReleased } from '../shared/release.js';
import { getReportInputs } from './inputs.js';

export async function run(): Promise<void> {
  getReportInputs();
  notReleased('report');
}
