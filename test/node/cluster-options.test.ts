// submitSlide and getSlideStatus check their options before they connect: a typo'd key or a bad
// value fails at once (INVALID_ARGUMENT naming it), not on every frame in the workers or at
// aggregation once the slide is analyzed. The queue URL is a port where nothing listens, so an
// option let through would fail later (IO_FAILED, cannot reach Redis) instead.
import { createServer } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { getSlideStatus, submitSlide, type SubmitSlideOptions } from '../../src/cluster/submit.js';

describe('cluster options', () => {
  let queue: string;

  beforeAll(async () => {
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    queue = `redis://127.0.0.1:${port}`;
  });

  const refused = (options: Record<string, unknown>, message: RegExp) =>
    expect(submitSlide({ queue, frames: ['a.jpg'], ...options } as SubmitSlideOptions), JSON.stringify(options)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(message),
    });

  it('submitSlide names a misspelt option and the one it was probably meant to be', async () => {
    await refused({ micronPerPixel: 0.1 }, /unknown option "micronPerPixel" \(did you mean "micronsPerPixel"\?\)/);
    await refused({ targetcount: 300 }, /unknown option "targetcount" \(did you mean "targetCount"\?\)/);
    await refused({ concurrency: 2 }, /unknown option "concurrency"; known: queue, frames, slideId/);
  });

  it('submitSlide refuses bad values before anything is queued', async () => {
    // A folder's path is not a list of frames (it was taken one character a frame).
    await refused({ frames: '/mnt/scans/slide-1' }, /^frames must be a non-empty array of frame file paths, got "\/mnt\/scans\/slide-1"/);
    await refused({ frames: [] }, /^frames must be a non-empty array/);
    await refused({ frames: ['a.jpg', ''] }, /^frames\[1\] must be a file path, got ""/);
    await refused({ frames: ['a.jpg', 7] }, /^frames\[1\] must be a file path, got 7/);
    for (const micronsPerPixel of [-1, 0, Number.NaN, Number.POSITIVE_INFINITY, '0.1'])
      await refused({ micronsPerPixel }, /^micronsPerPixel must be a positive number of microns per pixel/);
    for (const targetCount of [0, -5, 2.5, '200']) await refused({ targetCount }, /^targetCount must be an integer from 1/);
    for (const maxFrameBytes of [0, -1, Number.NaN]) await refused({ maxFrameBytes }, /^maxFrameBytes must be a positive number/);
    for (const frameAttempts of [0, 1.5]) await refused({ frameAttempts }, /^frameAttempts must be an integer from 1 to 100/);
    for (const slideId of [42, 'bad id/x', '']) await refused({ slideId }, /^a slide id is 1-100 letters/);
    for (const bad of [42, undefined, '']) await refused({ queue: bad }, /^queue must be a Redis URL like redis:\/\//);
    await expect(submitSlide(undefined as unknown as SubmitSlideOptions)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('getSlideStatus checks its options the same way', async () => {
    const status = (options: Record<string, unknown>) => getSlideStatus(options as never);
    await expect(status({ queue, slideID: 'x' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/unknown option "slideID" \(did you mean "slideId"\?\)/),
    });
    await expect(status({ slideId: 'x' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/^queue must be/),
    });
    await expect(status({ queue, slideId: 7 })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/^a slide id/),
    });
  });
});
