import { start } from '../index.js';
await start('diagnose');
