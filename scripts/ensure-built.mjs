// Builds dist/ only when a source is newer than it, so `npm start` and `smearscope` in a checkout
// start at once when nothing changed (a full build takes about a minute). In an installed package
// there are no sources and dist/ is what was published: nothing to do.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repository = fileURLToPath(new URL('..', import.meta.url));
const SOURCES = [
  'src',
  'workers',
  'assembly',
  'models',
  'scripts/shipped-models.mjs',
  'esbuild.mjs',
  'package.json',
  'asconfig.json',
  'tsconfig.json',
];
const OUTPUTS = ['dist/node/cli.js', 'dist/node/index.js', 'dist/browser/index.js', 'dist/types/src/index.d.ts'];

/** Newest modification time (ms) under `path`, skipping nothing but missing paths. */
function newest(path) {
  if (!existsSync(path)) return 0;
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  return readdirSync(path).reduce((latest, name) => Math.max(latest, newest(join(path, name))), info.mtimeMs);
}

/** True when dist/ is missing or older than a source (the reason is returned for the log). */
export function buildNeeded(root = repository) {
  if (!existsSync(join(root, 'src'))) return undefined; // an installed package
  const missing = OUTPUTS.find((output) => !existsSync(join(root, output)));
  if (missing) return `${missing} is missing`;
  const built = Math.min(...OUTPUTS.map((output) => statSync(join(root, output)).mtimeMs));
  const changed = SOURCES.find((source) => newest(join(root, source)) > built);
  return changed ? `${changed} changed since the last build` : undefined;
}

export function ensureBuilt(root = repository) {
  const reason = buildNeeded(root);
  if (!reason) return false;
  process.stderr.write(`smearscope: building (${reason})\n`);
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) ensureBuilt();
