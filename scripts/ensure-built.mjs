// Builds dist/ only when a source is newer than it, so `npm start` and `smearscope` in a checkout
// start at once when nothing changed (a full build takes about a minute). In an installed package
// there are no sources and dist/ is what was published: nothing to do.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repository = fileURLToPath(new URL('..', import.meta.url));
const SOURCES = [
  'src',
  'workers',
  'assembly',
  // What the build reads of models/: the cards (models/*.json, the shipped-models module), the
  // schemes (imported) and the zoo's builder (bundled); not the graphs (read at run time), the
  // training scripts or their caches, or the README.
  'models/*.json',
  'models/schemes',
  'models/zoo',
  'scripts/shipped-models.mjs',
  'esbuild.mjs',
  'package.json',
  'asconfig.json',
  'tsconfig.json',
];
const OUTPUTS = ['dist/node/cli.js', 'dist/node/index.js', 'dist/browser/index.js', 'dist/types/src/index.d.ts'];

/** Newest modification time (ms) under `path`, skipping nothing but missing paths; `folder/*.ext`
 * means the files of that extension directly in the folder, and the folder itself (a file removed
 * or renamed there changes only the folder's time). */
function newest(path) {
  const pattern = path.match(/^(.*)[/\\]\*(\.\w+)$/);
  if (pattern) {
    const [, folder, extension] = pattern;
    if (!existsSync(folder)) return 0;
    return readdirSync(folder)
      .filter((name) => name.endsWith(extension))
      .reduce((latest, name) => Math.max(latest, statSync(join(folder, name)).mtimeMs), statSync(folder).mtimeMs);
  }
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

/** A lock without a readable pid this long after it was made was left by a process that died
 * between making it and writing its pid: taken over. A lock with a pid is taken over only when
 * that process is gone (a build may take minutes). */
const PIDLESS_LOCK_MS = 10_000;
const LOCK_POLL_MS = 200;

/**
 * Builds dist/ when it is stale (buildNeeded). One build at a time: several smearscope processes
 * started together after an edit (npm run validate runs four) would otherwise each run the build,
 * and esbuild empties dist/ under the others. The first takes a lock (a directory, created
 * atomically, holding its pid); the others wait for it to go, then check again and find dist/
 * fresh. `build` runs the build (a test hook; default `npm run build`). True when this process
 * built. A build that fails throws in its own process and is not run again by the processes that
 * waited for it: they throw too, naming the failed build (its holder records the failure in the
 * lock before letting go); a process started later tries again.
 */
export function ensureBuilt(root = repository, build = () => npmBuild(root)) {
  const lock = join(root, 'build', '.ensure-built.lock');
  const failed = `${lock}.failed`;
  for (;;) {
    if (!buildNeeded(root)) return false;
    if (takeLock(lock)) {
      try {
        const reason = buildNeeded(root); // another process may have built between the check and the lock
        if (!reason) return false;
        process.stderr.write(`smearscope: building (${reason})\n`);
        try {
          build();
        } catch (error) {
          writeFileSync(failed, JSON.stringify({ token: lockToken(lock), pid: process.pid, message: String(error?.message ?? error) }));
          throw error;
        }
        rmSync(failed, { force: true });
        return true;
      } finally {
        if (lockPid(lock) === process.pid) rmSync(lock, { recursive: true, force: true });
      }
    }
    // The holder is known by its lock's token (pids repeat); waiting ends when that lock goes, or
    // is replaced by another process's, so a failure is read for the build waited for.
    let holder = lockToken(lock);
    process.stderr.write('smearscope: waiting for another process building dist/\n');
    while (existsSync(lock) && !lockIsStale(lock)) {
      const now = lockToken(lock);
      holder ??= now;
      if (now !== undefined && now !== holder) break;
      sleepMs(LOCK_POLL_MS);
    }
    const failure = holder === undefined ? undefined : failureOf(failed);
    if (failure?.token === holder && buildNeeded(root)) {
      throw new Error(
        `the build of dist/ that this process waited for (pid ${failure.pid}) failed: ${failure.message.split('\n')[0]}; ` +
          'fix the cause and run `npm run build` (its full output is above, from that process)',
      );
    }
  }
}

/** The last failed build's record ({ token, pid, message }), or undefined. */
function failureOf(path) {
  try {
    const record = JSON.parse(readFileSync(path, 'utf8'));
    return typeof record.token === 'string' && typeof record.message === 'string' ? record : undefined;
  } catch {
    return undefined;
  }
}

/** The lock's token (unique to the process that made it), or undefined when none can be read yet. */
function lockToken(lock) {
  try {
    return readFileSync(join(lock, 'token'), 'utf8') || undefined;
  } catch {
    return undefined;
  }
}

function npmBuild(root) {
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
}

/** Makes the lock directory and writes a token of its own and this process's pid into it; false
 * when it exists. */
function createLock(lock) {
  try {
    mkdirSync(lock);
  } catch (error) {
    if (error.code === 'EEXIST') return false;
    throw error;
  }
  writeFileSync(join(lock, 'token'), randomUUID());
  writeFileSync(join(lock, 'pid'), String(process.pid));
  return true;
}

/**
 * Takes the lock: makes it, or takes over a stale one (lockIsStale). Takeovers go one at a time
 * under a second lock, and re-check under it, so two waiters that both saw the same dead holder
 * cannot each remove the lock the other has just made.
 */
function takeLock(lock) {
  mkdirSync(dirname(lock), { recursive: true });
  if (createLock(lock)) return true;
  if (!lockIsStale(lock)) return false;
  const guard = `${lock}.takeover`;
  try {
    mkdirSync(guard);
  } catch (error) {
    if (error.code !== 'EEXIST') throw error;
    if (ageMs(guard) > PIDLESS_LOCK_MS) rmSync(guard, { recursive: true, force: true }); // its taker died
    return false;
  }
  try {
    if (!lockIsStale(lock)) return false;
    rmSync(lock, { recursive: true, force: true });
    return createLock(lock);
  } finally {
    rmSync(guard, { recursive: true, force: true });
  }
}

/** The lock holder's pid, or undefined when none can be read (not written yet, garbled, released). */
function lockPid(lock) {
  try {
    const pid = Number(readFileSync(join(lock, 'pid'), 'utf8'));
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Stale: its holder's process is gone, or it has had no readable pid for PIDLESS_LOCK_MS. */
function lockIsStale(lock) {
  const pid = lockPid(lock);
  if (pid === undefined) return existsSync(lock) && ageMs(lock) > PIDLESS_LOCK_MS;
  try {
    process.kill(pid, 0); // signal 0: only asks whether the process exists
    return false;
  } catch (error) {
    return error.code === 'ESRCH'; // EPERM: it exists, under another user
  }
}

/** Milliseconds since `path` was modified; 0 when it is gone. */
function ageMs(path) {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

/** Blocks this thread (the CLI has nothing else to do before dist/ exists). */
function sleepMs(milliseconds) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, milliseconds);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) ensureBuilt();
