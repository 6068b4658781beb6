// The cluster worker's own rules, without a queue where none is needed: a slide's frames share a
// scale calibration and no other slide's; its options are checked before anything starts; and a
// worker started before Redis says so and stops at once when told to.
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScope, type Scope } from '../../dist/node/index.js';
import { createClusterWorker } from '../../dist/node/cluster.js';
import { createFrameFeed } from '../../src/cluster/frame-feed.js';
import { queueErrorLog } from '../../src/cli/worker.js';
import { BCCD_DIR } from '../support/frames.js';

/** A peripheral-blood frame with too few measurable erythrocytes to give its own scale. */
const UNSCALABLE = '../shared/data/txl-pbc-dev/pbc/images/0184a270-648e-5e6d-bc61-a9e8f7b0f6e4.jpg';
const bccd = readdirSync(BCCD_DIR)
  .filter((f) => f.endsWith('.jpg'))
  .sort()
  .map((f) => join(BCCD_DIR, f));
const encoded = (path: string) => ({ encoded: new Uint8Array(readFileSync(path)), label: path });

describe('the frame feed: one stream, one scale calibration per slide', () => {
  let scope: Scope;
  beforeAll(async () => {
    scope = await createScope({ backend: 'wasm', workers: 1, inferenceSessions: 1 });
  }, 120_000);
  afterAll(async () => {
    await scope?.dispose();
  });

  it("a frame that cannot give its own scale takes its slide's calibration, never another slide's; a slide idle too long starts over", async () => {
    // Idle streams end after 60 s in a worker; long enough here too that a loaded machine never ends one mid-test.
    const feed = createFrameFeed(scope, 30_000);
    const alone = await feed.analyze(encoded(UNSCALABLE), 'L1');
    expect(alone.error).toMatchObject({ code: 'INVALID_FRAME', message: expect.stringMatching(/run has no calibration yet/) });
    const calibrated = await feed.analyze(encoded(bccd[1]), 'L2');
    expect(calibrated.error).toBeUndefined();
    expect(calibrated.scaleSource).toBe('frame');
    // The same slide: its calibration.
    const same = await feed.analyze(encoded(UNSCALABLE), 'L2');
    expect(same.error).toBeUndefined();
    expect(same.scaleSource).toBe('run');
    expect(same.micronsPerPixel).toBe(calibrated.micronsPerPixel);
    // Another slide after it: not calibrated by L2 (one stream for every slide calibrated it: 'run').
    const other = await feed.analyze(encoded(UNSCALABLE), 'L3');
    expect(other.error).toMatchObject({ code: 'INVALID_FRAME' });
    expect(feed.openStreams).toBeGreaterThanOrEqual(1);
    await feed.close();
    expect(feed.openStreams).toBe(0);

    // Idle streams end (their calibration with them): a worker serving slides all day holds none.
    const quick = createFrameFeed(scope, 50);
    expect((await quick.analyze(encoded(bccd[1]), 'L4')).scaleSource).toBe('frame');
    for (let waited = 0; quick.openStreams > 0 && waited < 30_000; waited += 25) await new Promise((r) => setTimeout(r, 25));
    expect(quick.openStreams).toBe(0);
    const later = await quick.analyze(encoded(UNSCALABLE), 'L4');
    expect(later.error).toMatchObject({ code: 'INVALID_FRAME' });
    await quick.close();
    expect(quick.openStreams).toBe(0);
  }, 120_000);
});

describe('createClusterWorker options', () => {
  it('are checked before a model loads or Redis is asked: unknown keys (with the nearest), bad values', async () => {
    const queue = 'redis://127.0.0.1:1';
    await expect((createClusterWorker as (options?: unknown) => Promise<unknown>)()).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(createClusterWorker({ queue, concurency: 2 } as never)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/unknown option "concurency" \(did you mean "concurrency"\?\)/),
    });
    await expect(createClusterWorker({ queue, concurrency: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(createClusterWorker({ queue, lockSeconds: 0.5 })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/lockSeconds must be at least 1/),
    });
    await expect(createClusterWorker({ queue: 6379 } as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(createClusterWorker({ queue, frameLimits: { maxFramePixel: 10 } } as never)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/maxFramePixels/),
    });
  });
});

describe('a worker started before Redis', () => {
  it('says it is connecting, logs the refused connection once (not every retry), and stops at once on SIGTERM', async () => {
    // Port 1 on localhost: nothing listens, every connection is refused.
    const child = spawn('node', ['bin/smearscope.js', 'worker', '--queue', 'redis://127.0.0.1:1', '--backend', 'wasm', '--workers', '1'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    child.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const deadline = Date.now() + 120_000;
    while (!/queue error: .*ECONNREFUSED/.test(log) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(log).toMatch(/connecting to redis:\/\/127\.0\.0\.1:1/);
    await new Promise((r) => setTimeout(r, 1500)); // several retries
    expect(log.match(/queue error/g)).toHaveLength(1);
    expect(log).not.toMatch(/waiting for frames/);
    child.kill('SIGTERM');
    // Nothing in hand: no wait for Redis (a graceful BullMQ close waited for it forever). The bound
    // is the CLI's 2 s exit guard plus a loaded machine's slack, far below "never".
    const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 20_000))]);
    if (code === 'hung') child.kill('SIGKILL');
    expect(code).toBe(0);
    expect(log).toMatch(/SIGTERM: finishing the 0 job\(s\) in hand/);
  }, 180_000);

  it('the queue error log says a new error at once and a repeated one every 30 s with its count', () => {
    const lines: string[] = [];
    let now = 0;
    const logError = queueErrorLog(
      (line) => lines.push(line),
      () => now,
    );
    const refused = new Error('connect ECONNREFUSED');
    for (; now < 65_000; now += 250) logError(refused);
    logError(new Error('NOAUTH Authentication required.'));
    expect(lines).toEqual([
      'queue error: connect ECONNREFUSED; retrying until Redis answers',
      'queue error: connect ECONNREFUSED (120 times in 30 s); retrying until Redis answers',
      'queue error: connect ECONNREFUSED (120 times in 30 s); retrying until Redis answers',
      'queue error: NOAUTH Authentication required.',
    ]);
  });
});
