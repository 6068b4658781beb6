// smearscope/cluster through its library API (the built bundle, as a vendor imports it): frames
// that fail for good are typed errors in the report and are not retried; a Redis killed and
// restarted mid-slide (appendonly yes, appendfsync always) loses no finished frame.
import { execFile, spawn } from 'node:child_process';
import { appendFileSync, copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClusterWorker, submitSlide, type ClusterWorker, type SlideProgress } from '../../dist/node/cluster.js';
import { FRAMES_QUEUE, redisConnection } from '../../src/cluster/connection.js';
import { BCCD_DIR, BCCD_MICRONS_PER_PIXEL } from '../support/frames.js';
import { pngHeaderOnly } from '../support/png-header.js';
import { startRedis, type TestRedis } from '../support/redis.js';

const run = promisify(execFile);
const bccd = readdirSync(BCCD_DIR)
  .filter((n) => n.endsWith('.jpg'))
  .sort()
  .map((n) => join(BCCD_DIR, n));

describe('smearscope/cluster failures', () => {
  let redis: TestRedis;
  let worker: ClusterWorker;
  let framesQueue: Queue;

  beforeAll(async () => {
    redis = await startRedis();
    framesQueue = new Queue(FRAMES_QUEUE, { connection: redisConnection(redis.url) });
    framesQueue.on('error', () => undefined); // connection refused while Redis restarts: it reconnects
    worker = await createClusterWorker({ queue: redis.url, concurrency: 2, workers: 1, lockSeconds: 5 });
  }, 300_000);

  afterAll(async () => {
    await worker?.close({ force: true });
    await framesQueue?.close();
    await redis?.stop();
  });

  it('a corrupt, an oversized and a missing frame are typed errors in the report, each tried once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'smearscope-cluster-'));
    const broken = join(dir, 'broken.png');
    writeFileSync(broken, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0, 1, 2]));
    const limit = Math.max(statSync(bccd[0]).size, statSync(bccd[1]).size);
    const big = join(dir, 'big.jpg');
    copyFileSync(bccd[2], big);
    appendFileSync(big, Buffer.alloc(limit)); // a JPEG with trailing bytes: decodable, but over the limit
    const missing = join(dir, 'missing.jpg');
    const huge = join(dir, 'huge.png');
    writeFileSync(huge, pngHeaderOnly(20_000, 20_000)); // 400 MP by its header: over the scope's maxFramePixels
    const files = [bccd[0], broken, big, missing, huge, bccd[1]];

    const failures: Array<{ code: string; willRetry: boolean }> = [];
    worker.on('frame-failed', (f) => failures.push(f));
    // A frame is told done once the queue holds its result (a result lost to Redis is analyzed again).
    const toldDone: Array<Promise<string>> = [];
    worker.on('frame', (f) => toldDone.push(framesQueue.getJobState(`${f.slideId}-frame-${f.index}`)));
    const submission = await submitSlide({
      queue: redis.url,
      frames: files,
      slideId: 'faulty',
      maxFrameBytes: limit,
      micronsPerPixel: BCCD_MICRONS_PER_PIXEL,
    });
    const progress: SlideProgress[] = [];
    submission.on('progress', (p) => progress.push(p));
    const report = await submission.report({ pollMs: 50 });
    await submission.close();

    expect(report.frames.map((f) => f.label)).toEqual(files);
    expect(report.frames.map((f) => f.error?.code)).toEqual([
      undefined,
      'DECODE_FAILED',
      'INVALID_FRAME',
      'IO_FAILED',
      'FRAME_TOO_LARGE',
      undefined,
    ]);
    expect(report.frames[2].error!.message).toMatch(/over this slide's limit/);
    for (const index of [0, 5]) expect(report.frames[index].cells.length).toBeGreaterThan(0);
    expect(report.differential!.cellsSeen).toBe(report.frames[0].cells.length + report.frames[5].cells.length);
    expect(await Promise.all(toldDone)).toEqual(['completed', 'completed']);
    // Not a retry loop: each failed frame ran once although 3 attempts were allowed.
    for (const index of [1, 2, 3, 4]) {
      const job = (await framesQueue.getJob(`faulty-frame-${index}`))!;
      expect(await job.getState()).toBe('failed');
      expect(job.attemptsMade).toBe(1);
      expect(job.opts.attempts).toBe(3);
    }
    expect(failures.map((f) => [f.code, f.willRetry]).sort()).toEqual([
      ['DECODE_FAILED', false],
      ['FRAME_TOO_LARGE', false],
      ['INVALID_FRAME', false],
      ['IO_FAILED', false],
    ]);
    // Progress events: counts never go back, and the last one is the finished slide.
    for (let i = 1; i < progress.length; i++) {
      expect(progress[i].framesDone + progress[i].framesFailed).toBeGreaterThanOrEqual(
        progress[i - 1].framesDone + progress[i - 1].framesFailed,
      );
    }
    expect(progress.at(-1)).toMatchObject({ state: 'done', framesTotal: 6, framesDone: 2, framesFailed: 4, framesPending: 0 });
    // A slide id is taken once.
    await expect(submitSlide({ queue: redis.url, frames: [bccd[0]], slideId: 'faulty' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  }, 300_000);

  it("without a given scale, a frame that cannot give its own takes its slide's calibration and never another's (retried, not failed, while there is none)", async () => {
    const unscalable = '../shared/data/txl-pbc-dev/pbc/images/0184a270-648e-5e6d-bc61-a9e8f7b0f6e4.jpg';
    const failures: Array<{ slideId: string; code: string; willRetry: boolean }> = [];
    worker.on('frame-failed', (f) => failures.push(f));
    const submitted = async (slideId: string, files: string[]) => {
      const submission = await submitSlide({ queue: redis.url, frames: files, slideId });
      try {
        return await submission.report({ pollMs: 50 });
      } finally {
        await submission.close();
      }
    };
    let mostInHand = 0;
    const sampler = setInterval(() => (mostInHand = Math.max(mostInHand, worker.jobsInHand)), 2);
    const mixed = await submitted('calibrated', [bccd[1], unscalable]); // bccd[1]: a confident estimate of its own
    clearInterval(sampler);
    expect(mostInHand).toBeGreaterThanOrEqual(1); // what SIGTERM's "finishing the N job(s) in hand" reads
    expect(mixed.frames.map((f) => [f.error?.code, f.scaleSource])).toEqual([
      [undefined, 'frame'],
      [undefined, 'run'],
    ]);
    expect(mixed.frames[1].micronsPerPixel).toBe(mixed.frames[0].micronsPerPixel);
    // Alone on its slide, after another slide calibrated this worker: no calibration of its own
    // slide ever comes, so every attempt fails and the last for good.
    const alone = await submitted('uncalibrated', [unscalable]);
    expect(alone.frames[0].error).toMatchObject({ code: 'INVALID_FRAME', message: expect.stringMatching(/run has no calibration yet/) });
    expect(failures.filter((f) => f.slideId === 'uncalibrated').map((f) => f.willRetry)).toEqual([true, true, false]);
  }, 300_000);

  it('Redis killed and restarted mid-slide: the frames finished before are kept, the slide completes', async () => {
    const files = bccd.slice(10, 26);
    const submission = await submitSlide({ queue: redis.url, frames: files, slideId: 'restart', micronsPerPixel: BCCD_MICRONS_PER_PIXEL });
    let before: Map<string, unknown>;
    for (;;) {
      const done = await framesQueue.getCompleted();
      const mine = done.filter((job) => job.data.slideId === 'restart');
      if (mine.length >= 4) {
        before = new Map(mine.map((job) => [job.id!, job.returnvalue]));
        break;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    await redis.restart({ kill: true });
    const report = await submission.report({ pollMs: 50 });
    await submission.close();

    expect(report.frames.map((f) => f.label)).toEqual(files);
    expect(report.frames.filter((f) => f.error)).toEqual([]);
    for (const [id, value] of before) {
      const job = (await framesQueue.getJob(id))!;
      expect(await job.getState()).toBe('completed');
      expect(job.returnvalue).toEqual(value); // the same result, not a second run's
      expect(job.attemptsMade).toBe(1);
    }
  }, 300_000);

  it('smearscope submit --no-wait prints the slide id; smearscope status follows it and writes its report', async () => {
    const files = bccd.slice(30, 32);
    const cli = (args: string[]) => run('node', ['bin/smearscope.js', ...args], { maxBuffer: 16 * 2 ** 20 });
    const submitted = await cli(['submit', ...files, '--queue', redis.url, '--slide', 'no-wait', '--no-wait']);
    expect(submitted.stdout).toBe('no-wait\n');
    const out = join(mkdtempSync(join(tmpdir(), 'smearscope-cluster-')), 'report.json');
    for (;;) {
      const status = JSON.parse((await cli(['status', '--queue', redis.url, '--slide', 'no-wait'])).stdout);
      expect(status).toMatchObject({ slideId: 'no-wait', framesTotal: 2 });
      if (status.state === 'done') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    await cli(['status', '--queue', redis.url, '--slide', 'no-wait', '--out', out]);
    expect(JSON.parse(readFileSync(out, 'utf8')).frames.map((f: { file: string }) => f.file)).toEqual(files);
    await expect(cli(['status', '--queue', redis.url, '--slide', 'never-submitted'])).rejects.toMatchObject({
      stderr: expect.stringMatching(/IO_FAILED.*no slide "never-submitted"/),
    });
  }, 300_000);

  it('smearscope submit: an --out folder removed while the slide runs is IO_FAILED when the report is written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'smearscope-cluster-'));
    const out = join(dir, 'report.json');
    const child = spawn('node', ['bin/smearscope.js', 'submit', bccd[33], '--queue', redis.url, '--slide', 'out-gone', '--out', out], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      // --out passed its check and the slide is queued: now its folder goes.
      if (stderr.includes('frame(s) on')) rmSync(dir, { recursive: true, force: true });
    });
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(stderr).toMatch(/error \[IO_FAILED\]: cannot write --out .*report\.json: ENOENT/);
    expect(code).toBe(2);
  }, 300_000);
});
