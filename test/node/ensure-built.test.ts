import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { buildNeeded, ensureBuilt } from '../../scripts/ensure-built.mjs';

const OUTPUTS = ['dist/node/cli.js', 'dist/node/index.js', 'dist/browser/index.js', 'dist/types/src/index.d.ts'];
const ENSURE_BUILT = fileURLToPath(new URL('../../scripts/ensure-built.mjs', import.meta.url));

/** A checkout whose dist/ is older than its sources. */
function staleCheckout(): string {
  const root = mkdtempSync(join(tmpdir(), 'smearscope-built-'));
  for (const output of OUTPUTS) {
    mkdirSync(dirname(join(root, output)), { recursive: true });
    writeFileSync(join(root, output), '');
    utimesSync(join(root, output), 1000, 1000);
  }
  mkdirSync(join(root, 'src'));
  writeFileSync(join(root, 'src/scope.ts'), '');
  return root;
}

describe('npm start / smearscope build only when dist/ is stale', () => {
  it('says why a build is needed, and nothing when dist/ is newer than every source', () => {
    const root = mkdtempSync(join(tmpdir(), 'smearscope-built-'));
    const write = (path: string, seconds: number) => {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), '');
      utimesSync(join(root, path), seconds, seconds);
    };
    write('src/scope.ts', 1000);
    write('workers/inference.worker.ts', 1000);
    const outputs = OUTPUTS;
    for (const output of outputs.slice(1)) write(output, 2000);
    expect(buildNeeded(root)).toBe('dist/node/cli.js is missing');
    write(outputs[0], 2000);
    for (const folder of ['src', 'workers']) utimesSync(join(root, folder), 1000, 1000);
    expect(buildNeeded(root)).toBeUndefined();
    // Of models/, only what the build reads: the cards (and the folder that lists them), the
    // schemes, the zoo's builder. Folder times are set back so each step tests the files' own.
    const folderTime = (folder: string, seconds: number) => utimesSync(join(root, folder), seconds, seconds);
    for (const path of ['models/README.md', 'models/pb8.onnx', 'models/train/recipe.py', 'models/train/__pycache__/recipe.pyc'])
      write(path, 3000);
    folderTime('models', 1000); // edited in place: the folder's own time unchanged
    expect(buildNeeded(root)).toBeUndefined();
    write('models/pb8.json', 3000);
    folderTime('models', 1000);
    expect(buildNeeded(root)).toBe('models/*.json changed since the last build');
    utimesSync(join(root, 'models/pb8.json'), 1000, 1000);
    expect(buildNeeded(root)).toBeUndefined();
    folderTime('models', 3000); // a card removed or renamed: only the folder's time says so
    expect(buildNeeded(root)).toBe('models/*.json changed since the last build');
    folderTime('models', 1000);
    write('models/schemes/pb.json', 3000);
    folderTime('models/schemes', 1000);
    folderTime('models', 1000);
    expect(buildNeeded(root)).toBe('models/schemes changed since the last build');
    utimesSync(join(root, 'models/schemes/pb.json'), 1000, 1000);
    write('models/zoo/build.ts', 3000);
    folderTime('models/zoo', 1000);
    folderTime('models', 1000);
    expect(buildNeeded(root)).toBe('models/zoo changed since the last build');
    utimesSync(join(root, 'models/zoo/build.ts'), 1000, 1000);
    expect(buildNeeded(root)).toBeUndefined();
    write('src/scope.ts', 3000);
    expect(buildNeeded(root)).toBe('src changed since the last build');
    rmSync(join(root, 'src'), { recursive: true });
    expect(buildNeeded(root)).toBeUndefined(); // an installed package: no sources, dist/ as published
  });

  it('builds once when several processes start together on a stale dist/ (the others wait, then find it fresh)', async () => {
    const root = staleCheckout();
    const started = join(root, 'started.log');
    const builds = join(root, 'builds.log');
    // Each process says it started, then ensures the build. A build waits until all three have
    // started (so they overlap whatever the machine's load), gives them 300 ms to reach the lock,
    // then writes fresh outputs.
    const child = `
      import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
      import { ensureBuilt } from ${JSON.stringify(ENSURE_BUILT)};
      const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
      const root = ${JSON.stringify(root)};
      appendFileSync(${JSON.stringify(started)}, process.pid + '\\n');
      ensureBuilt(root, () => {
        appendFileSync(${JSON.stringify(builds)}, process.pid + '\\n');
        for (let i = 0; i < 300 && readFileSync(${JSON.stringify(started)}, 'utf8').trim().split('\\n').length < 3; i++) sleep(100);
        sleep(300);
        for (const output of ${JSON.stringify(OUTPUTS)}) writeFileSync(root + '/' + output, 'built');
      });`;
    const run = promisify(execFile);
    await Promise.all([0, 1, 2].map(() => run('node', ['--input-type=module', '-e', child], { timeout: 60_000 })));
    expect(readFileSync(started, 'utf8').trim().split('\n')).toHaveLength(3);
    expect(readFileSync(builds, 'utf8').trim().split('\n')).toHaveLength(1);
    expect(buildNeeded(root)).toBeUndefined();
    expect(existsSync(join(root, 'build', '.ensure-built.lock'))).toBe(false);
  }, 90_000);

  it('a failed build is not run again by the processes that waited for it: they fail too, naming it', async () => {
    const root = staleCheckout();
    const builds = join(root, 'builds.log');
    const child = `
      import { appendFileSync } from 'node:fs';
      import { ensureBuilt } from ${JSON.stringify(ENSURE_BUILT)};
      ensureBuilt(${JSON.stringify(root)}, () => appendFileSync(${JSON.stringify(builds)}, 'again\\n'));`;
    const logs = [0, 1].map((k) => join(root, `waiter-${k}.log`));
    const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
    let waiters: ChildProcess[] = [];
    const descriptors: number[] = [];
    // This process holds the lock; its build starts two more, waits until both wait for it, then fails.
    expect(() =>
      ensureBuilt(root, () => {
        waiters = logs.map((log) => {
          const fd = openSync(log, 'w');
          descriptors.push(fd);
          return spawn('node', ['--input-type=module', '-e', child], { stdio: ['ignore', 'ignore', fd] });
        });
        const waiting = () => logs.every((log) => readFileSync(log, 'utf8').includes('waiting for another process'));
        for (let i = 0; i < 600 && !waiting(); i++) sleep(100);
        throw new Error('tsc: 3 errors\nsrc/scope.ts(1,1): ...');
      }),
    ).toThrow('tsc: 3 errors');
    const codes = await Promise.all(waiters.map((waiter) => new Promise((resolve) => waiter.on('exit', resolve))));
    for (const fd of descriptors) closeSync(fd);
    expect(codes).toEqual([1, 1]);
    for (const log of logs) {
      expect(readFileSync(log, 'utf8')).toContain(
        `the build of dist/ that this process waited for (pid ${process.pid}) failed: tsc: 3 errors;`,
      );
    }
    expect(existsSync(builds)).toBe(false); // neither built again
    // A process started afterwards (the cause fixed, or not) tries again.
    expect(
      ensureBuilt(root, () => {
        for (const output of OUTPUTS) writeFileSync(join(root, output), 'built');
      }),
    ).toBe(true);
    expect(existsSync(join(root, 'build', '.ensure-built.lock.failed'))).toBe(false);
  }, 90_000);

  it("waits for a live holder's build however long it takes, then finds dist/ fresh", async () => {
    const root = staleCheckout();
    const lock = join(root, 'build', '.ensure-built.lock');
    mkdirSync(lock, { recursive: true });
    writeFileSync(join(lock, 'pid'), String(process.pid)); // this test process: alive
    const hourAgo = Date.now() / 1000 - 3600;
    utimesSync(lock, hourAgo, hourAgo);
    const child = `
      import { ensureBuilt } from ${JSON.stringify(ENSURE_BUILT)};
      console.log(JSON.stringify({ built: ensureBuilt(${JSON.stringify(root)}, () => { throw new Error('built beside a live holder'); }) }));`;
    const waiting = promisify(execFile)('node', ['--input-type=module', '-e', child], { timeout: 60_000 });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    // The "holder" finishes: fresh outputs, lock released.
    for (const output of OUTPUTS) writeFileSync(join(root, output), 'built');
    rmSync(lock, { recursive: true });
    const { stdout } = await waiting;
    expect(JSON.parse(stdout)).toEqual({ built: false });
  }, 90_000);

  it('takes over a lock whose holder is gone (a build stopped with Ctrl-C), or that never got a pid', () => {
    for (const left of ['dead holder', 'no pid', 'garbled pid'] as const) {
      const root = staleCheckout();
      const lock = join(root, 'build', '.ensure-built.lock');
      mkdirSync(lock, { recursive: true });
      if (left === 'dead holder') writeFileSync(join(lock, 'pid'), '2147483646'); // no such process
      if (left === 'garbled pid') writeFileSync(join(lock, 'pid'), '');
      const minuteAgo = Date.now() / 1000 - 60;
      utimesSync(lock, minuteAgo, minuteAgo);
      let builds = 0;
      const built = ensureBuilt(root, () => {
        builds++;
        for (const output of OUTPUTS) writeFileSync(join(root, output), 'built');
      });
      expect({ left, built, builds, stale: buildNeeded(root), lockLeft: existsSync(lock) }).toEqual({
        left,
        built: true,
        builds: 1,
        stale: undefined,
        lockLeft: false,
      });
    }
  });
});
