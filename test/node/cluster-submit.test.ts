// The submitting side on a private Redis with no worker: slides stay unfinished, so what a
// submitter does while it waits (and what it refuses before it queues anything) is seen without
// analyzing a frame.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { submitSlide } from '../../dist/node/cluster.js';
import { SLIDES_QUEUE, redisConnection } from '../../src/cluster/connection.js';
import { BCCD_DIR } from '../support/frames.js';
import { startRedis, type TestRedis } from '../support/redis.js';

const bccd = readdirSync(BCCD_DIR)
  .filter((n) => n.endsWith('.jpg'))
  .sort()
  .map((n) => join(BCCD_DIR, n));

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
});
