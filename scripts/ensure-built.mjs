// Builds dist/ only when a source is newer than it, so `npm start` and `smearscope` in a checkout
// start at once when nothing changed (a full build takes about a minute). In an installed package
// there are no sources and dist/ is what was published: nothing to do.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
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

/** A build lock older than this was left by a build that died: taken over. */
const STALE_LOCK_MS = 10 * 60_000;
const LOCK_POLL_MS = 200;

/**
 * Builds dist/ when it is stale (buildNeeded). One build at a time: several smearscope processes
 * started together after an edit (npm run validate runs four) would otherwise each run the build,
 * and esbuild empties dist/ under the others. The first takes a lock (a directory, created
 * atomically); the others wait for it to go, then check again and find dist/ fresh. `build` runs
 * the build (a test hook; default `npm run build`). True when this process built.
 */
export function ensureBuilt(root = repository, build = () => npmBuild(root)) {
  for (;;) {
    const reason = buildNeeded(root);
    if (!reason) return false;
    const lock = join(root, 'build', '.ensure-built.lock');
    if (takeLock(lock)) {
      try {
        const stillNeeded = buildNeeded(root); // another process may have built between the check and the lock
        if (!stillNeeded) return false;
        process.stderr.write(`smearscope: building (${stillNeeded})\n`);
        build();
        return true;
      } finally {
        rmSync(lock, { recursive: true, force: true });
      }
    }
    process.stderr.write('smearscope: waiting for another process building dist/\n');
    while (existsSync(lock) && !lockIsStale(lock)) sleepMs(LOCK_POLL_MS);
  }
}

function npmBuild(root) {
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
}

/**
 * Creates the lock directory with this process's pid in it; false when another live process holds
 * it. A lock whose holder is gone (a build stopped with Ctrl-C) or that is older than STALE_LOCK_MS
 * is removed and taken.
 */
function takeLock(lock) {
  mkdirSync(dirname(lock), { recursive: true });
  try {
    mkdirSync(lock);
    writeFileSync(join(lock, 'pid'), String(process.pid));
    return true;
  } catch (error) {
    if (error.code !== 'EEXIST') throw error;
  }
  if (!lockIsStale(lock)) return false;
  rmSync(lock, { recursive: true, force: true });
  return takeLock(lock);
}

function lockIsStale(lock) {
  try {
    if (Date.now() - statSync(lock).mtimeMs >= STALE_LOCK_MS) return true;
    const pid = Number(readFileSync(join(lock, 'pid'), 'utf8'));
    process.kill(pid, 0); // throws ESRCH when no such process
    return false;
  } catch (error) {
    // ESRCH: its holder is gone. ENOENT: the lock was released, or its pid is not written yet.
    return error.code === 'ESRCH';
  }
}

/** Blocks this thread (the CLI has nothing else to do before dist/ exists). */
function sleepMs(milliseconds) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, milliseconds);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) ensureBuilt();
