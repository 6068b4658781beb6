#!/usr/bin/env node
// The `smearscope` command: the CLI is built into dist/ by `npm run build` (run by `npm install`).
import { main } from '../dist/node/cli.js';

process.exitCode = await main(process.argv.slice(2));
