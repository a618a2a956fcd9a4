import { start } from '../index.js';
await start('all-in-one');
