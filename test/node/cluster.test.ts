// smearscope/cluster end to end: a private redis-server on 127.0.0.1, worker processes started
// through the CLI, one of them killed with SIGKILL mid-slide. Counts and identities are asserted,
// never times: stall recovery takes as long as the lock (5 s here) plus a stall check.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FRAMES_QUEUE, SLIDES_QUEUE, redisConnection } from '../../src/cluster/connection.js';
import { frameJobId } from '../../src/cluster/jobs.js';
import { BCCD_DIR, BCCD_MICRONS_PER_PIXEL } from '../support/frames.js';
import { startRedis, type TestRedis } from '../support/redis.js';

const run = promisify(execFile);
const CLI = 'bin/smearscope.js';
const FRAME_COUNT = 60;
const frames = readdirSync(BCCD_DIR).filter((n) => n.endsWith('.jpg')).sort().slice(0, FRAME_COUNT).map((n) => join(BCCD_DIR, n));
const tmp = (name: string) => join(process.env.TMPDIR ?? '/tmp', `smearscope-cluster-${process.pid}-${name}`);

interface WorkerProcess {
  child: ChildProcess;
  name: string;
  log: string;
  exited: Promise<number | null>;
}

/** A `smearscope worker` process: native backend, 2 frame jobs at once, one preprocess worker, 5 s locks. */
function startWorker(url: string): WorkerProcess {
  const child = spawn('node', [CLI, 'worker', '--queue', url, '--concurrency', '2', '--workers', '1', '--lock-seconds', '5', '--quiet'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const worker: WorkerProcess = {
    child,
    name: `${hostname()}:${child.pid}`,
    log: '',
    exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
  };
  child.stderr!.on('data', (chunk: Buffer) => (worker.log += chunk.toString()));
  return worker;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 180_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('smearscope/cluster on Redis', () => {
  let redis: TestRedis;
  let framesQueue: Queue;
  let slidesQueue: Queue;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    framesQueue = new Queue(FRAMES_QUEUE, { connection: redisConnection(redis.url) });
    slidesQueue = new Queue(SLIDES_QUEUE, { connection: redisConnection(redis.url) });
  });

  afterAll(async () => {
    for (const worker of workers) worker.child.kill('SIGKILL');
    await Promise.all([framesQueue?.close(), slidesQueue?.close()]);
    await redis?.stop();
  });

  it('60 BCCD frames over two workers, one SIGKILLed mid-run: every frame once, the differential of analyze', async () => {
    const reference = tmp('analyze.json');
    await run('node', [CLI, 'analyze', ...frames, '--backend', 'native', '--workers', '1', '--microns-per-pixel', String(BCCD_MICRONS_PER_PIXEL),
      '--quiet', '--out', reference], { maxBuffer: 64 * 2 ** 20 });
    const analyzed = JSON.parse(readFileSync(reference, 'utf8'));

    const [victim, survivor] = [startWorker(redis.url), startWorker(redis.url)];
    workers.push(victim, survivor);
    await until('both workers ready', async () => (victim.log.includes('waiting for frames') && survivor.log.includes('waiting for frames') ? true : undefined));

    const out = tmp('slide.json');
    const submitted = run('node', [CLI, 'submit', ...frames, '--queue', redis.url, '--slide', 'bccd-60', '--microns-per-pixel',
      String(BCCD_MICRONS_PER_PIXEL), '--quiet', '--out', out], { maxBuffer: 64 * 2 ** 20 });

    // Kill the victim while it holds frame jobs, after a few frames are done.
    const held = await until('the victim holding a job mid-run', async () => {
      if ((await framesQueue.getCompletedCount()) < 6) return undefined;
      const active = (await framesQueue.getActive()).filter((job) => job.processedBy === victim.name);
      return active.length > 0 ? active.map((job) => job.id!) : undefined;
    });
    victim.child.kill('SIGKILL');
    expect(await victim.exited).toBeNull();

    await submitted;
    const report = JSON.parse(readFileSync(out, 'utf8'));

    // The jobs the victim died with were finished by the survivor.
    for (const id of held) {
      const job = (await framesQueue.getJob(id))!;
      expect(await job.getState()).toBe('completed');
      expect(job.processedBy).toBe(survivor.name);
    }
    // Every frame once, in input order, none failed; the slide job saw 60 results.
    expect(report.frames.map((f: { file: string }) => f.file)).toEqual(frames);
    expect(report.frames.filter((f: { error?: unknown }) => f.error)).toEqual([]);
    const slideJob = (await slidesQueue.getJob('bccd-60'))!;
    expect(await slideJob.getDependenciesCount()).toMatchObject({ processed: FRAME_COUNT, unprocessed: 0 });
    const cells = report.frames.reduce((n: number, f: { cells: unknown[] }) => n + f.cells.length, 0);
    expect(report.differential.cellsSeen).toBe(cells);
    // The same cells, classes and differential as analyze in one process.
    expect(report.frames.map((f: { cells: unknown }) => f.cells)).toEqual(analyzed.frames.map((f: { cells: unknown }) => f.cells));
    expect(report.differential).toEqual(analyzed.differential);
    expect(report.backend.reason).toMatch(/2 worker process\(es\)/);

    // status reports the finished slide; SIGTERM stops the survivor cleanly.
    const status = JSON.parse((await run('node', [CLI, 'status', '--queue', redis.url, '--slide', 'bccd-60'])).stdout);
    expect(status).toMatchObject({ slideId: 'bccd-60', state: 'done', framesTotal: FRAME_COUNT, framesDone: FRAME_COUNT, framesFailed: 0, framesPending: 0 });
    survivor.child.kill('SIGTERM');
    expect(await survivor.exited).toBe(0);
  }, 600_000);
});
