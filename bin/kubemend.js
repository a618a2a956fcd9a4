#!/usr/bin/env node
// The `kubemend` command: the bundled CLI in dist/, so it runs after `npm ci` without a build.
import { cli } from '../dist/index.js';

process.exitCode = await cli(process.argv.slice(2));
