#!/usr/bin/env node
// The `smearscope` command. In a checkout, dist/ is built first when a source changed since the
// last build (scripts/ensure-built.mjs); an installed package ships dist/ built.
import { existsSync } from 'node:fs';

if (existsSync(new URL('../scripts/ensure-built.mjs', import.meta.url)) && existsSync(new URL('../src', import.meta.url))) {
  const { ensureBuilt } = await import('../scripts/ensure-built.mjs');
  ensureBuilt();
}
const { main } = await import('../dist/node/cli.js');
process.exitCode = await main(process.argv.slice(2));
