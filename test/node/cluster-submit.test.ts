// The submitting side on a private Redis with no worker: slides stay unfinished, so what a
// submitter does while it waits (and what it refuses before it queues anything) is seen without
// analyzing a frame.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { submitSlide } from '../../dist/node/cluster.js';
import { writeOutput } from '../../src/cli/output-file.js';
import { SLIDES_QUEUE, redisConnection } from '../../src/cluster/connection.js';
import { BCCD_DIR } from '../support/frames.js';
import { startRedis, type TestRedis } from '../support/redis.js';

const bccd = readdirSync(BCCD_DIR)
  .filter((n) => n.endsWith('.jpg'))
  .sort()
  .map((n) => join(BCCD_DIR, n));

const run = promisify(execFile);

/** `smearscope <args>`: its output and exit code (never rejects). A submit that waits for a slide is
 * stopped after `timeoutMs`: with no worker it would wait for ever. */
async function cli(args: string[], timeoutMs = 60_000): Promise<{ stdout: string; stderr: string; code: number | null }> {
  try {
    const { stdout, stderr } = await run('node', ['bin/smearscope.js', ...args], { timeout: timeoutMs, maxBuffer: 16 * 2 ** 20 });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const { stdout, stderr, code } = error as { stdout: string; stderr: string; code: number | null };
    return { stdout, stderr, code };
  }
}

/** Starts `smearscope submit`, waits until `ready()`, sends `signal`; its stderr and exit code. */
async function interruptSubmit(args: string[], ready: (stderr: string) => boolean, signal: NodeJS.Signals) {
  const child = spawn('node', ['bin/smearscope.js', 'submit', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  while (!ready(stderr)) await new Promise((r) => setTimeout(r, 50));
  child.kill(signal);
  return { code: await exited, stdout, stderr };
}

describe('smearscope/cluster submitter, no worker', () => {
  let redis: TestRedis;
  let slidesQueue: Queue;

  beforeAll(async () => {
    redis = await startRedis();
    slidesQueue = new Queue(SLIDES_QUEUE, { connection: redisConnection(redis.url) });
  });

  afterAll(async () => {
    await slidesQueue?.close();
    await redis?.stop();
  });

  it('report() checks its options: a misspelt one is named, not ignored', async () => {
    const submission = await submitSlide({ queue: redis.url, frames: [bccd[0]], slideId: 'report-options' });
    try {
      await expect(submission.report({ pollms: 50 } as never)).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
        message: expect.stringMatching(/unknown option "pollms" \(did you mean "pollMs"\?\)/),
      });
      await expect(submission.report({ pollMs: 0 })).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
        message: expect.stringMatching(/^pollMs/),
      });
    } finally {
      await submission.close();
    }
  });

  it('submit and status check --out before they touch the queue: an unwritable path is INVALID_ARGUMENT at once', async () => {
    const out = '/nonexistent-folder/slide.json';
    const submitted = await cli(['submit', bccd[0], '--queue', redis.url, '--slide', 'out-missing', '--out', out]);
    expect(submitted.code).toBe(2);
    expect(submitted.stderr).toMatch(
      /^error \[INVALID_ARGUMENT\]: --out \/nonexistent-folder\/slide.json: its folder does not exist.*nothing was submitted/,
    );
    expect(await slidesQueue.getJob('out-missing')).toBeUndefined();
    // status too: refused before it asks the queue (which would say it has no such slide).
    const status = await cli(['status', '--queue', redis.url, '--slide', 'never-submitted', '--out', out]);
    expect(status.code).toBe(2);
    expect(status.stdout).toBe('');
    expect(status.stderr).toMatch(/^error \[INVALID_ARGUMENT\]: --out .*the queue was not asked/);
  });

  it('a report file that cannot be written is IO_FAILED naming it', async () => {
    await expect(writeOutput('/nonexistent-folder/slide.json', '{}')).rejects.toMatchObject({
      code: 'IO_FAILED',
      message: expect.stringMatching(/^cannot write --out \/nonexistent-folder\/slide.json: ENOENT/),
    });
  });

  it('Ctrl-C on a waiting submit says the slide goes on and how to get its report; status --out before it is done writes nothing (exit 3)', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'smearscope-cluster-')), 'slide.json');
    const interrupted = await interruptSubmit(
      [bccd[0], bccd[1], '--queue', redis.url, '--slide', 'interrupted', '--out', out],
      (stderr) => stderr.includes('frame(s) on'),
      'SIGINT',
    );
    expect(interrupted.code).toBe(130);
    expect(interrupted.stderr).toMatch(/SIGINT, stopped waiting; slide interrupted goes on in the workers/);
    expect(interrupted.stderr).toContain(`smearscope status --queue ${redis.url} --slide interrupted --out ${out}\n`);
    expect(existsSync(out)).toBe(false);

    // SIGTERM: 143; the command to get the report names a JSON file (status writes JSON only).
    const terminated = await interruptSubmit(
      [bccd[2], '--queue', redis.url, '--slide', 'terminated', '--format', 'csv'],
      (stderr) => stderr.includes('frame(s) on'),
      'SIGTERM',
    );
    expect(terminated.code).toBe(143);
    expect(terminated.stdout).toBe('');
    expect(terminated.stderr).toMatch(
      /SIGTERM, stopped waiting; slide terminated goes on.*\n {2}smearscope status --queue \S+ --slide terminated --out report\.json\n$/,
    );

    const status = await cli(['status', '--queue', redis.url, '--slide', 'interrupted', '--out', out]);
    expect(JSON.parse(status.stdout)).toMatchObject({ slideId: 'interrupted', state: 'frames', framesTotal: 2, framesPending: 2 });
    expect(status.stderr).toMatch(
      /slide interrupted has no report: it is not done yet \(frames: 0 of 2 frame\(s\) done\); ask again later; nothing was written/,
    );
    expect(status.code).toBe(3);
    expect(existsSync(out)).toBe(false);
    expect((await cli(['status', '--help'])).stdout).toMatch(/failedReason\?[\s\S]*\n {2}3 {4}--out given but the slide is not done yet/);
    expect((await cli(['submit', '--help'])).stdout).toMatch(/\n {2}130 {2}stopped waiting on SIGINT/);
  });
});
