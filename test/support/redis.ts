// A private redis-server for a test: 127.0.0.1 only, a free port, its own temp dir, persistence as
// the README recommends (appendonly yes, appendfsync always), stopped by the test. Never port 6379.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REDIS_SERVER = process.env.REDIS_SERVER ?? 'redis-server';

export interface TestRedis {
  url: string;
  port: number;
  /** Stops it (SIGTERM: a clean shutdown; kill: SIGKILL, a crash) and starts it again on the same port and dir. */
  restart(options?: { kill?: boolean }): Promise<void>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function launch(port: number, dir: string): Promise<ChildProcess> {
  // loglevel notice: the level that prints "Ready to accept connections".
  const child = spawn(REDIS_SERVER, [
    '--bind', '127.0.0.1', '--port', String(port), '--dir', dir, '--save', '',
    '--appendonly', 'yes', '--appendfsync', 'always', '--protected-mode', 'yes', '--loglevel', 'notice',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => fail(new Error(`redis-server did not get ready in 20 s: ${output}`)), 20_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        child.stdout!.resume();
        resolve(child);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', (error) => fail(new Error(`cannot start ${REDIS_SERVER}: ${error.message}; install it: apt-get install -y redis-server`)));
    child.once('exit', (code) => fail(new Error(`redis-server exited with code ${code}: ${output}`)));
  });
}

function stopProcess(child: ChildProcess, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

/** Starts redis-server; retries with another port if the one picked was taken meanwhile. */
export async function startRedis(): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'smearscope-redis-'));
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    let child: ChildProcess;
    try {
      child = await launch(port, dir);
    } catch (error) {
      lastError = error;
      continue;
    }
    return {
      url: `redis://127.0.0.1:${port}`,
      port,
      async restart({ kill = false } = {}) {
        await stopProcess(child, kill ? 'SIGKILL' : 'SIGTERM');
        child = await launch(port, dir);
      },
      async stop() {
        await stopProcess(child);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  rmSync(dir, { recursive: true, force: true });
  throw lastError;
}
