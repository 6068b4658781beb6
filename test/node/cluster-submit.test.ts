// The submitting side on a private Redis with no worker: slides stay unfinished, so what a
// submitter does while it waits (and what it refuses before it queues anything) is seen without
// analyzing a frame.
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
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
});
